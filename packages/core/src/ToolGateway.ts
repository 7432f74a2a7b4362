/**
 * The port through which agents call tools on named services. `@baton/mcp`
 * implements it over MCP; tests and examples may provide their own.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const where = (service: string, tool: string) => `${service}.${tool}`

/** @since 0.1.0 @category errors */
export class UnknownService extends Schema.TaggedError<UnknownService>("@baton/core/UnknownService")(
  "UnknownService",
  { service: Schema.String, known: Schema.Array(Schema.String) }
) {
  override get message() {
    return `Unknown service "${this.service}". Configured services: ${this.known.join(", ") || "(none)"}.`
  }
}

/** @since 0.1.0 @category errors */
export class UnknownTool extends Schema.TaggedError<UnknownTool>("@baton/core/UnknownTool")("UnknownTool", {
  service: Schema.String,
  tool: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Service "${this.service}" has no tool "${this.tool}". Its tools: ${this.known.join(", ") || "(none)"}.`
  }
}

/** @since 0.1.0 @category errors */
export class InvalidToolArguments extends Schema.TaggedError<InvalidToolArguments>(
  "@baton/core/InvalidToolArguments"
)("InvalidToolArguments", {
  service: Schema.String,
  tool: Schema.String,
  issues: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Invalid arguments for ${where(this.service, this.tool)}: ${this.issues.join("; ")}`
  }
}

/** @since 0.1.0 @category errors */
export class ToolTimeout extends Schema.TaggedError<ToolTimeout>("@baton/core/ToolTimeout")("ToolTimeout", {
  service: Schema.String,
  tool: Schema.String,
  timeoutMs: Schema.Number
}) {
  override get message() {
    return `${where(this.service, this.tool)} did not answer within ${this.timeoutMs} ms`
  }
}

/** @since 0.1.0 @category errors */
export class ToolCancelled extends Schema.TaggedError<ToolCancelled>("@baton/core/ToolCancelled")("ToolCancelled", {
  service: Schema.String,
  tool: Schema.String
}) {
  override get message() {
    return `${where(this.service, this.tool)} was cancelled`
  }
}

/**
 * The tool ran and reported a failure (`isError` in MCP).
 *
 * @since 0.1.0 @category errors
 */
export class ToolResultError extends Schema.TaggedError<ToolResultError>("@baton/core/ToolResultError")(
  "ToolResultError",
  {
    service: Schema.String,
    tool: Schema.String,
    detail: Schema.String,
    retryAfterMs: Schema.optional(Schema.Number)
  }
) {
  override get message() {
    return `${where(this.service, this.tool)} reported an error: ${this.detail}`
  }
}

/** @since 0.1.0 @category errors */
export class ToolProtocolError extends Schema.TaggedError<ToolProtocolError>("@baton/core/ToolProtocolError")(
  "ToolProtocolError",
  {
    service: Schema.String,
    tool: Schema.String,
    code: Schema.Number,
    detail: Schema.String,
    retryAfterMs: Schema.optional(Schema.Number)
  }
) {
  override get message() {
    return `${where(this.service, this.tool)} failed with protocol error ${this.code}: ${this.detail}`
  }
}

/**
 * The connection went away while the call was in flight. Retryable: a later
 * call uses a new connection.
 *
 * @since 0.1.0 @category errors
 */
export class TransportClosed extends Schema.TaggedError<TransportClosed>("@baton/core/TransportClosed")(
  "TransportClosed",
  { service: Schema.String, detail: Schema.String }
) {
  override get message() {
    return `Connection to service "${this.service}" closed: ${this.detail}`
  }
}

/** @since 0.1.0 @category errors */
export type ToolError =
  | UnknownService
  | UnknownTool
  | InvalidToolArguments
  | ToolTimeout
  | ToolCancelled
  | ToolResultError
  | ToolProtocolError
  | TransportClosed

/** @since 0.1.0 @category models */
export interface ToolCall {
  readonly service: string
  readonly tool: string
  readonly args: Readonly<Record<string, unknown>>
  /** Reaches side-effecting tools so that a repeated call is not repeated work. */
  readonly idempotencyKey?: string
}

/** @since 0.1.0 @category tags */
export class ToolGateway extends Context.Tag("@baton/core/ToolGateway")<
  ToolGateway,
  {
    readonly invoke: (call: ToolCall) => Effect.Effect<unknown, ToolError>
  }
>() {}
