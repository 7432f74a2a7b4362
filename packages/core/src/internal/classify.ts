/**
 * How the policies read failures they did not define: which are worth
 * retrying, which say something about the service's health, and the
 * retry-after hint an error may carry.
 */
import * as Cause from "effect/Cause"

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/** The `retryAfterMs` an error carries (`ToolResultError`, `ToolProtocolError`, `RateLimited`…). */
export const retryAfterOf = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null || !("retryAfterMs" in error)) return undefined
  const ms = error.retryAfterMs
  return typeof ms === "number" && Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

/**
 * Protocol error codes that describe a passing condition: HTTP-like request
 * timeout, too early, rate limited and 5xx; MCP's connection closed (-32000)
 * and request timeout (-32001); JSON-RPC internal error (-32603).
 */
const transientCodes = new Set([408, 425, 429, 500, 502, 503, 504, -32000, -32001, -32603])

/** JSON-RPC codes that say the request itself was wrong. */
const callerCodes = new Set([-32700, -32600, -32601, -32602])

const transientTags = new Set(["PolicyTimeout", "ToolTimeout", "TransportClosed"])

/** Errors the caller caused, or that a policy raised before the service saw the call. */
const notServiceTags = new Set([
  "UnknownService",
  "UnknownTool",
  "InvalidToolArguments",
  "ToolCancelled",
  "BreakerOpen",
  "BulkheadRejected",
  "RateLimited",
  "RetryBudgetExhausted"
])

/**
 * The default retry predicate: timeouts, closed transports, rate-limit and
 * 5xx-like protocol errors, and any other core error that carries a
 * retry-after hint. Never the caller's mistakes (`InvalidToolArguments`,
 * `UnknownTool`…), a tool's own error without a hint, or a policy's refusal.
 */
export const isRetryable = (error: unknown): boolean => {
  const tag = tagOf(error)
  if (tag === undefined || notServiceTags.has(tag)) return false
  if (transientTags.has(tag)) return true
  if (tag === "ToolProtocolError" && transientCodes.has((error as { readonly code: number }).code)) return true
  return retryAfterOf(error) !== undefined
}

/**
 * The default "this failure counts against the service" predicate, for the
 * circuit breaker and health scores: every failure except the caller's
 * mistakes, a tool's own error without a retry hint (the service answered),
 * and policy refusals (the service never saw the call).
 */
export const isServiceFault = (error: unknown): boolean => {
  const tag = tagOf(error)
  if (tag === undefined) return true
  if (notServiceTags.has(tag)) return false
  if (tag === "ToolResultError") return retryAfterOf(error) !== undefined
  if (tag === "ToolProtocolError") return !callerCodes.has((error as { readonly code: number }).code)
  return true
}

/** A call that failed in a way that counts against the service. */
export const FAULT = 1
/** Interrupted, or failed with an error that says nothing about the service. */
export const IGNORED = 2

/** How a failed call counts: `FAULT` or `IGNORED`. */
export const outcomeOfCause = (
  cause: Cause.Cause<unknown>,
  isFault: (error: unknown) => boolean
): typeof FAULT | typeof IGNORED => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return isFault(failure.value) ? FAULT : IGNORED
  return Cause.isInterruptedOnly(cause) ? IGNORED : FAULT
}
