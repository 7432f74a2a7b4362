/**
 * `baton chaos <profile>`: a cluster run of the app's demo conversation —
 * `--sessions` sessions over `--workers` worker processes sharing a Redis
 * store on a redis-server this command starts on a free port, or, for the
 * `cluster-*` profiles, on a Redis Cluster of three masters with a replica
 * each that it starts on free loopback ports — with the profile's fault
 * timeline played mid-run (kill a worker, restart Redis, crash, flap or
 * slow a service, fail a cluster master over by hand or by SIGKILL). It
 * prints the timeline as it happens, then checks the invariants — no
 * session lost, no acknowledged turn lost, every turn played once, every
 * context preserved, every transient fault recovered without a person —
 * and prints each with its evidence, then which layer carried the turns
 * through each fault (Baton's retry policy, a fallback, a degraded answer,
 * a worker takeover; with `--replay`, the workers playing failed turns
 * again; the harness's replay is off by default), each cluster failover's figures
 * (which master, when, how long its slots refused writes, the attempts
 * retried meanwhile) and the run's (turns acknowledged, lost, duplicated,
 * sessions lost and given up, retries). Exit 0 when all hold, 1 otherwise,
 * 2 on a usage error (an unknown profile lists the known ones), 130 when
 * Ctrl-C stopped it (the partial report is shown and written first).
 *
 * @since 0.1.0
 */
