/**
 * A cluster run: a coordinator in this process and N worker processes
 * (`ClusterWorker`) sharing one Redis session store, playing many sessions
 * of a host app's scripted turns — horizontal scaling, and the ground for
 * chaos runs.
 *
 * The coordinator assigns each session to a worker slot and tracks every
 * acknowledged turn. When a worker dies, it starts a new one in its slot
 * and hands it that slot's unfinished sessions with the number of turns
 * acknowledged so far; the new worker reads each session from the store and
 * carries on from what actually committed, so an interrupted turn is played
 * again only if it did not commit, and no turn is played twice. Turns a
 * worker found missing from the store after they were acknowledged are
 * recorded per session (`rewinds`) and played again. A fault a worker's app
 * refuses stops the run with a `ClusterError` that says why.
 *
 * @example
 * ```ts
 * import { Cluster } from "@baton/testkit"
 * import * as Effect from "effect/Effect"
 *
 * const result = Cluster.run({
 *   app: "examples/tripsage/src/app.ts",
 *   store: { url: "redis://127.0.0.1:6379" },
 *   sessions: 1_000,
 *   workers: 2
 * })
 * // Effect<Cluster.Result, ClusterError>: every ack with its duration, per session and worker
 * ```
 *
 * @since 0.1.0
 */
import { BatonApp, Scenario } from "@baton/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Protocol from "./ClusterProtocol.js"
import { ClusterError } from "./ClusterError.js"
import type * as ClusterWorker from "./ClusterWorker.js"
import * as Modules from "./internal/modules.js"
import { spawnWorker, type WorkerProcess } from "./internal/workerProcess.js"

/** @since 0.1.0 @category models */
export type StoreSpec = Modules.StoreSpec

/** @since 0.1.0 @category models */
export interface Options {
  /** The host app module's path (exporting `app: BatonApp`). */
  readonly app: string
  /** The Redis session store every worker shares. */
  readonly store: StoreSpec
  readonly sessions: number
  readonly workers: number
  /**
   * The texts each session sends, in order. Default: the app's
   * `loadScenario` for each session (`sessionTurns`), or its demo's turns.
   */
  readonly turns?: ReadonlyArray<string>
  /** How workers reach the app's services. Default `in-process`. */
  readonly transport?: BatonApp.Transport
  /**
   * Workers started ahead (once the first ones are ready), to take a dead
   * worker's slot at once instead of after a cold start. Default 0.
   */
  readonly spares?: number
  /** Sessions each worker plays at once. Default 32. */
  readonly concurrency?: number
  /** Session ids are `<prefix>-<n>`, users `<prefix>-user-<n>`. Default `cluster-<time>`. */
  readonly sessionPrefix?: string
  /** The store lease a worker holds per turn. Default `DEFAULT_LEASE_TTL_MS`. */
  readonly leaseTtlMs?: number
  /** How long a worker keeps retrying a session that makes no progress. Default 30 s. */
  readonly retryForMs?: number
  /**
   * Whether a worker plays a failed turn again (default); off, it gives the
   * session up at its first failed turn. @since 0.2.0
   */
  readonly replay?: boolean
  /** A turn running longer is abandoned and tried again. Default 60 s. */
  readonly turnTimeoutMs?: number
  /** Told of workers starting and exiting, and of every acknowledged turn. */
  readonly onEvent?: (event: Event) => void
}

/** @since 0.1.0 @category models */
export interface AckRecord extends Protocol.Ack {
  readonly slot: number
  readonly pid: number
  /** Epoch milliseconds when the coordinator received it. */
  readonly at: number
}

/** @since 0.1.0 @category models */
export type Event =
  /** `slot` is -1 for a spare. */
  | { readonly _tag: "WorkerStarted"; readonly slot: number; readonly pid: number; readonly at: number }
  | {
    readonly _tag: "WorkerReady"
    readonly slot: number
    readonly pid: number
    readonly at: number
    readonly assigned: number
    /** The slot had a worker before: this one took over its unfinished sessions. */
    readonly takeover: boolean
  }
  | {
    readonly _tag: "WorkerExited"
    readonly slot: number
    readonly pid: number
    readonly at: number
    readonly code: number | null
    readonly signal: string | null
    /** -1 for a spare. Unfinished sessions go to the slot's next worker. */
    readonly unfinished: number
  }
  | { readonly _tag: "Acked"; readonly ack: AckRecord }
  | { readonly _tag: "GaveUp"; readonly slot: number; readonly gaveUp: Protocol.GaveUp; readonly at: number }
  /** A failed attempt the worker retries. @since 0.2.0 */
  | { readonly _tag: "Retried"; readonly slot: number; readonly retrying: Protocol.Retrying; readonly at: number }
  /** Acknowledged turns found missing from the store, played again. @since 0.2.0 */
  | { readonly _tag: "Rewound"; readonly slot: number; readonly rewound: Protocol.Rewound; readonly at: number }
  /** A worker's fault injector refused a fault: the run stops with a `ClusterError`. @since 0.2.0 */
  | { readonly _tag: "FaultRefused"; readonly slot: number; readonly refused: Protocol.FaultRefused; readonly at: number }

