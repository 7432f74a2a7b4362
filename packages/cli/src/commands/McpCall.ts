/**
 * `baton mcp call <server> <tool> ['<json>'] [--config F]`: starts only the
 * named server from the config file, calls the tool with the JSON object as
 * its arguments (checked against the tool's input schema first), prints the
 * result as JSON — the tool's structured content, or its content blocks
 * when it has none — and stops the server. A failure is one line on
 * standard error: exit 2 for what the command or config gets wrong (bad
 * JSON, unknown server or tool, arguments that do not fit), 1 for what goes
 * wrong on the way (a server down, a tool that reports an error, a timeout).
 *
 * @since 0.1.0
 */
import { JsonInput, ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ExitCode, type Io } from "../Io.js"
import * as McpServers from "../McpServers.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly server: string
  readonly tool: string
  /** The tool's arguments as a JSON object. */
  readonly args: string
  readonly config?: string | undefined
  readonly timeout: number
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The tool's arguments, which must be a JSON object, nested no deeper than
 * core's `JsonInput` allows.
 *
 * @since 0.1.0 @category parsing
 */
export const parseArguments = (text: string): Either.Either<Record<string, unknown>, McpServers.UsageError> => {
  const fail = (why: string) =>
    Either.left(new McpServers.UsageError({ reason: `the tool's arguments must be a JSON object, like '{"city":"Lisbon"}': ${why}` }))
  return Either.match(JsonInput.parse(text), {
    onLeft: fail,
    onRight: (parsed) =>
      isRecord(parsed) ? Either.right(parsed) : fail(`got ${Array.isArray(parsed) ? "an array" : JSON.stringify(parsed)}`)
  })
}

const reasonOf = (instances: ReadonlyArray<{ readonly id: string; readonly lastError?: string | undefined }>) =>
  instances.map((instance) => `${instance.id}: ${instance.lastError ?? "not connected"}`).join("; ")

/** @since 0.1.0 @category commands */
export const run = (options: Options, io: Io): Effect.Effect<number> =>
  Effect.scoped(Effect.gen(function*() {
    const args = yield* parseArguments(options.args)
    const { config } = yield* McpServers.load(io, options.config)
    const server = config.mcpServers[options.server]
    if (server === undefined) {
      return yield* new ToolGateway.UnknownService({ service: options.server, known: Object.keys(config.mcpServers) })
    }
    // Only the server called is started: the others may be slow, or down.
    const gateway = yield* McpServers.start({ mcpServers: { [options.server]: server } }, options.timeout)
    const [status] = yield* gateway.services.status
    if (status !== undefined && !status.instances.some((instance) => instance.connected)) {
      return yield* new McpServers.ServerUnreachable({ server: options.server, reason: reasonOf(status.instances) })
    }
    const result = yield* gateway.gateway.invoke({ service: options.server, tool: options.tool, args }).pipe(
      Effect.mapError(McpServers.withoutHiddenTools)
    )
    io.write(`${JSON.stringify(result, null, 2)}\n`)
    return ExitCode.ok
  })).pipe(
    Effect.catchAll(McpServers.report(io)),
    Effect.provide(McpServers.logs(io))
  )

/**
 * Runs the command on commander's parsed arguments and options
 * (`program/Mcp` declares them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (options: Options, io: Io): Promise<number> => Effect.runPromise(run(options, io))
