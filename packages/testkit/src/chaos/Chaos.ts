/**
 * A chaos run: a cluster (`Cluster`) of workers on a redis-server this run
 * starts itself (durable, so it can be restarted) — or, for the profiles
 * that say so, on a Redis Cluster of three masters with a replica each
 * (`RedisCluster`) —, a profile's fault timeline played against it mid-run,
 * one more turn per session once the timeline is over, and the invariants
 * (`ChaosInvariants`) checked against the store, each with its evidence.
 *
 * The workers run with the harness's replay off by default: a failed turn
 * is not played again, so the run shows what Baton recovers by itself. The
 * report says which layer carried each turn (`ChaosRecovery`: Baton's retry
 * policy, a fallback, a degraded answer, a worker takeover), over the run
 * and per fault. `replay: true` lets the workers play failed turns again.
 *
 * A Redis Cluster fault is reported with its figures (`ClusterFault`): the
 * master failed over and the replica that took over, when, how long its
 * slots refused writes and how long until every node said the cluster was
 * ok, and the attempts the workers retried meanwhile. Acknowledged turns
 * the store lost (a killed master had not replicated them) are counted as
 * lost even when the workers played them again.
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
import { randomBytes } from "node:crypto"
import * as Cluster from "../cluster/Cluster.js"
import { ClusterError } from "../cluster/ClusterError.js"
import * as Modules from "../cluster/internal/modules.js"
import * as ChaosInvariants from "./ChaosInvariants.js"
import * as ServiceProcesses from "./internal/serviceProcesses.js"
import * as ChaosProfile from "./ChaosProfile.js"
import * as RedisCluster from "./RedisCluster.js"
import * as RedisServer from "./RedisServer.js"
import * as ChaosRecovery from "./ChaosRecovery.js"

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
  /** The texts each session sends. Default: the app's scenario for the session's user (`Cluster.sessionTurns`). */
  readonly turns?: ReadonlyArray<string>
  /** The turn every session plays after the timeline, to show it recovered. */
  readonly probe?: string
  /** Sessions each worker plays at once. Default 16. */
  readonly concurrency?: number
  /** Told of each timeline entry as it happens. */
  readonly onTimeline?: (entry: TimelineEntry) => void
  /** Whether the workers play a failed turn again. Default false. @since 0.2.0 */
  readonly replay?: boolean
  /**
   * When it completes (Ctrl-C), the timeline stops, the workers stop at once
   * (their turns in flight are cut off, not committed), no turn is played
   * after the timeline, and the invariants are checked on what was
   * acknowledged; the report is marked interrupted and does not pass.
   * @since 0.2.0
   */
  readonly stop?: Effect.Effect<void>
}

/** @since 0.1.0 @category models */
export interface TimelineEntry {
  /** Milliseconds since the run started. */
  readonly atMs: number
  /** `fault` for what the timeline injected, `recovery` for what healed it, `cluster` for what the cluster did. */
  readonly kind: "fault" | "recovery" | "cluster"
  /** What happened, in the run's own words. */
  readonly text: string
  /**
   * What a worker said about it (an error's message), kept apart from
   * `text`: it quotes remote text, which a terminal must sanitise.
   *
   * @since 0.2.0
   */
  readonly detail?: string
}

/**
 * What one Redis Cluster fault did.
 *
 * @since 0.2.0 @category models
 */
export interface ClusterFault {
  /** `failover`: CLUSTER FAILOVER on the replica; `master-kill`: SIGKILL of the master. */
  readonly fault: "failover" | "master-kill"
  /** Milliseconds since the run started. */
  readonly atMs: number
  /** The share of the run's turns acknowledged when it fired (0..1). */
  readonly atShare: number
  /** The port of the master failed over. */
  readonly master: number
  /** The port of the replica that took over. */
  readonly replica: number
  /** The run's sessions whose keys that master served. */
  readonly sessionsOnMaster: number
  /** From the fault until the promoted replica accepted a write to the master's slots. */
  readonly writableAfterMs: number
  /** From the fault until every node agreed on the new master and said `cluster_state:ok`. */
  readonly failoverMs: number
  /** Failed attempts the workers retried from the fault until every node said ok. */
  readonly retriesDuring: number
  /** The turns (session and turn) those attempts belonged to. */
  readonly turnsRetriedDuring: number
  /** The distinct errors of those attempts, up to five. */
  readonly errorsDuring: ReadonlyArray<string>
}