import { Chaos, ChaosProfile, ChaosRecovery, Cluster } from "@baton/testkit"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { mkdirSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import * as AppCommand from "../AppCommand.js"
import * as AppLoader from "../AppLoader.js"
import * as CtrlC from "../CtrlC.js"
import { ExitCode, type Io } from "../Io.js"
import * as Style from "../Style.js"
import * as TerminalText from "../TerminalText.js"

const Text = Schema.optionalWith(Schema.String, { exact: true })

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  ...AppCommand.AppOptions,
  sessions: Schema.String,
  workers: Schema.String,
  seed: Schema.String,
  concurrency: Text,
  json: Text,
  replay: Schema.Boolean,
  color: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

const integer = (flag: string, text: string, min: number): number | string => {
  const value = Number(text)
  return /^\s*-?\d+\s*$/.test(text) && Number.isSafeInteger(value) && value >= min
    ? value
    : `${flag} must be an integer of at least ${min}, got "${text}"`
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`
const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`

const timelineLine = (entry: Chaos.TimelineEntry, style: Style.Style) => {
  const kind = entry.kind === "fault"
    ? style.red("fault   ")
    : entry.kind === "recovery"
    ? style.green("recovery")
    : style.dim("cluster ")
  // What a worker said is remote text.
  const detail = entry.detail === undefined ? "" : `: ${TerminalText.inline(entry.detail)}`
  return `  ${seconds(entry.atMs).padStart(7)}  ${kind}  ${entry.text}${detail}`
}

const failoverLines = (fault: Chaos.ClusterFault, style: Style.Style): Array<string> => [
  `  ${style.red(fault.fault === "failover" ? "CLUSTER FAILOVER" : "SIGKILL")} of the master on port ${fault.master} ` +
  `(serving ${fault.sessionsOnMaster} sessions) at ${seconds(fault.atMs)}, ${Math.round(fault.atShare * 100)}% of turns; ` +
  `the replica on port ${fault.replica} took over`,
  `      its slots refused writes for ${fault.writableAfterMs} ms; every node said cluster_state:ok after ${fault.failoverMs} ms`,
  `      ${fault.retriesDuring} failed attempts retried meanwhile, on ${fault.turnsRetriedDuring} turns` +
  (fault.errorsDuring.length === 0 ? "" : `: ${fault.errorsDuring.map(TerminalText.inline).join("; ")}`)
]

/**
 * The invariants and the run's figures, as printed after the timeline.
 *
 * @since 0.1.0 @category printing
 */
export const renderReport = (report: Chaos.Report, style: Style.Style): Array<string> => {
  const width = Math.max(...report.invariants.map((invariant) => invariant.name.length))
  const lines = ["", style.bold("Invariants")]
  for (const invariant of report.invariants) {
    const mark = invariant.holds ? style.green("✓ holds ") : style.red("✗ BROKEN")
    lines.push(`  ${mark}  ${invariant.name.padEnd(width)}  ${invariant.evidence}`)
    for (const violation of invariant.violations) lines.push(`      ${style.red("-")} ${TerminalText.inline(violation)}`)
    if (invariant.count > invariant.violations.length) lines.push(`      … and ${invariant.count - invariant.violations.length} more`)
  }
  lines.push(
    "",
    style.bold("Recovery") + (report.replay ? " (the workers played failed turns again)" : " (the harness's replay off)"),
    `  ${"the whole run".padEnd(36)}  ${ChaosRecovery.describe(report.recovery.run)}`,
    ...report.recovery.faults.map((fault) =>
      `  ${`${seconds(fault.fromMs)} ${fault.fault}`.padEnd(36)}  ${ChaosRecovery.describe(fault)}`
    )
  )
  if (report.clusterFaults.length > 0) {
    lines.push("", style.bold("Failovers"), ...report.clusterFaults.flatMap((fault) => failoverLines(fault, style)))
  }
  const run = report.run
  const count = (n: number, text: string) => (n === 0 ? `${n} ${text}` : style.red(`${n} ${text}`))
  lines.push(
    "",
    `${style.bold("Run")}: ${report.sessions} sessions on ${report.store}; ` +
      `${run.acknowledged} turns acknowledged (${run.recovered} recovered from the store), ` +
      `${count(run.lostTurns, "lost")}, ${count(run.duplicateTurns, "acknowledged twice")}; ` +
      `${count(run.lostSessions, "sessions lost")}, ${count(run.sessionsGivenUp, "given up")}; ` +
      `${run.retries} failed attempts retried, ${run.workerRestarts} worker replacement(s); ` +
      `turn p50 ${run.turnP50Ms.toFixed(0)} ms, p99 ${run.turnP99Ms.toFixed(0)} ms; wall ${seconds(run.wallMs)}; ` +
      `peak RSS per worker ${run.peakRssBytesPerWorker.map(megabytes).join(", ")}`,
    report.interrupted
      ? style.red("INTERRUPTED: the run was stopped before its end; the invariants above cover what was acknowledged")
      : report.passed
      ? style.green("PASS: every invariant held")
      : style.red("FAIL: an invariant broke")
  )
  return lines
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** @since 0.1.0 @category commands */
export const run = (name: string, options: Options, io: Io): Effect.Effect<number> => {
  const usage = AppCommand.usage(io)
  const style = Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color })
  const print = (lines: ReadonlyArray<string>) => Effect.sync(() => io.write(`${lines.join("\n")}\n`))
  return Effect.gen(function*() {
    const profile = ChaosProfile.find(name)
    if (profile === undefined) {
      return yield* usage({ message: `unknown profile "${name}"; the profiles are: ${ChaosProfile.names.join(", ")}` })
    }
    const sessions = integer("--sessions", options.sessions, 1)
    const workers = integer("--workers", options.workers, 1)
    const seed = integer("--seed", options.seed, 0)
    const concurrency = options.concurrency === undefined ? 16 : integer("--concurrency", options.concurrency, 1)
    for (const value of [sessions, workers, seed, concurrency]) {
      if (typeof value === "string") return yield* usage({ message: value })
    }
    const { app, module } = yield* AppCommand.load(io, options)
    // Each session plays the app's scenario for its user; the first stands for all in the heading.
    const turns = Cluster.sessionTurns(app, 0)
    if (turns.length === 0) return yield* new AppLoader.AppLoadError({ module, reason: "the app has no demo scenario to play" })
    yield* print([
      style.bold(`Chaos: ${profile.name}`) + ` — ${profile.description}`,
      `${sessions} sessions × ${turns.length} turns of "${app.name}" on ${workers} worker processes sharing ` +
      `${profile.store === "redis-cluster" ? "a Redis Cluster (3 masters, 3 replicas)" : "Redis"}; seed ${seed}`,
      "",
      style.bold("Timeline")
    ])
    // Ctrl-C stops the run: the timeline stops, the workers stop at once,
    // and the partial report is shown and written.
    const stop = yield* CtrlC.stopSignal(
      io,
      () => "stopping: the timeline stops and the workers stop now; the partial report follows"
    )
    const outcome = yield* Effect.either(Chaos.run(profile, {
      stop,
      app: module,
      sessions: sessions as number,
      workers: workers as number,
      seed: seed as number,
      concurrency: concurrency as number,
      replay: options.replay,
      // The testkit does not depend on the session package: the workers load the one the CLI has.
      storeModule: import.meta.resolve("@baton/session"),
      onTimeline: (entry) => io.write(`${timelineLine(entry, style)}\n`)
    }))
    if (outcome._tag === "Left") {
      io.writeError(`error: ${outcome.left.message}\n`)
      return ExitCode.failed
    }
    const report = outcome.right
    yield* print(renderReport(report, style))
    if (options.json !== undefined) {
      const file = Path.resolve(io.cwd, options.json)
      const written = yield* Effect.either(Effect.try(() => {
        mkdirSync(Path.dirname(file), { recursive: true })
        writeFileSync(file, `${JSON.stringify({ format: "baton.chaos-report", version: 1, ...report }, null, 2)}\n`)
      }))
      if (written._tag === "Left") {
        io.writeError(`error: cannot write ${options.json}: ${describe(written.left.error)}\n`)
        return ExitCode.failed
      }
    }
    return report.interrupted ? ExitCode.interrupted : report.passed ? ExitCode.ok : ExitCode.failed
  }).pipe(Effect.scoped, AppCommand.exitCode(io, "the chaos run"))
}

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the command on commander's parsed options (`program/Chaos` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (name: string, options: unknown, io: Io): Promise<number> =>
  Effect.runPromise(run(name, decodeOptions(options), io))
