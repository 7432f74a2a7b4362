/**
 * The errors of `@baton/mcp` besides the tool errors of core's
 * `ToolGateway`, which the gateway reports as they are.
 *
 * @example
 * ```ts
 * import { McpConfig } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const config = McpConfig.load("baton.config.json").pipe(
 *   Effect.catchTag("McpConfigError", (error) =>
 *     Effect.zipRight(Effect.logError(error.message), Effect.succeed({ mcpServers: {} })))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A configuration could not be read or did not describe valid servers.
 * `reason` says what to fix, naming the field.
 *
 * @since 0.1.0 @category errors
 */
export class McpConfigError extends Schema.TaggedError<McpConfigError>("@baton/mcp/McpConfigError")(
  "McpConfigError",
  { path: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `Invalid MCP configuration (${this.path}): ${this.reason}`
  }
}

/**
 * One attempt to connect to an instance failed: the process did not start,
 * the URL did not answer, or the MCP handshake failed. The pool retries with
 * backoff; the error reaches callers only through logs and status.
 *
 * @since 0.1.0 @category errors
 */
export class McpConnectError extends Schema.TaggedError<McpConnectError>("@baton/mcp/McpConnectError")(
  "McpConnectError",
  { service: Schema.String, instance: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `Cannot connect to ${this.instance} of service "${this.service}": ${this.reason}`
  }
}

/**
 * Every error this package defines.
 *
 * @since 0.1.0 @category errors
 */
export type McpPackageError = McpConfigError | McpConnectError
