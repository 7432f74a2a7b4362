/**
 * `baton mock-server <service> (--stdio | --http PORT) [--faults SPEC] [--seed N]`:
 * serves one of the testkit's mock MCP services as a process, so any MCP
 * client — `baton mcp`, an `mcpServers` config, another tool — can use it.
 * With `--stdio` nothing but JSON-RPC is written to standard output.
 *
 * @since 0.1.0
 */
import { MockServerCommand } from "@baton/testkit"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ExitCode, type Io } from "../Io.js"

/** @since 0.1.0 @category commands */
export const run = (argv: ReadonlyArray<string>, io: Io): Effect.Effect<number> => {
  const options = MockServerCommand.parseArgs(argv)
  if (Either.isLeft(options)) {
    return Effect.sync(() => {
      io.writeError(`error: ${options.left.reason}\n`)
      return ExitCode.usage
    })
  }
  return MockServerCommand.runMockServer({ ...options.right, announce: (line) => io.write(`${line}\n`) }).pipe(
    Effect.as(ExitCode.ok),
    Effect.catchAll((error) =>
      Effect.sync(() => {
        io.writeError(`error: ${error.message}\n`)
        return ExitCode.failed
      })
    )
  )
}

/**
 * Serves `service` with commander's parsed options (`program/MockServer`
 * declares them), handed to the testkit as the arguments it parses, and
 * gives the exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (
  service: string,
  options: { readonly stdio?: true; readonly http?: string; readonly faults?: string; readonly seed?: string },
  io: Io
): Promise<number> => {
  const argv = [
    service,
    ...(options.stdio ? ["--stdio"] : []),
    ...(options.http === undefined ? [] : ["--http", options.http]),
    ...(options.faults === undefined ? [] : ["--faults", options.faults]),
    ...(options.seed === undefined ? [] : ["--seed", options.seed])
  ]
  return Effect.runPromise(run(argv, io))
}
