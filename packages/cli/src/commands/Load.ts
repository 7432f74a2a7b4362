/**
 * `baton load`: many virtual users, each with its own session, play the
 * app's demo conversation at once (the testkit's `Load.LoadRun`), against
 * the session store of `--store`, with an optional fault profile and
 * service latency; live progress while it runs; then the report — a
 * terminal table, and `--json` / `--html` files — and an exit code that
 * follows the invariants and the SLOs: 0 when no session was lost, every
 * handoff preserved its context and every `--slo` objective held, 1
 * otherwise, 2 on a usage error (a bad number, SLO or fault spec, no app).
 *
 * @since 0.1.0
 */
import { BatonApp, Scenario, type SessionStore } from "@baton/core"
import { type ClusterError, Load } from "@baton/testkit"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { mkdirSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import * as AppCommand from "../AppCommand.js"
import * as CtrlC from "../CtrlC.js"
import { ExitCode, type Io } from "../Io.js"
import * as Gc from "../load/Gc.js"
import * as LoadOptions from "../load/LoadOptions.js"
import * as Progress from "../load/Progress.js"
import * as StoreOptions from "../StoreOptions.js"
import * as Style from "../Style.js"

const Text = Schema.optionalWith(Schema.String, { exact: true })

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  ...AppCommand.AppOptions,
  ...StoreOptions.StoreOptions,
  sessions: Text,
  workers: Text,
  concurrency: Text,
  duration: Text,
  turns: Text,
  activeTurns: Text,
  rampUp: Text,
  serviceLatency: Text,
  faults: Text,
  slo: Text,
  seed: Text,
  json: Text,
  html: Text,
  turnTimeout: Text,
  progressInterval: Text,
  transport: Schema.Literal(...BatonApp.transports),
  color: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

/** A usage error's reason. */
class Usage {
  constructor(readonly message: string) {}
}

const read = <A>(parsed: Either.Either<A, string>): A => {
  if (Either.isLeft(parsed)) throw new Usage(parsed.left)
  return parsed.right
}

const optional = <A>(text: string | undefined, parse: (text: string) => Either.Either<A, string>): A | undefined =>
  text === undefined ? undefined : read(parse(text))

/** The engine's options from the command line's, or the usage error. */
const engineOptions = (
  options: Options
): Either.Either<
  { readonly engine: Load.LoadRun.Options; readonly progressMs: number | undefined; readonly workers: number | undefined },
  string
> => {
  try {
    const workers = optional(options.workers, (t) => LoadOptions.positiveInt("--workers", t))
    const sessions = optional(options.sessions, (t) => LoadOptions.positiveInt("--sessions", t))
    const concurrency = optional(options.concurrency, (t) => LoadOptions.positiveInt("--concurrency", t))
    const durationMs = optional(options.duration, (t) => LoadOptions.duration("--duration", t))
    const turns = optional(options.turns, (t) => LoadOptions.positiveInt("--turns", t))
    const activeTurns = optional(options.activeTurns, (t) => LoadOptions.positiveInt("--active-turns", t))
    const rampUpMs = optional(options.rampUp, (t) => LoadOptions.duration("--ramp-up", t))
    const seed = optional(options.seed, (t) => LoadOptions.integer("--seed", t))
    const turnTimeoutMs = optional(options.turnTimeout, (t) => LoadOptions.duration("--turn-timeout", t))
    const progressMs = optional(options.progressInterval, (t) => LoadOptions.duration("--progress-interval", t))
    const faults = optional(options.faults, (t) => Either.mapLeft(Load.FaultProfile.parseList(t), (e) => e.message))
    const serviceLatency = optional(options.serviceLatency, (t) =>
      Either.mapLeft(Load.FaultProfile.latencySpec(t), (e) => e.message))
    const objectives = optional(options.slo, (t) => Either.mapLeft(Load.Slo.parse(t), (e) => e.message))
    if (durationMs === 0) throw new Usage("--duration must be longer than 0")
    const engine: Load.LoadRun.Options = {
      ...(sessions === undefined ? {} : { sessions }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(turns === undefined ? {} : { turns }),
      ...(activeTurns === undefined ? {} : { activeTurns }),
      ...(rampUpMs === undefined ? {} : { rampUpMs }),
      ...(seed === undefined ? {} : { seed }),
      ...(turnTimeoutMs === undefined ? {} : { turnTimeoutMs }),
      ...(faults === undefined ? {} : { faults }),
      ...(serviceLatency === undefined ? {} : { serviceLatency }),
      ...(objectives === undefined ? {} : { objectives })
    }
    return Either.right({ engine, progressMs, workers })
  } catch (error) {
    if (error instanceof Usage) return Either.left(error.message)
    throw error
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const writeFile = (io: Io, file: string, text: string) =>
  Effect.try({
    try: () => {
      const path = Path.resolve(io.cwd, file)
      mkdirSync(Path.dirname(path), { recursive: true })
      writeFileSync(path, text)
      return path
    },
    catch: (cause) => new Error(`cannot write ${file}: ${describe(cause)}`)
  })

/** @since 0.1.0 @category commands */
export const run = (options: Options, io: Io): Effect.Effect<number> => {
  const usage = AppCommand.usage(io)
  const style = Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color })
  return Effect.gen(function*() {
    const parsed = engineOptions(options)
    if (Either.isLeft(parsed)) return yield* usage({ message: parsed.left })
    const storeProblem = StoreOptions.problem(io, options)
    if (storeProblem !== undefined) return yield* usage({ message: storeProblem })
    const { engine, progressMs, workers } = parsed.right
    if (workers !== undefined && options.store !== "redis") {
      return yield* usage({ message: "--workers needs --store redis: the worker processes share its sessions" })
    }
    if (workers !== undefined && (engine.faults !== undefined || engine.durationMs !== undefined)) {
      return yield* usage({ message: "--workers plays whole sessions without faults: drop --faults and --duration" })
    }
    const { app, module } = yield* AppCommand.load(io, options)

    const live = io.isTTY
    const gc = Gc.make()
    let drawn = false
    const onProgress = (progress: Load.LoadRun.Progress) =>
      Effect.sync(() => {
        if (live) {
          io.writeError(`\r${Progress.bar(progress)}\u001b[K`)
          drawn = true
        } else {
          io.writeError(`${Progress.line(progress)}\n`)
        }
      })

    const progressIntervalMs = progressMs ?? (live ? 250 : 5000)
    // Ctrl-C stops the run and the partial report is shown and written: in
    // process, no new sessions or turns and the turns in flight finish; on
    // workers, the workers stop at once, their turns in flight uncommitted.
    const stop = yield* CtrlC.stopSignal(io, () => {
      const what = workers === undefined
        ? "no new sessions or turns; the turns in flight finish"
        : "the workers stop now; their turns in flight are not committed"
      return `${drawn ? "\n" : ""}stopping: ${what}`
    })
    const inProcess = Load.LoadRun.run(app, {
      stop,
      ...engine,
      transport: options.transport,
      store: StoreOptions.describe(io, options),
      onProgress,
      progressIntervalMs,
      ...(gc === undefined ? {} : { gc })
    })
    const sessions = engine.sessions ?? 100
    const played: Effect.Effect<
      Load.Report.Report,
      Load.LoadRun.InvalidLoadSetup | Load.LoadRun.AppStartFailed | ClusterError.ClusterError,
      SessionStore.SessionStore
    > = workers === undefined ? inProcess : Load.ClusterRun.run({
      app: module,
      // Workers get the URL, password included, on their stdin; the report names the store without it.
      store: { url: Redacted.value(StoreOptions.redisUrl(io, options)), module: import.meta.resolve("@baton/session") },
      sessions,
      workers,
      ...(engine.concurrency === undefined ? {} : { concurrency: engine.concurrency }),
      ...(engine.objectives === undefined ? {} : { objectives: engine.objectives }),
      onProgress,
      progressIntervalMs,
      stop,
      settings: {
        app: app.name,
        scenario: app.demo?.name ?? "",
        sessions,
        concurrency: engine.concurrency ?? sessions,
        activeTurns: null,
        turnsPerSession: app.demo === undefined ? 0 : Scenario.turnsIn(app.demo).length,
        durationMs: null,
        rampUpMs: 0,
        seed: engine.seed ?? 1,
        store: `${StoreOptions.describe(io, options)} shared by ${workers} worker processes`,
        transport: "in-process",
        faults: {},
        turnTimeoutMs: 60_000
      }
    })
    const outcome = yield* played.pipe(
      Effect.provide(StoreOptions.layer(io, options)),
      Effect.either
    )
    if (drawn) io.writeError("\n")
    if (Either.isLeft(outcome)) {
      const error = outcome.left
      if (error._tag === "InvalidLoadSetup") return yield* usage(error)
      io.writeError(`error: ${error.message}\n`)
      return ExitCode.failed
    }
    const report = outcome.right
    const mark = (text: string, good: boolean) => (good ? style.green(text) : style.red(text))
    io.write(`${Load.ReportText.render(report, { mark }).join("\n")}\n`)
    const files: Array<readonly [string | undefined, () => string]> = [
      [options.json, () => Load.Report.toJson(report)],
      [options.html, () => Load.ReportHtml.render(report)]
    ]
    for (const [file, text] of files) {
      if (file === undefined) continue
      const written = yield* Effect.either(writeFile(io, file, text()))
      if (Either.isLeft(written)) {
        io.writeError(`error: ${written.left.message}\n`)
        return ExitCode.failed
      }
      const relative = Path.relative(io.cwd, written.right)
      io.write(`report written to ${relative.startsWith("..") || relative === "" ? written.right : relative}\n`)
    }
    return report.interrupted ? ExitCode.interrupted : report.passed ? ExitCode.ok : ExitCode.failed
  }).pipe(Effect.scoped, AppCommand.exitCode(io, "the load run"))
}

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the command on commander's parsed options (`program/Load` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (options: unknown, io: Io): Promise<number> => Effect.runPromise(run(decodeOptions(options), io))
