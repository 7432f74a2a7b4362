/**
 * The mock server as a program: `mock-server <service> (--stdio | --http PORT)
 * [--faults SPEC] [--seed N]`. `bin/mock-server.ts` runs it, and the CLI's
 * `baton mock-server` wraps `runMockServer`. Out of process a crash fault
 * exits with `FaultSpec.crashExitCode`, and time is real.
 *
 * @since 0.1.0
 */
import { parseArgs as parseNodeArgs } from "node:util"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { InvalidMockServerArguments, type TestkitError } from "./Errors.js"
import * as FaultSpec from "./FaultSpec.js"
import * as Programs from "./internal/programs.js"
import * as MockServer from "./MockServer.js"
import * as MockServices from "./MockServices.js"

/** @since 0.1.0 @category models */
export interface MockServerOptions {
  readonly service: string
  readonly transport: { readonly _tag: "Stdio" } | { readonly _tag: "Http"; readonly port: number }
  /** A fault spec in the compact syntax. */
  readonly faults?: string
  readonly seed?: number
  /** Receives the `listening on http://127.0.0.1:PORT/mcp` line; stdout when absent. */
  readonly announce?: (line: string) => void
}

/** @since 0.1.0 @category constants */
export const usage = "Usage: mock-server <service> (--stdio | --http PORT) [--faults SPEC] [--seed N]\n" +
  `Services: ${MockServices.all.map((s) => s.name).join(", ")}. PORT 0 picks a free port.`

/**
 * The `node` arguments that run `mock-server <argv…>` in a child process, as
 * compiled JavaScript even when the testkit runs from its sources.
 *
 * @since 0.1.0 @category processes
 */
export const nodeArgs = (argv: ReadonlyArray<string>): Array<string> => [Programs.path("bin/mock-server"), ...argv]

const invalid = (reason: string) => Either.left(new InvalidMockServerArguments({ reason, usage }))

const integer = (text: string, what: string, min: number) =>
  /^-?\d+$/.test(text) && Number(text) >= min
    ? Either.right(Number(text))
    : invalid(`${what} must be an integer >= ${min}, got "${text}"`)

/**
 * Reads the command line (without the `node` and script arguments).
 *
 * @since 0.1.0 @category parsing
 */
export const parseArgs = (argv: ReadonlyArray<string>): Either.Either<MockServerOptions, InvalidMockServerArguments> =>
  Either.gen(function*() {
    const { positionals, values } = yield* Either.try({
      try: () =>
        parseNodeArgs({
          args: [...argv],
          allowPositionals: true,
          options: { stdio: { type: "boolean" }, http: { type: "string" }, faults: { type: "string" }, seed: { type: "string" } }
        }),
      catch: (error) => new InvalidMockServerArguments({ reason: error instanceof Error ? error.message : String(error), usage })
    })
    if (positionals.length !== 1) return yield* invalid(`expected one service name, got ${positionals.length}`)
    const service = positionals[0]!
    yield* Either.mapLeft(MockServices.lookup(service), (error) => new InvalidMockServerArguments({ reason: error.message, usage }))
    if ((values.stdio === true) === (values.http !== undefined)) return yield* invalid("give exactly one of --stdio and --http PORT")
    if (values.faults !== undefined) {
      yield* Either.mapLeft(FaultSpec.parse(values.faults), (error) => new InvalidMockServerArguments({ reason: error.message, usage }))
    }
    const transport = values.http === undefined
      ? { _tag: "Stdio" as const }
      : { _tag: "Http" as const, port: yield* integer(values.http, "PORT", 0) }
    const seed = values.seed === undefined ? undefined : yield* integer(values.seed, "--seed", 0)
    return {
      service,
      transport,
      ...(values.faults !== undefined && { faults: values.faults }),
      ...(seed !== undefined && { seed })
    }
  })

// A server started with an IPC channel stops when its parent goes, so a killed test run leaves no orphan.
const parentGone = Effect.async<void>((resume) => {
  if (!process.connected) return
  const onDisconnect = () => resume(Effect.void)
  process.once("disconnect", onDisconnect)
  return Effect.sync(() => process.off("disconnect", onDisconnect))
})

/**
 * Serves a mock until the client closes stdin (stdio), the effect is
 * interrupted (HTTP), or the parent process disconnects.
 *
 * @since 0.1.0 @category running
 */
export const runMockServer = (options: MockServerOptions): Effect.Effect<void, TestkitError> =>
  Effect.gen(function*() {
    const service = yield* MockServices.lookup(options.service)
    const common = {
      crash: "exit" as const,
      ...(options.faults !== undefined && { faults: options.faults }),
      ...(options.seed !== undefined && { seed: options.seed })
    }
    const serve = options.transport._tag === "Stdio"
      ? Effect.flatMap(MockServer.serveStdio(service, common), (server) => server.closed)
      : Effect.flatMap(MockServer.serveHttp(service, { ...common, port: options.transport.port }), (server) => {
        const announce = options.announce ?? ((line: string) => void process.stdout.write(`${line}\n`))
        announce(`listening on ${server.url}`)
        return Effect.never
      })
    yield* Effect.scoped(Effect.raceFirst(serve, parentGone))
  })
