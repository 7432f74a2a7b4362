/**
 * A chaos run: a cluster (`Cluster`) of workers on a redis-server this run
 * starts itself (durable, so it can be restarted), a profile's fault
 * timeline played against it mid-run, one more turn per session once the
 * timeline is over, and the invariants (`ChaosInvariants`) checked against
 * the store, each with its evidence.
 *
 * @example
 * ```ts
 * import { Chaos, ChaosProfile } from "@baton/testkit"
 * import * as Effect from "effect/Effect"
 *
 * const report = Chaos.run(ChaosProfile.find("worker-crash")!, { app: "examples/tripsage/src/app.ts", sessions: 200 })
 * // Effect<Chaos.Report, …>: report.passed, report.invariants, report.timeline
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Cluster from "../cluster/Cluster.js"
import { ClusterError } from "../cluster/ClusterError.js"
import * as Modules from "../cluster/internal/modules.js"
import * as ChaosInvariants from "./ChaosInvariants.js"
import * as ServiceProcesses from "./internal/serviceProcesses.js"
import * as ChaosProfile from "./ChaosProfile.js"
import * as RedisServer from "./RedisServer.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** The host app module's path. */
  readonly app: string
  /** Default 200. */
  readonly sessions?: number
  /** Default 2. */
  readonly workers?: number
  /** Picks the worker to kill and jitters the steps. Default 1. */
  readonly seed?: number
  /** The module exporting `RedisSessionStore`. Default `@baton/session`. */
  readonly storeModule?: string
  /** The texts each session sends. Default: the app's demo turns. */
  readonly turns?: ReadonlyArray<string>
  /** The turn every session plays after the timeline, to show it recovered. */
  readonly probe?: string
  /** Sessions each worker plays at once. Default 16. */
  readonly concurrency?: number
  /** Told of each timeline entry as it happens. */
  readonly onTimeline?: (entry: TimelineEntry) => void
}

/** @since 0.1.0 @category models */
export interface TimelineEntry {
  /** Milliseconds since the run started. */
  readonly atMs: number
  /** `fault` for what the timeline injected, `recovery` for what healed it, `cluster` for what the cluster did. */
  readonly kind: "fault" | "recovery" | "cluster"
  readonly text: string
}

/** @since 0.1.0 @category models */
export interface Report {
  readonly profile: string
  readonly description: string
  readonly seed: number
  readonly sessions: number
  readonly workers: number
  readonly timeline: ReadonlyArray<TimelineEntry>
  readonly invariants: ReadonlyArray<ChaosInvariants.Invariant>
  readonly passed: boolean
  readonly run: {
    readonly wallMs: number
    readonly turns: number
    readonly acknowledged: number
    readonly recovered: number
    readonly retries: number
    readonly turnP50Ms: number
    readonly turnP99Ms: number
    readonly workerRestarts: number
    readonly peakRssBytesPerWorker: ReadonlyArray<number>
  }
}

/** @since 0.1.0 @category constants */
export const DEFAULT_PROBE = "Thanks! What have we planned so far?"

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/**
 * Plays `profile` and checks the invariants. The redis-server and the
 * workers are stopped before the effect completes, whatever happened.
 *
 * @since 0.1.0 @category constructors
 */