/** @since 0.1.0 @category models */
export interface SessionRecord {
  readonly sessionId: string
  readonly userId: string
  readonly slot: number
  /** The texts it sends, in order. @since 0.2.0 */
  readonly turns: ReadonlyArray<string>
  /** Acknowledgements by turn index; a turn acknowledged twice counts in `Result.duplicateAcks`. */
  readonly acks: ReadonlyArray<AckRecord | undefined>
  /** Times the session was given to a worker. */
  readonly assignments: number
  /** Turns workers gave up on, oldest first. */
  readonly gaveUp: ReadonlyArray<Protocol.GaveUp>
  /**
   * Times acknowledged turns were found missing from the store (and played
   * again), oldest first.
   *
   * @since 0.2.0
   */
  readonly rewinds: ReadonlyArray<Rewind>
}

/** @since 0.2.0 @category models */
export interface Rewind {
  /** Turns acknowledged when the worker read the store. */
  readonly acknowledged: number
  /** Turns the store held. */
  readonly stored: number
  readonly slot: number
  readonly pid: number
  readonly at: number
}

/** @since 0.1.0 @category models */
export interface WorkerRecord {
  readonly slot: number
  /** Every process the slot ran, first to last. */
  readonly pids: ReadonlyArray<number>
  readonly exits: ReadonlyArray<{ readonly pid: number; readonly code: number | null; readonly signal: string | null }>
  readonly peakRssBytes: number
  readonly peakHeapUsedBytes: number
}

/** @since 0.1.0 @category models */
export interface Result {
  readonly sessions: ReadonlyArray<SessionRecord>
  readonly workers: ReadonlyArray<WorkerRecord>
  /** Every acknowledgement, in the order received. */
  readonly acks: ReadonlyArray<AckRecord>
  readonly duplicateAcks: number
  /** Failed attempts workers retried. */
  readonly retries: number
  /** From the first worker's start until every session had played every turn (or was given up). */
  readonly wallMs: number
}

/** @since 0.1.0 @category models */
export interface Cluster {
  readonly sessions: ReadonlyArray<{ readonly sessionId: string; readonly userId: string }>
  /** Acknowledged turns, and turns in all but those of sessions given up. */
  readonly progress: () => { readonly acked: number; readonly total: number }
  /** Sends `signal` (SIGKILL by default) to the slot's worker; its pid, if it had one. */
  readonly kill: (slot: number, signal?: NodeJS.Signals) => Effect.Effect<number | undefined>
  /** Sets (or, without `spec`, clears) a fault on one of the app's services in every worker, current and future. */
  readonly fault: (service: string, spec?: string) => Effect.Effect<void>
  /** Appends a turn to every session and hands each session its new turn. */
  readonly addTurn: (text: string) => Effect.Effect<void>
  /** Waits until every session played every turn, or a worker gave up on it, or the cluster was halted. */
  readonly finished: Effect.Effect<void, ClusterError>
  /**
   * Stops every worker now (Ctrl-C): turns in flight are cut off, not
   * committed, and `finished` resolves with what was acknowledged.
   *
   * @since 0.2.0
   */
  readonly halt: Effect.Effect<void>
  readonly result: () => Result
}

interface MutableSession {
  readonly sessionId: string
  readonly userId: string
  readonly slot: number
  readonly turns: Array<string>
  readonly acks: Array<AckRecord | undefined>
  assignments: number
  readonly gaveUp: Array<Protocol.GaveUp>
  readonly rewinds: Array<Rewind>
  /** Gave up on the current turn list. */
  stuck: boolean
}

interface Slot {
  readonly index: number
  process: WorkerProcess | undefined
  ready: boolean
  readonly pids: Array<number>
  readonly exits: Array<{ readonly pid: number; readonly code: number | null; readonly signal: string | null }>
  peakRssBytes: number
  peakHeapUsedBytes: number
}

interface Proc {
  slot: Slot | undefined
  ready: boolean
  readonly worker: WorkerProcess
}