/** @since 0.1.0 @category models */
export interface Report {
  readonly profile: string
  readonly description: string
  readonly seed: number
  readonly sessions: number
  readonly workers: number
  /** What the workers shared, in words (no password). @since 0.2.0 */
  readonly store: string
  readonly timeline: ReadonlyArray<TimelineEntry>
  readonly invariants: ReadonlyArray<ChaosInvariants.Invariant>
  /** Every invariant held, and the run was not interrupted. */
  readonly passed: boolean
  /** The run was stopped before its end (`Options.stop`). @since 0.2.0 */
  readonly interrupted: boolean
  /** Whether the workers played failed turns again. @since 0.2.0 */
  readonly replay: boolean
  /** Which layer carried the turns, over the run and per fault. @since 0.2.0 */
  readonly recovery: { readonly run: ChaosRecovery.Layers; readonly faults: ReadonlyArray<ChaosRecovery.Window> }
  /** The Redis Cluster faults the timeline played, with their figures. @since 0.2.0 */
  readonly clusterFaults: ReadonlyArray<ClusterFault>
  readonly run: {
    readonly wallMs: number
    /** Turns in all, the sessions' turns after the timeline included. */
    readonly turns: number
    readonly acknowledged: number
    readonly recovered: number
    /** Acknowledged turns missing from the store, at the end or during the run. @since 0.2.0 */
    readonly lostTurns: number
    /** Sessions missing from the store at the end. @since 0.2.0 */
    readonly lostSessions: number
    /** Turns acknowledged twice. @since 0.2.0 */
    readonly duplicateTurns: number
    /** Sessions a worker gave up on at least once (its retries ran out). @since 0.2.0 */
    readonly sessionsGivenUp: number
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

/** The master serving most of `sessions`, with how many it serves. */
const busiestMaster = (redis: RedisCluster.RedisCluster, sessions: ReadonlyArray<{ readonly sessionId: string }>) =>
  Effect.map(redis.topology, (views) =>
    views
      .filter((view) => view.role === "master" && !view.failing && view.slots.length > 0)
      .map((view) => ({
        port: view.port,
        // Every key of a session shares the hash tag {s:<id>}: the tag's slot is the session's.
        sessions: sessions.filter(({ sessionId }) => RedisCluster.serves(view, RedisCluster.slotOf(`{s:${sessionId}}`))).length
      }))
      .sort((a, b) => b.sessions - a.sessions || a.port - b.port)[0])

interface Attempt {
  readonly at: number
  readonly turn: string
  readonly error: string
}

/**
 * The first line of an error, bounded, without the store's URL (a cluster's
 * names every node; its password is `***` already): what the report shows.
 */
const headline = (error: string) => {
  const line = error.split("\n")[0]!.replace(/Redis at \S+: /, "Redis: ").trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/**
 * On a Redis Cluster, each commit waits for its master's replica (`WAIT 1
 * 500`): replication is asynchronous, and a master killed mid-run could
 * otherwise take the commits it acknowledged last along.
 */
const CLUSTER_WAIT = { replicas: 1, timeoutMs: 500 } as const

/** The storage the workers share, started for the run. */
const startStore = (profile: ChaosProfile.Profile) =>
  profile.store === "redis-cluster"
    ? Effect.map(
      // A password only this run knows: it reaches the workers on their stdin.
      RedisCluster.scoped({ password: randomBytes(18).toString("base64url") }),
      (cluster) => ({ url: cluster.url, cluster, server: undefined })
    )
    : Effect.map(RedisServer.scoped({ durable: true }), (server) => ({ url: server.url, cluster: undefined, server }))

/**
 * Plays `profile` and checks the invariants. The redis-server and the
 * workers are stopped before the effect completes, whatever happened.
 *
 * @since 0.1.0 @category constructors
 */
export const run = (
  profile: ChaosProfile.Profile,
  options: Options
): Effect.Effect<Report, ClusterError | RedisServer.RedisServerError | RedisCluster.RedisClusterError> =>
  Effect.scoped(Effect.gen(function*() {
    const seed = options.seed ?? 1
    const workers = options.workers ?? 2
    const sessions = options.sessions ?? 200
    const started = Date.now()
    const timeline: Array<TimelineEntry> = []
    const note = (kind: TimelineEntry["kind"], text: string, detail?: string) => {
      const entry: TimelineEntry = { atMs: Date.now() - started, kind, text, ...(detail === undefined ? {} : { detail }) }
      timeline.push(entry)
      options.onTimeline?.(entry)
    }
    const shared = yield* startStore(profile)
    let storeText: string
    if (shared.cluster !== undefined) {
      const views = yield* shared.cluster.topology
      const masters = views.filter((view) => view.role === "master").map((view) => view.port).sort((a, b) => a - b)
      const replicas = views.filter((view) => view.role === "replica").map((view) => view.port).sort((a, b) => a - b)
      storeText = `Redis Cluster: masters on ports ${masters.join(", ")}, a replica each on ports ${replicas.join(", ")}; ` +
        `commits wait for ${CLUSTER_WAIT.replicas} replica (WAIT, up to ${CLUSTER_WAIT.timeoutMs} ms)`
    } else {
      storeText = `redis-server on port ${shared.server.port} (append-only file, fsync always)`
    }
    note("cluster", storeText)
    const store: Cluster.StoreSpec = {
      url: shared.url,
      ...(options.storeModule === undefined ? {} : { module: options.storeModule }),
      ...(shared.cluster === undefined ? {} : { waitForReplicas: CLUSTER_WAIT })
    }
    const replay = options.replay ?? false
    let gaveUp = 0
    let rewinds = 0
    const failures: Array<ChaosRecovery.Failure> = []
    const spans: Array<{ fault: string; from: number; to: number; slot?: number }> = []
    const attempts: Array<Attempt> = []
    const clusterFaults: Array<ClusterFault> = []
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
      replay,
      ...(profile.transport === undefined ? {} : { transport: profile.transport }),
      ...(options.turns === undefined ? {} : { turns: options.turns }),
      onEvent: (event) => {
        switch (event._tag) {
          case "WorkerReady":
            // A killed worker's fault lasts until its successor is ready
            // and the dead worker's leases have expired.
            for (const span of spans) {
              if (span.slot === event.slot && event.takeover) span.to = event.at + Cluster.DEFAULT_LEASE_TTL_MS
            }
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
            failures.push({ at: event.at })
            if (gaveUp++ < 5) note("cluster", `worker ${event.slot} gave up on ${event.gaveUp.sessionId}`, event.gaveUp.error)
            return
          case "Acked":
            return void slotsThatAcked.add(event.ack.slot)
          case "Retried":
            return void attempts.push({
              at: event.at,
              turn: `${event.retrying.sessionId}#${event.retrying.turn}`,
              error: headline(event.retrying.error)
            })
          case "Rewound":
            if (rewinds++ < 5) {
              note(
                "cluster",
                `worker ${event.slot} found ${event.rewound.sessionId} holding ${event.rewound.stored} of its ` +
                  `${event.rewound.acknowledged} acknowledged turns: the store lost acknowledged turns; they are played again`
              )
            }
            return
          case "FaultRefused":
            return note(
              "fault",
              `worker ${event.slot} refused a fault on ${event.refused.service}; the run stops`,
              `${event.refused.spec}: ${event.refused.reason}`
            )
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
        // A failover waits for every worker's: it must interrupt work in flight on both.
        const target = step.action._tag === "KillWorker" ? step.action.slot : undefined
        const everyWorker = step.action._tag === "FailoverMaster" || step.action._tag === "KillMaster"
        while (
          share() < step.at || (target !== undefined && !slotsThatAcked.has(target)) ||
          (everyWorker && slotsThatAcked.size < workers)
        ) yield* Effect.sleep("25 millis")
        const atShare = share()
        const at = `at ${Math.round(atShare * 100)}% of turns`
        const action = step.action
        const span = { fault: ChaosProfile.describeAction(action), from: Date.now(), to: Date.now() }
        spans.push(action._tag === "KillWorker" ? Object.assign(span, { slot: action.slot }) : span)
        const ended = () => void (span.to = Date.now())
        switch (action._tag) {
          case "KillWorker": {
            const pid = yield* cluster.kill(action.slot)
            return note("fault", `SIGKILL worker ${action.slot} (pid ${pid ?? "none"}) ${at}`)
          }
          case "RestartRedis": {
            const redis = shared.server
            if (redis === undefined) return yield* Effect.dieMessage(`${profile.name} restarts a redis-server, but runs on a Redis Cluster`)
            yield* redis.stop
            note("fault", `redis-server stopped ${at}`)
            yield* Effect.sleep(action.downMs)
            yield* redis.restart
            ended()
            return note("recovery", `redis-server started again on port ${redis.port} after ${action.downMs} ms`)
          }
          case "FailoverMaster":
          case "KillMaster": {
            const redis = shared.cluster
            if (redis === undefined) return yield* Effect.dieMessage(`${profile.name} fails a Redis Cluster master over, but runs on a redis-server`)
            const target = yield* busiestMaster(redis, cluster.sessions)
            if (target === undefined) return yield* Effect.dieMessage("the Redis Cluster has no serving master")
            const faultAt = Date.now()
            const manual = action._tag === "FailoverMaster"
            note(
              "fault",
              `${manual ? "CLUSTER FAILOVER on the replica of" : "SIGKILL"} the master on port ${target.port} ` +
                `(serving ${target.sessions} of the ${sessions} sessions) ${at}`
            )
            const failover = yield* (manual ? redis.failover(target.port) : redis.killMaster(target.port))
            ended()
            note(
              "recovery",
              `the replica on port ${failover.to} took over from ${failover.from}: its slots took writes again after ` +
                `${failover.writableMs} ms; every node agreed and said cluster_state:ok after ${failover.ms} ms`
            )
            if (!manual) {
              // As a supervisor would: the killed node comes back, as the new master's replica.
              const restarting = Date.now()
              yield* redis.restart(failover.from)
              note("recovery", `the killed node on port ${failover.from} started again and rejoined as a replica in ${Date.now() - restarting} ms`)
            }
            clusterFaults.push({
              fault: manual ? "failover" : "master-kill",
              atMs: faultAt - started,
              atShare,
              master: failover.from,
              replica: failover.to,
              sessionsOnMaster: target.sessions,
              writableAfterMs: failover.writableMs,
              failoverMs: failover.ms,
              retriesDuring: 0,
              turnsRetriedDuring: 0,
              errorsDuring: []
            })
            return
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
            ended()
            return note("recovery", `${action.services.join(", ")}: faults cleared`)
          }
        }
      }), { discard: true })
    const faults = yield* Effect.fork(play)
    let interrupted = false
    if (options.stop !== undefined) {
      yield* Effect.forkScoped(Effect.zipRight(
        options.stop,
        Effect.suspend(() => {
          interrupted = true
          note("cluster", "stopped (Ctrl-C): the timeline stops; the workers stop now, their turns in flight uncommitted")
          return Effect.zipRight(Fiber.interrupt(faults), cluster.halt)
        })
      ))
    }
    yield* cluster.finished
    // A timeline that failed fails the run; one the stop interrupted does not.
    yield* Effect.suspend(() => (interrupted ? Effect.asVoid(Fiber.await(faults)) : Fiber.join(faults)))
    if (!interrupted) {
      note("cluster", `every session played its turns; timeline over; one more turn per session`)
      yield* cluster.addTurn(options.probe ?? DEFAULT_PROBE)
      yield* cluster.finished
    }
    const result = cluster.result()
    note("cluster", `done: ${result.acks.length} turns acknowledged`)

    const storeLayer = yield* Modules.storeLayer(store)
    const invariants = yield* ChaosInvariants.check({ result, probed: !interrupted, replay, interrupted }).pipe(
      Effect.provide(storeLayer),
      Effect.mapError((error) => new ClusterError({ reason: `cannot read the store to check the invariants: ${error.message}` }))
    )
    const durations = result.acks.filter((ack) => !ack.recovered).map((ack) => ack.durationMs).sort((a, b) => a - b)
    const count = (name: ChaosInvariants.Invariant["name"]) => invariants.find((invariant) => invariant.name === name)?.count ?? 0
    return {
      profile: profile.name,
      description: profile.description,
      seed,
      sessions,
      workers,
      store: storeText,
      timeline,
      invariants,
      passed: !interrupted && invariants.every((invariant) => invariant.holds),
      interrupted,
      replay,
      recovery: ChaosRecovery.attribute(result, failures, spans, started),
      clusterFaults: clusterFaults.map((fault) => {
        const from = started + fault.atMs
        const during = attempts.filter((attempt) => attempt.at >= from && attempt.at <= from + fault.failoverMs)
        return {
          ...fault,
          retriesDuring: during.length,
          turnsRetriedDuring: new Set(during.map((attempt) => attempt.turn)).size,
          errorsDuring: [...new Set(during.map((attempt) => attempt.error))].slice(0, 5)
        }
      }),
      run: {
        wallMs: Date.now() - started,
        turns: result.sessions.reduce((sum, session) => sum + session.turns.length, 0),
        acknowledged: result.acks.length,
        recovered: result.acks.filter((ack) => ack.recovered).length,
        lostTurns: count("no-acked-turn-lost"),
        lostSessions: count("no-session-lost"),
        duplicateTurns: result.duplicateAcks,
        sessionsGivenUp: result.sessions.filter((session) => session.gaveUp.length > 0).length,
        retries: result.retries,
        turnP50Ms: percentile(durations, 0.5),
        turnP99Ms: percentile(durations, 0.99),
        workerRestarts: result.workers.reduce((sum, worker) => sum + worker.pids.length - 1, 0),
        peakRssBytesPerWorker: result.workers.map((worker) => worker.peakRssBytes)
      }
    } satisfies Report
  }))
