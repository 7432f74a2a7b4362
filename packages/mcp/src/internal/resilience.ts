import * as Effect from "effect/Effect"
import { ResiliencePolicy, Timeout, ToolGateway } from "@baton/core"
import type { Pool } from "./pool.js"

type ToolError = ToolGateway.ToolError

/**
 * What the gateway applies to a service's calls: the service's policy stack
 * (bulkhead → retry → hedge → rate limiter → breaker, from core's
 * `ResiliencePolicy`), the per-attempt timeout (core's `Timeout`, applied by
 * the gateway around each request so that an expired attempt counts against
 * the instance that took it), its fallbacks and its stale window.
 */
export interface Resilience {
  readonly policy: ResiliencePolicy.ResiliencePolicy
  /** The adaptive timeout, when configured; a fixed timeout is the SDK request's. */
  readonly timeout: Timeout.Timeout | undefined
  /** The SDK request timeout: a backstop behind `timeout`, or the timeout itself. */
  readonly sdkTimeoutMs: number
  readonly fallback: ReadonlyArray<string>
  readonly staleIfErrorMs: number
}

/** The policies every service gets unless its own policy sets them (see `McpGateway.Options.defaultPolicy`). */
export type DefaultPolicy = Omit<ResiliencePolicy.Config, "timeoutMs" | "adaptiveTimeout">

/**
 * What every service gets unless told otherwise: two retries (core's
 * backoff, 100 ms doubling with jitter, within core's retry budget of 20 %
 * of calls + 10 per 10 s, honouring a retry-after hint up to 30 s), core's
 * breaker (5 consecutive failures, open 5 s doubling up to 60 s, one
 * half-open probe) and a bulkhead of 64 calls in flight with 1,000 waiting.
 */
export const recommended: DefaultPolicy = {
  retry: { maxRetries: 2 },
  breaker: {},
  bulkhead: { maxConcurrent: 64, maxQueued: 1_000 }
}

export const make = (service: string, pool: Pool, defaultPolicy: DefaultPolicy): Effect.Effect<Resilience> =>
  Effect.gen(function*() {
    const { adaptiveTimeout, resetTimeoutOnProgress: _reset, timeoutMs: _timeoutMs, ...rest } = pool.server.policy ?? {}
    const policy = yield* ResiliencePolicy.make({
      service,
      // The timeout is left out of the stack: the gateway applies it per request.
      config: { ...defaultPolicy, ...rest }
    })
    const timeout = adaptiveTimeout !== undefined
      ? yield* Timeout.adaptive({
        service,
        ...adaptiveTimeout,
        ...(pool.server.policy?.timeoutMs !== undefined ? { initialMs: pool.server.policy.timeoutMs } : {})
      })
      : undefined
    return {
      policy,
      timeout,
      // A fixed timeout is the SDK's (it restarts on progress when asked);
      // an adaptive one never exceeds its ceiling, the SDK's backstop.
      sdkTimeoutMs: pool.timeoutMs,
      fallback: pool.server.fallback ?? [],
      staleIfErrorMs: pool.server.staleIfErrorMs ?? 0
    }
  })

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

const toolErrorTags = new Set([
  "UnknownService",
  "UnknownTool",
  "InvalidToolArguments",
  "ToolTimeout",
  "ToolCancelled",
  "ToolResultError",
  "ToolProtocolError",
  "TransportClosed"
])

/** Policy refusals: the service never saw the call. */
const refusals = new Set(["BreakerOpen", "BulkheadRejected", "RateLimited"])

/** JSON-RPC codes that say the request itself was wrong. */
const callerCodes = new Set([-32700, -32600, -32601, -32602])

/**
 * Whether a failure lets the call go to a fallback service: a refusal by the
 * service's policies, or a fault of the service (timeouts, lost transports,
 * protocol errors other than the caller's, a tool error with a retry hint,
 * retries exhausted). Never the caller's mistakes or a tool's own answer.
 * A call that must run at most once (`once`) falls back only on a refusal.
 */
export const fallsBack = (error: unknown, once: boolean): boolean => {
  const tag = tagOf(error)
  if (tag !== undefined && refusals.has(tag)) return true
  if (once) return false
  switch (tag) {
    case "RetryBudgetExhausted":
      return fallsBack((error as { readonly lastError: unknown }).lastError, once)
    case "TransportClosed":
    case "ToolTimeout":
    case "PolicyTimeout":
      return true
    case "ToolProtocolError":
      return !callerCodes.has((error as { readonly code: number }).code)
    case "ToolResultError":
      return (error as { readonly retryAfterMs?: number }).retryAfterMs !== undefined
    default:
      return false
  }
}

/**
 * Core's tool errors from what the stack fails with: `PolicyTimeout` becomes
 * `ToolTimeout`; `RetryBudgetExhausted` becomes its last error; the
 * refusals (`BreakerOpen`, `BulkheadRejected`, `RateLimited`) become a
 * `ToolResultError` with their message (which says the service is
 * unavailable and when to try again) and retry-after hint.
 */
export const toToolError = (error: unknown, call: ToolGateway.ToolCall): ToolError => {
  const tag = tagOf(error)
  if (tag !== undefined && toolErrorTags.has(tag)) return error as ToolError
  if (tag === "PolicyTimeout") return Timeout.toToolTimeout(error as Timeout.PolicyTimeout, call.tool)
  if (tag === "RetryBudgetExhausted") return toToolError((error as { readonly lastError: unknown }).lastError, call)
  const retryAfterMs = (error as { readonly retryAfterMs?: unknown } | undefined)?.retryAfterMs
  return new ToolGateway.ToolResultError({
    service: call.service,
    tool: call.tool,
    detail: error instanceof Error ? error.message : String(error),
    ...(typeof retryAfterMs === "number" ? { retryAfterMs } : {})
  })
}