const MAX_START_FAILURES = 3

/**
 * The store lease a worker holds per turn, 5 s: a successor waits for a dead
 * worker's leases to expire before it plays that worker's sessions.
 *
 * @since 0.2.0 @category constants
 */
export const DEFAULT_LEASE_TTL_MS = 5_000

const ackedCount = (session: MutableSession) => {
  let count = 0
  while (session.acks[count] !== undefined) count++
  return count
}

/**
 * The texts of the app's demo scenario sent in its own session: what each
 * cluster session plays unless told otherwise. Turns the demo sends in
 * another session (a returning user) are left out.
 *
 * @since 0.1.0 @category accessors
 */
export const demoTurns = (app: BatonApp.BatonApp): ReadonlyArray<string> =>
  app.demo === undefined ? [] : Scenario.turnsIn(app.demo).map((turn) => turn.text)

/**
 * What the `index`-th session plays unless told otherwise: its scenario
 * (`BatonApp.scenarioFor`: the app's `loadScenario` for that user, else its
 * demo), so that sessions are many people sharing the services' inventory,
 * not one person many times over.
 *
 * @since 0.2.0 @category accessors
 */
export const sessionTurns = (app: BatonApp.BatonApp, index: number): ReadonlyArray<string> => {
  const scenario = BatonApp.scenarioFor(app, index)
  return scenario === undefined ? [] : Scenario.turnsIn(scenario).map((turn) => turn.text)
}

/**
 * Starts the workers and assigns the sessions; the workers stop when the
 * scope closes.
 *
 * @since 0.1.0 @category constructors
 */
