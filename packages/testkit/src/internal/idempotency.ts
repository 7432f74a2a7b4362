/**
 * Idempotency keys for side-effecting tools, as payment and booking APIs
 * treat them: the same key with the same arguments returns the first
 * successful result without doing the work again; the same key with other
 * arguments is refused. Failures are not remembered, so a retry after a
 * failure runs again.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { failure } from "./toolResult.js"

export interface IdempotencyStore {
  readonly once: (key: string, args: unknown, run: () => CallToolResult) => CallToolResult
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v)

export const make = (): IdempotencyStore => {
  const entries = new Map<string, { readonly fingerprint: string; readonly result: CallToolResult }>()
  return {
    once: (key, args, run) => {
      const fingerprint = canonical(args)
      const found = entries.get(key)
      if (found !== undefined) {
        return found.fingerprint === fingerprint
          ? found.result
          : failure(`idempotency_key "${key}" was already used with different arguments; use a new key for a new request`)
      }
      const result = run()
      if (result.isError !== true) entries.set(key, { fingerprint, result })
      return result
    }
  }
}
