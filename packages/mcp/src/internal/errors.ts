import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js"
import { ToolGateway } from "@baton/core"
import { redactText } from "./serverAddress.js"

/** What `Client.callTool` resolves with. */
export type ToolResult = Awaited<ReturnType<Client["callTool"]>>

const { ToolCancelled, ToolProtocolError, ToolResultError, ToolTimeout, TransportClosed } = ToolGateway

/** Where a failed request stood when it failed. */
export interface FailedCall {
  readonly service: string
  readonly tool: string
  readonly timeoutMs: number
  /**
   * We ended the request ourselves while its caller still waits (the gateway
   * is shutting down). An interrupted caller never gets here: it is gone.
   */
  readonly aborted: boolean
  /** The connection had closed before the failure arrived. */
  readonly closed: boolean
}

/** A failure, and whether it means the connection is no longer usable. */
export interface Classified {
  readonly error: ToolGateway.ToolError
  readonly broken: boolean
}

const numberIn = (data: unknown, key: string): number | undefined => {
  const value = typeof data === "object" && data !== null ? (data as Record<string, unknown>)[key] : undefined
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

// The SDK prefixes messages with "MCP error <code>: ", once on each side
// when the server threw an `McpError` itself. A URL named in a failure may
// carry credentials; details are shown, so it is redacted.
const detailOf = (error: McpError) => redactText(error.message.replace(/^(MCP error -?\d+: )+/, ""))

const optionalRetryAfter = (retryAfterMs: number | undefined) => (retryAfterMs === undefined ? {} : { retryAfterMs })

const isSchemaError = (error: unknown) =>
  typeof error === "object" && error !== null && Array.isArray((error as { issues?: unknown }).issues)

// `Client.callTool` checks an answer against the tool's output schema and
// throws these as InvalidRequest (-32600) or InvalidParams (-32602), codes
// that blame the caller's request; the server broke its contract.
const outputSchemaViolation =
  /^MCP error -3260[02]: (Tool .* has an output schema but did not return structured content|Structured content does not match the tool's output schema|Failed to validate structured content)/

const invalidResult = (service: string, tool: string, reason: string): Classified => ({
  error: new ToolProtocolError({
    service,
    tool,
    code: ErrorCode.InternalError,
    detail: `the server's answer is not a valid tool result: ${reason}`
  }),
  broken: false
})

/**
 * Maps what a rejected SDK request threw to the gateway's typed errors.
 *
 * The SDK reports both its own timeout and an aborted signal as
 * `RequestTimeout` (-32001); who aborted tells them apart: our own abort is
 * a cancellation, anything else a timeout. A transport's
 * `ConnectionClosed` (-32000) is trusted only when the connection did close,
 * since servers also use -32000 for their own errors. Anything that is not a
 * JSON-RPC error came from sending: the connection is gone.
 */
export const classify = (error: unknown, call: FailedCall): Classified => {
  const { service, tool } = call
  if (call.aborted) return { error: new ToolCancelled({ service, tool }), broken: false }
  if (error instanceof McpError) {
    if (outputSchemaViolation.test(error.message)) return invalidResult(service, tool, detailOf(error))
    if (error.code === ErrorCode.RequestTimeout) {
      return { error: new ToolTimeout({ service, tool, timeoutMs: call.timeoutMs }), broken: false }
    }
    if (error.code === ErrorCode.ConnectionClosed && call.closed) {
      return { error: new TransportClosed({ service, detail: detailOf(error) }), broken: true }
    }
    return {
      error: new ToolProtocolError({
        service,
        tool,
        code: error.code,
        detail: detailOf(error),
        ...optionalRetryAfter(numberIn(error.data, "retryAfterMs"))
      }),
      broken: false
    }
  }
  // A 404 means the server forgot our session (it restarted): that one is
  // left to reconnect below. Other statuses come from an endpoint that
  // answered, just not with MCP (a proxy's 502, a 429…).
  if (error instanceof StreamableHTTPError && error.code !== 404) {
    return {
      error: new ToolProtocolError({ service, tool, code: error.code ?? -1, detail: redactText(error.message) }),
      broken: false
    }
  }
  if (isSchemaError(error)) return invalidResult(service, tool, (error as Error).message)
  const detail = redactText(error instanceof Error ? `${error.message}${causeOf(error)}` : String(error))
  return { error: new TransportClosed({ service, detail }), broken: true }
}

const causeOf = (error: Error) => {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  return cause === undefined ? "" : ` (${String(cause.code ?? cause.message)})`
}

const isText = (block: unknown): block is { readonly type: "text"; readonly text: string } =>
  typeof block === "object" && block !== null && (block as { type?: unknown }).type === "text"

const textOf = (result: ToolResult) =>
  (Array.isArray(result.content) ? (result.content as ReadonlyArray<unknown>) : [])
    .flatMap((block) => (isText(block) ? [block.text] : []))
    .join("\n")

const retryAfterIn = (result: ToolResult, text: string): number | undefined => {
  const stated = numberIn(result.structuredContent, "retryAfterMs") ?? numberIn(result._meta, "retryAfterMs")
  if (stated !== undefined || !text.startsWith("{")) return stated
  try {
    return numberIn(JSON.parse(text), "retryAfterMs")
  } catch {
    return undefined
  }
}

/** A result with `isError: true`: the tool ran and reported a failure. */
export const resultError = (service: string, tool: string, result: ToolResult): ToolGateway.ToolResultError => {
  const text = textOf(result)
  return new ToolResultError({
    service,
    tool,
    detail: text === "" ? "the tool reported an error without details" : text,
    ...optionalRetryAfter(retryAfterIn(result, text))
  })
}