export const start = (options: Options): Effect.Effect<Cluster, ClusterError, Scope.Scope> =>
  Effect.gen(function*() {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      return yield* new ClusterError({ reason: `workers must be a positive integer, got ${options.workers}` })
    }
    const app = options.turns === undefined ? yield* Modules.app(options.app) : undefined
    const turnsOf = (index: number) => options.turns ?? sessionTurns(app!, index)
    if (turnsOf(0).length === 0) {
      return yield* new ClusterError({ reason: `${options.app} has no demo scenario and no turns were given` })
    }
    const prefix = options.sessionPrefix ?? `cluster-${Date.now().toString(36)}`
    const emit = options.onEvent ?? (() => {})
    const sessions: Array<MutableSession> = Array.from({ length: options.sessions }, (_, i) => ({
      sessionId: `${prefix}-${i}`,
      userId: `${prefix}-user-${i}`,
      slot: i % options.workers,
      turns: [...turnsOf(i)],
      acks: [],
      assignments: 0,
      gaveUp: [],
      rewinds: [],
      stuck: false
    }))
    const byId = new Map(sessions.map((session) => [session.sessionId, session]))
    const slots: Array<Slot> = Array.from({ length: options.workers }, (_, index) => ({
      index,
      process: undefined,
      ready: false,
      pids: [],
      exits: [],
      peakRssBytes: 0,
      peakHeapUsedBytes: 0
    }))
    const acks: Array<AckRecord> = []
    const faults = new Map<string, string>()
    const waiters: Array<() => void> = []
    let duplicateAcks = 0
    let retries = 0
    let closing = false
    let fatal: ClusterError | undefined
    let startFailures = 0
    let sparesStarted = false
    const startedAt = Date.now()
    let finishedAt: number | undefined

    const done = (session: MutableSession) => session.stuck || ackedCount(session) >= session.turns.length
    let halted = false
    const settle = () => {
      if (fatal === undefined && !halted && !sessions.every(done)) return
      finishedAt ??= Date.now()
      waiters.splice(0).forEach((wake) => wake())
    }

    const assign = (slot: Slot, session: MutableSession) => {
      session.assignments++
      slot.process?.send({
        _tag: "Assign",
        sessionId: session.sessionId,
        userId: session.userId,
        turns: session.turns,
        acked: ackedCount(session)
      })
    }

    let launched = 0
    const spares: Array<Proc> = []
    const workerOptions = (): ClusterWorker.Options => ({
      app: options.app,
      store: options.store,
      transport: options.transport ?? "in-process",
      owner: `${prefix}/worker-${launched++}`,
      concurrency: options.concurrency ?? 32,
      leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      retryForMs: options.retryForMs ?? 30_000,
      replay: options.replay ?? true,
      turnTimeoutMs: options.turnTimeoutMs ?? 60_000
    })

    const unfinished = (slot: Slot) => sessions.filter((session) => session.slot === slot.index && !done(session))

    // A ready process takes the slot: it is told the faults in force and
    // given the slot's unfinished sessions.
    const takeSlot = (proc: Proc, slot: Slot) => {
      proc.slot = slot
      slot.process = proc.worker
      slot.ready = true
      if (!slot.pids.includes(proc.worker.pid)) slot.pids.push(proc.worker.pid)
      const mine = unfinished(slot)
      mine.forEach((session) => assign(slot, session))
      const takeover = slot.pids.length > 1
      emit({ _tag: "WorkerReady", slot: slot.index, pid: proc.worker.pid, at: Date.now(), assigned: mine.length, takeover })
    }

    const vacant = () => slots.find((slot) => slot.process === undefined)

    function launch(slot: Slot | undefined): void {
      if (closing) return
      let failure: string | undefined
      const proc: Proc = {
        slot,
        ready: false,
        worker: spawnWorker(workerOptions(), {
          onMessage: (message) => {
            switch (message._tag) {
              case "Ready": {
                // Stopping: its stdin is closed already, so it stops by itself.
                if (closing) return
                proc.ready = true
                startFailures = 0
                faults.forEach((spec, service) => proc.worker.send({ _tag: "Fault", service, spec }))
                if (proc.slot !== undefined) {
                  takeSlot(proc, proc.slot)
                  // Spares start once every slot's worker is ready, so they
                  // do not slow the first start down.
                  if (!sparesStarted && slots.every((slot) => slot.ready)) {
                    sparesStarted = true
                    for (let i = 0; i < (options.spares ?? 0); i++) launch(undefined)
                  }
                  return
                }
                const free = vacant()
                if (free !== undefined) {
                  spares.splice(spares.indexOf(proc), 1)
                  takeSlot(proc, free)
                  launch(undefined)
                }
                return
              }
              case "Ack": {
                const session = byId.get(message.sessionId)
                if (session === undefined) return
                const record: AckRecord = { ...message, slot: session.slot, pid: proc.worker.pid, at: Date.now() }
                if (session.acks[message.turn] !== undefined) duplicateAcks++
                else session.acks[message.turn] = record
                acks.push(record)
                emit({ _tag: "Acked", ack: record })
                return settle()
              }
              case "GaveUp": {
                const session = byId.get(message.sessionId)
                if (session === undefined) return
                session.gaveUp.push(message)
                session.stuck = true
                emit({ _tag: "GaveUp", slot: session.slot, gaveUp: message, at: Date.now() })
                return settle()
              }
              case "Retrying":
                retries++
                return emit({ _tag: "Retried", slot: proc.slot?.index ?? -1, retrying: message, at: Date.now() })
              case "Rewound": {
                const session = byId.get(message.sessionId)
                if (session === undefined) return
                const at = Date.now()
                session.rewinds.push({ acknowledged: message.acknowledged, stored: message.stored, slot: session.slot, pid: proc.worker.pid, at })
                // The turns the store lost are played again: their next
                // acknowledgements are no duplicates.
                session.acks.length = Math.min(session.acks.length, message.stored)
                return emit({ _tag: "Rewound", slot: session.slot, rewound: message, at })
              }
              case "FaultRefused":
                emit({ _tag: "FaultRefused", slot: proc.slot?.index ?? -1, refused: message, at: Date.now() })
                fatal ??= new ClusterError({
                  reason: `worker ${proc.slot?.index ?? "(spare)"} (pid ${proc.worker.pid}) did not inject ` +
                    `${JSON.stringify(message.spec)} into ${message.service}: ${message.reason}`
                })
                return settle()
              case "Stats":
                if (proc.slot !== undefined) {
                  proc.slot.peakRssBytes = Math.max(proc.slot.peakRssBytes, message.rssBytes)
                  proc.slot.peakHeapUsedBytes = Math.max(proc.slot.peakHeapUsedBytes, message.heapUsedBytes)
                }
                return
              case "Failed":
                failure = message.reason
                return
            }
          },
          onExit: (code, signal) => {
            const slot = proc.slot
            if (slot === undefined) spares.splice(spares.indexOf(proc), 1)
            else {
              slot.exits.push({ pid: proc.worker.pid, code, signal })
              slot.ready = false
              slot.process = undefined
            }
            if (closing) return
            emit({
              _tag: "WorkerExited",
              slot: slot?.index ?? -1,
              pid: proc.worker.pid,
              at: Date.now(),
              code,
              signal,
              unfinished: slot === undefined ? 0 : unfinished(slot).length
            })
            if (!proc.ready && ++startFailures >= MAX_START_FAILURES) {
              const why = failure ?? (proc.worker.stderr().trim().split("\n").slice(-3).join(" | ") || `exit ${signal ?? code}`)
              fatal = new ClusterError({ reason: `workers did not start ${MAX_START_FAILURES} times: ${why}` })
              return settle()
            }
            if (slot === undefined) return launch(undefined)
            // A spare that is ready takes over at once and another spare is
            // started; a spare still starting takes the slot when ready.
            const spare = spares.find((candidate) => candidate.ready)
            if (spare === undefined) return spares.length === 0 ? launch(slot) : undefined
            spares.splice(spares.indexOf(spare), 1)
            takeSlot(spare, slot)
            launch(undefined)
          }
        })
      }
      if (slot === undefined) spares.push(proc)
      else {
        slot.process = proc.worker
        slot.pids.push(proc.worker.pid)
      }
      emit({ _tag: "WorkerStarted", slot: slot?.index ?? -1, pid: proc.worker.pid, at: Date.now() })
    }

    const stopAll = Effect.promise(() =>
      Promise.all([...slots.map((slot) => slot.process), ...spares.map((spare) => spare.worker)].map((worker) =>
        new Promise<void>((resolve) => {
          if (worker === undefined || worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve()
          const force = setTimeout(() => worker.child.kill("SIGKILL"), 5_000)
          worker.child.once("close", () => {
            clearTimeout(force)
            resolve()
          })
          worker.close()
        })
      ))
    )
    yield* Effect.acquireRelease(
      Effect.sync(() => slots.forEach(launch)),
      () => Effect.zipRight(Effect.sync(() => void (closing = true)), stopAll)
    )

    const snapshot = (): Result => ({
      sessions: sessions.map((session) => ({
        sessionId: session.sessionId,
        userId: session.userId,
        slot: session.slot,
        turns: [...session.turns],
        acks: [...session.acks],
        assignments: session.assignments,
        gaveUp: [...session.gaveUp],
        rewinds: [...session.rewinds]
      })),
      workers: slots.map((slot) => ({
        slot: slot.index,
        pids: [...slot.pids],
        exits: [...slot.exits],
        peakRssBytes: slot.peakRssBytes,
        peakHeapUsedBytes: slot.peakHeapUsedBytes
      })),
      acks: [...acks],
      duplicateAcks,
      retries,
      wallMs: (finishedAt ?? Date.now()) - startedAt
    })

    return {
      sessions: sessions.map(({ sessionId, userId }) => ({ sessionId, userId })),
      progress: () => ({
        acked: sessions.reduce((sum, session) => sum + ackedCount(session), 0),
        // A session given up plays no more turns until it is given another.
        total: sessions.reduce((sum, session) => sum + (session.stuck ? ackedCount(session) : session.turns.length), 0)
      }),
      kill: (index, signal = "SIGKILL") =>
        Effect.sync(() => {
          const worker = slots[index]?.process
          if (worker === undefined) return undefined
          worker.child.kill(signal)
          return worker.pid
        }),
      fault: (service, spec) =>
        Effect.sync(() => {
          if (spec === undefined) faults.delete(service)
          else faults.set(service, spec)
          const message = { _tag: "Fault", service, ...(spec === undefined ? {} : { spec }) } as const
          for (const slot of slots) if (slot.ready) slot.process?.send(message)
          for (const spare of spares) if (spare.ready) spare.worker.send(message)
        }),
      addTurn: (text) =>
        Effect.sync(() => {
          finishedAt = undefined
          for (const session of sessions) {
            session.turns.push(text)
            session.stuck = false
            const slot = slots[session.slot]!
            if (slot.ready) assign(slot, session)
          }
        }),
      finished: Effect.async<void, ClusterError>((resume) => {
        const wake = () => resume(fatal === undefined ? Effect.void : Effect.fail(fatal))
        waiters.push(wake)
        settle()
        return Effect.sync(() => {
          const at = waiters.indexOf(wake)
          if (at >= 0) waiters.splice(at, 1)
        })
      }),
      halt: Effect.suspend(() => {
        closing = true
        halted = true
        return Effect.zipRight(stopAll, Effect.sync(settle))
      }),
      result: snapshot
    } satisfies Cluster
  })

/**
 * Starts a cluster, waits until every session played every turn, stops the
 * workers and returns what happened.
 *
 * @since 0.1.0 @category constructors
 */
export const run = (options: Options): Effect.Effect<Result, ClusterError> =>
  Effect.scoped(Effect.flatMap(start(options), (cluster) => Effect.map(cluster.finished, () => cluster.result())))