export const run = (
  profile: ChaosProfile.Profile,
  options: Options
): Effect.Effect<Report, ClusterError | RedisServer.RedisServerError> =>
  Effect.scoped(Effect.gen(function*() {
    const seed = options.seed ?? 1
    const workers = options.workers ?? 2
    const sessions = options.sessions ?? 200
    const started = Date.now()
    const timeline: Array<TimelineEntry> = []
    const note = (kind: TimelineEntry["kind"], text: string) => {
      const entry: TimelineEntry = { atMs: Date.now() - started, kind, text }
      timeline.push(entry)
      options.onTimeline?.(entry)
    }
    const redis = yield* RedisServer.scoped({ durable: true })
    note("cluster", `redis-server on port ${redis.port} (append-only file, fsync always)`)
    const store = { url: redis.url, ...(options.storeModule === undefined ? {} : { module: options.storeModule }) }
    let gaveUp = 0
    const slotsThatAcked = new Set<number>()
    const cluster = yield* Cluster.start({
      app: options.app,
      store,
      sessions,
      workers,
      concurrency: options.concurrency ?? 16,
      // A spare takes a killed worker's place at once: recovery is not a cold start.
      spares: profile.steps({ seed, workers }).some((step) => step.action._tag === "KillWorker") ? 1 : 0,
      sessionPrefix: `chaos-${profile.name}-${seed}`,
      ...(profile.transport === undefined ? {} : { transport: profile.transport }),
      ...(options.turns === undefined ? {} : { turns: options.turns }),
      onEvent: (event) => {
        switch (event._tag) {
          case "WorkerReady":
            return event.takeover
              ? note("recovery", `worker ${event.slot} (pid ${event.pid}) took over ${event.assigned} unfinished sessions`)
              : note("cluster", `worker ${event.slot} (pid ${event.pid}) ready, ${event.assigned} sessions assigned`)
          case "WorkerExited":
            if (event.slot < 0) return note("cluster", `spare worker (pid ${event.pid}) exited`)
            return note(
              "cluster",
              `worker ${event.slot} (pid ${event.pid}) exited (${event.signal ?? `code ${event.code}`}); ` +
                `${event.unfinished} unfinished sessions go to its successor`
            )
          case "WorkerStarted":
            return note("cluster", event.slot < 0 ? `spare worker started (pid ${event.pid})` : `worker ${event.slot} started (pid ${event.pid})`)
          case "GaveUp":
            if (gaveUp++ < 5) note("cluster", `worker ${event.slot} gave up on ${event.gaveUp.sessionId}: ${event.gaveUp.error}`)
            return
          case "Acked":
            return void slotsThatAcked.add(event.ack.slot)
        }
      }
    })

    const share = () => {
      const { acked, total } = cluster.progress()
      return total === 0 ? 1 : acked / total
    }
    const steps = profile.steps({ seed, workers })
    const play = Effect.forEach(steps, (step) =>
      Effect.gen(function*() {
        // A kill waits for its slot's worker to have acknowledged a turn too:
        // a share of the run can come from the other slots while that worker
        // is still starting, and killing a starting worker is no takeover.
        const target = step.action._tag === "KillWorker" ? step.action.slot : undefined
        while (share() < step.at || (target !== undefined && !slotsThatAcked.has(target))) yield* Effect.sleep("25 millis")
        const at = `at ${Math.round(share() * 100)}% of turns`
        const action = step.action
        switch (action._tag) {
          case "KillWorker": {
            const pid = yield* cluster.kill(action.slot)
            return note("fault", `SIGKILL worker ${action.slot} (pid ${pid ?? "none"}) ${at}`)
          }
          case "RestartRedis": {
            yield* redis.stop
            note("fault", `redis-server stopped ${at}`)
            yield* Effect.sleep(action.downMs)
            yield* redis.restart
            return note("recovery", `redis-server started again on port ${redis.port} after ${action.downMs} ms`)
          }
          case "KillService": {
            const workerPids = cluster.result().workers.flatMap((worker) => worker.pids.slice(-1))
            const killed = yield* ServiceProcesses.kill(workerPids, action.service)
            return note("fault", `SIGKILL ${action.service} (pids ${killed.join(", ") || "none found"}) ${at}`)
          }
          case "Fault": {
            yield* Effect.forEach(action.services, (service) => cluster.fault(service, action.spec))
            note("fault", `${action.services.join(", ")}: ${action.spec} ${at}, for ${action.forMs} ms`)
            yield* Effect.sleep(action.forMs)
            yield* Effect.forEach(action.services, (service) => cluster.fault(service))
            return note("recovery", `${action.services.join(", ")}: faults cleared`)
          }
        }
      }), { discard: true })
    const faults = yield* Effect.fork(play)
    yield* cluster.finished
    yield* Fiber.join(faults)
    const probeTurn = cluster.result().turns.length
    note("cluster", `every session played its turns; timeline over; one more turn per session`)
    yield* cluster.addTurn(options.probe ?? DEFAULT_PROBE)
    yield* cluster.finished
    const result = cluster.result()
    note("cluster", `done: ${result.acks.length} turns acknowledged`)

    const storeLayer = yield* Modules.storeLayer(store)
    const invariants = yield* ChaosInvariants.check({ result, probeTurn }).pipe(
      Effect.provide(storeLayer),
      Effect.mapError((error) => new ClusterError({ reason: `cannot read the store to check the invariants: ${error.message}` }))
    )
    const durations = result.acks.filter((ack) => !ack.recovered).map((ack) => ack.durationMs).sort((a, b) => a - b)
    return {
      profile: profile.name,
      description: profile.description,
      seed,
      sessions,
      workers,
      timeline,
      invariants,
      passed: invariants.every((invariant) => invariant.holds),
      run: {
        wallMs: Date.now() - started,
        turns: result.turns.length,
        acknowledged: result.acks.length,
        recovered: result.acks.filter((ack) => ack.recovered).length,
        retries: result.retries,
        turnP50Ms: percentile(durations, 0.5),
        turnP99Ms: percentile(durations, 0.99),
        workerRestarts: result.workers.reduce((sum, worker) => sum + worker.pids.length - 1, 0),
        peakRssBytesPerWorker: result.workers.map((worker) => worker.peakRssBytes)
      }
    } satisfies Report
  }))
