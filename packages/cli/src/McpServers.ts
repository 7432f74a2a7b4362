/**
 * What the `baton mcp` commands share: the `mcpServers` of a config file,
 * the MCP gateway over them for the life of a command, and how their
 * failures read and exit. Any server in the ecosystem's `mcpServers` shape
 * works — a command Baton spawns (`npx …`, `node …`) or a Streamable HTTP URL.
 *
 * @since 0.1.0
 */
import { ToolGateway } from "@baton/core"
import { type Errors, McpConfig, McpGateway } from "@baton/mcp"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as BatonConfig from "./BatonConfig.js"
import { ExitCode, type Io } from "./Io.js"
import * as TerminalText from "./TerminalText.js"

/** @since 0.1.0 @category models */
export interface Loaded {
  /** The config file, absolute. */
  readonly path: string
  readonly config: McpConfig.McpConfig
}

/**
 * The `mcpServers` of the config file: the given path, or `baton.config.json`
 * in the working directory.
 *
 * @since 0.1.0 @category constructors
 */
export const load = (io: Io, given: string | undefined): Effect.Effect<Loaded, Errors.McpConfigError> => {
  const path = BatonConfig.pathFor(io.cwd, given)
  return Effect.map(McpConfig.load(path), (config) => ({ path, config }))
}

/**
 * The gateway over `config`'s servers, started in the scope: closing it
 * closes every connection and stops every process it spawned. `timeoutMs`
 * bounds each connection's handshake and each call of a server whose
 * policy sets no timeout.
 *
 * @since 0.1.0 @category constructors
 */
export const start = (config: McpConfig.McpConfig, timeoutMs: number): Effect.Effect<McpGateway.McpGateway, never, Scope.Scope> =>
  McpGateway.make(config, { connectTimeoutMs: timeoutMs, defaultTimeoutMs: timeoutMs })

/**
 * Tools whose name starts with `_` (the mocks' `_control`) are for
 * operators, not agents: listings leave them out. They can still be called.
 *
 * @since 0.1.0 @category filters
 */
export const isHidden = (tool: string): boolean => tool.startsWith("_")

/**
 * The gateway's own logs (a failed connection attempt, a reconnection)
 * repeat what the commands report in their output, so only errors are kept,
 * and they go to standard error, never into output that may be JSON. They
 * may quote a server, so control characters are escaped
 * (`TerminalText.safe`): logfmt leaves a value without spaces unquoted.
 *
 * @since 0.1.0 @category layers
 */
export const logs = (io: Io): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.make((options) => io.writeError(`${TerminalText.safe(Logger.logfmtLogger.log(options))}\n`))
    ),
    Logger.minimumLogLevel(LogLevel.Error)
  )

/**
 * No instance of a server could be reached: its process did not start or
 * speak MCP, or its URL did not answer.
 *
 * @since 0.1.0 @category errors
 */
export class ServerUnreachable extends Schema.TaggedError<ServerUnreachable>("@baton/cli/ServerUnreachable")(
  "ServerUnreachable",
  { server: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `cannot reach the MCP server "${this.server}": ${this.reason}`
  }
}

/**
 * The command line was understood, but what it says cannot be used (the
 * tool's arguments are not a JSON object, say).
 *
 * @since 0.1.0 @category errors
 */
export class UsageError extends Schema.TaggedError<UsageError>("@baton/cli/UsageError")("UsageError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** @since 0.1.0 @category errors */
export type McpCommandError = Errors.McpConfigError | ToolGateway.ToolError | ServerUnreachable | UsageError

const usageTags: ReadonlySet<McpCommandError["_tag"]> = new Set([
  "McpConfigError",
  "UsageError",
  "UnknownService",
  "UnknownTool",
  "InvalidToolArguments"
])

/**
 * 2 for what the user can fix in the command or the config file (a bad
 * file, an unknown server or tool, arguments that do not fit the tool), 1
 * for what went wrong on the way (a server down, a tool that reported an
 * error, a timeout).
 *
 * @since 0.1.0 @category errors
 */
export const exitCodeOf = (error: McpCommandError): number => usageTags.has(error._tag) ? ExitCode.usage : ExitCode.failed

/**
 * Prints the failure as one line on standard error and returns its exit code.
 * A failure may quote a server (a tool's error, why it closed), so its
 * control characters are escaped (`TerminalText.inline`).
 *
 * @since 0.1.0 @category errors
 */
export const report = (io: Io) => (error: McpCommandError): Effect.Effect<number> =>
  Effect.sync(() => {
    io.writeError(`error: ${TerminalText.inline(error.message.replace(/\s*\n\s*/g, " "))}\n`)
    return exitCodeOf(error)
  })

/**
 * `UnknownTool` without the hidden tools among the ones it suggests.
 *
 * @since 0.1.0 @category errors
 */
export const withoutHiddenTools = <E>(error: E): E =>
  error instanceof ToolGateway.UnknownTool
    ? new ToolGateway.UnknownTool({ ...error, known: error.known.filter((tool) => !isHidden(tool)) }) as E
    : error
