/**
 * A load run over worker processes (`baton load --workers N`): the sessions
 * are played by a `Cluster` of workers sharing one Redis session store, and
 * the report is built from their acknowledgements. Every session is then
 * restored from the store and checked: it is lost when it is gone, older than
 * its last acknowledged version, or missing an acknowledged turn's message,
 * or when a worker found acknowledged turns missing from the store during
 * the run (a Redis master that died before its replica had them), even
 * though they were played again.
 *
 * Workers report each turn's outcome class (ok, degraded, failed), its
 * handoffs, the workflows it ran with what each came to, and the calls
 * Baton's retry policy tried again and fallbacks answered, not their tool
 * calls, so a cluster report has turn and handoff latency, outcomes,
 * workflow classes, retries, fallbacks, sessions lost and context
 * violations, but no tool, workflow or restore latency histograms, and no memory per
 * session (workers report only their peak heap). It counts every committed
 * turn, those found committed after their worker died among them (not
 * timed; counted ok: their reply is stored, how it was reached was not
 * seen), every turn a worker gave up on as failed, and names each worker
 * that exited during the run, each takeover and the failed attempts the
 * workers played again.
 *
 * @since 0.1.0
 */
import { Ids, Message, SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Cluster from "../cluster/Cluster.js"
import type { ClusterError } from "../cluster/ClusterError.js"
import type { Progress } from "./LoadRun.js"
import * as Recorder from "./Recorder.js"
import * as Report from "./Report.js"
import * as Slo from "./Slo.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** The host app module's path. */
  readonly app: string
  readonly store: Cluster.StoreSpec
  readonly sessions: number
  readonly workers: number
  /** Sessions in flight at once across all workers. */
  readonly concurrency?: number
  readonly objectives?: ReadonlyArray<Slo.Objective>
  /** The run's settings as the report records them. */
  readonly settings: Report.Settings
  readonly onProgress?: (progress: Progress) => Effect.Effect<void>
  /** Default 1 s. */
  readonly progressIntervalMs?: number
  /**
   * When it completes (Ctrl-C), the workers stop at once: their turns in
   * flight are cut off, not committed, and the report, marked interrupted,
   * covers what was acknowledged. @since 0.2.0
   */
  readonly stop?: Effect.Effect<void>
}

const lostSessions = (store: SessionStore.Service, result: Cluster.Result, interrupted: boolean) =>
  Effect.map(
    Effect.forEach(result.sessions, (session) => {
      const acked = session.acks.filter((ack) => ack !== undefined)
      const lastVersion = Math.max(0, ...acked.map((ack) => ack.version))
      // A session the run stopped before its end is unfinished, not lost.
      const unfinished = !interrupted && acked.length < session.turns.length
      return store.restore(Ids.sessionId(session.sessionId)).pipe(
        Effect.map((restored): Report.LostSession | undefined => {
          if (Option.isNone(restored)) {
            return acked.length === 0 && !unfinished ? undefined : { sessionId: session.sessionId, reason: "the session is gone" }
          }
          const state = restored.value
          if (state.version < lastVersion) {
            return {
              sessionId: session.sessionId,
              reason: `version ${state.version} is older than the last acknowledged version ${lastVersion}`
            }
          }
          const said = state.context.history.filter((message) => message.role === "user" && !Message.isInterrupted(message))
            .map((message) => message.content)
          const missing = acked.findIndex((ack) => said[ack.turn] !== session.turns[ack.turn])
          if (missing >= 0) {
            return { sessionId: session.sessionId, reason: `acknowledged turn ${acked[missing]!.turn + 1} is missing` }
          }
          const rewind = session.rewinds[0]
          if (rewind !== undefined) {
            return {
              sessionId: session.sessionId,
              reason: `acknowledged turn ${rewind.stored + 1} went missing from the store during the run (it held ` +
                `${rewind.stored} of ${rewind.acknowledged} acknowledged turns) and was played again`
            }
          }
          return unfinished
            ? { sessionId: session.sessionId, reason: session.gaveUp.at(-1)?.error ?? "unfinished" }
            : undefined
        }),
        Effect.catchAll((error) =>
          Effect.succeed<Report.LostSession | undefined>({ sessionId: session.sessionId, reason: `restore failed: ${error.message}` })
        )
      )
    }, { concurrency: 16 }),
    (results) => results.filter((lost): lost is Report.LostSession => lost !== undefined)
  )

const report = (
  result: Cluster.Result,
  lost: ReadonlyArray<Report.LostSession>,
  options: Options,
  events: {
    readonly exits: Array<Report.Workers["exits"][number]>
    takeovers: number
    readonly failed: Array<{ readonly at: number; readonly outcome: Recorder.Outcome }>
    interrupted: boolean
  }
) => {
  const played = result.acks.filter((ack) => !ack.recovered)
  const recorder = Recorder.make(played.length === 0 ? Date.now() : Math.min(...played.map((ack) => ack.at - ack.durationMs)))
  // Turns found committed after a crash have no timing of their own: counted, not timed.
  for (const ack of result.acks) {
    Recorder.recordTurn(recorder, {
      at: ack.at,
      durationMs: ack.recovered ? null : ack.durationMs,
      outcome: ack.outcome ?? "ok",
      failed: false,
      handoffs: ack.handoffs
    })
    recorder.retries += ack.policyRetries
    recorder.fallbacks += ack.fallbacks
    for (const run of ack.workflows) Recorder.recordWorkflowRun(recorder, run.name, run.kind)
  }
  for (const { at, outcome } of events.failed) {
    Recorder.recordTurn(recorder, { at, durationMs: null, outcome, failed: true, handoffs: [] })
  }
  recorder.sessionsStarted = result.sessions.length
  const lostIds = new Set(lost.map((session) => session.sessionId))
  recorder.sessionsCompleted = result.sessions.filter((session) =>
    !lostIds.has(session.sessionId) && session.acks.filter((ack) => ack !== undefined).length >= session.turns.length
  ).length
  const base = Report.fromRecorder(recorder, {
    wallMs: result.wallMs,
    settings: options.settings,
    lost: lost.slice(0, 20),
    lostCount: lost.length,
    interrupted: events.interrupted,
    // Workers report their peak heap, not a delta after GC: no honest per-session figure.
    memory: null,
    workers: {
      count: options.workers,
      exits: events.exits,
      takeovers: events.takeovers,
      recoveredTurns: result.acks.length - played.length,
      replayedAttempts: result.retries
    }
  })
  return Report.withVerdicts(base, Slo.evaluate(Slo.withDefaults(options.objectives ?? []), base))
}

/**
 * Plays the run on the workers, then checks every session in the store the
 * workers shared (the `SessionStore` provided, which must be that store).
 *
 * @since 0.1.0 @category constructors
 */
export const run = (options: Options): Effect.Effect<Report.Report, ClusterError, SessionStore.SessionStore> =>
  Effect.gen(function*() {
    const store = yield* SessionStore.SessionStore
    const startedAt = Date.now()
    // What the workers did, as the cluster tells it while the run goes on.
    const events = {
      exits: [] as Array<Report.Workers["exits"][number]>,
      takeovers: 0,
      failed: [] as Array<{ readonly at: number; readonly outcome: Recorder.Outcome }>,
      interrupted: false
    }
    const result = yield* Effect.scoped(Effect.gen(function*() {
      const cluster = yield* Cluster.start({
        app: options.app,
        store: options.store,
        sessions: options.sessions,
        workers: options.workers,
        onEvent: (event) => {
          if (event._tag === "WorkerExited" && event.slot >= 0) {
            const { code, pid, signal, slot } = event
            events.exits.push({ slot, pid, atMs: event.at - startedAt, code, signal })
          }
          if (event._tag === "WorkerReady" && event.takeover) events.takeovers++
          if (event._tag === "GaveUp") events.failed.push({ at: event.at, outcome: event.gaveUp.outcome ?? "error" })
        },
        ...(options.concurrency === undefined ? {} : { concurrency: Math.ceil(options.concurrency / options.workers) })
      })
      const onProgress = options.onProgress
      if (onProgress !== undefined) {
        let last = { at: startedAt, turns: 0 }
        const tick = Effect.suspend(() => {
          const { acked, total } = cluster.progress()
          const sofar = cluster.result()
          const now = Date.now()
          const progress: Progress = {
            elapsedMs: now - startedAt,
            sessionsTotal: options.sessions,
            turnsTotal: total,
            durationMs: null,
            sessionsStarted: options.sessions,
            sessionsCompleted: sofar.sessions.filter((session) =>
              session.acks.filter((ack) => ack !== undefined).length >= session.turns.length
            ).length,
            turns: acked,
            failedTurns: events.failed.length,
            handoffs: sofar.acks.reduce((sum, ack) => sum + ack.handoffs.filter((handoff) => handoff.success).length, 0),
            contextViolations: sofar.acks.reduce(
              (sum, ack) => sum + ack.handoffs.filter((handoff) => !handoff.contextPreserved).length,
              0
            ),
            recentTurnsPerSecond: ((acked - last.turns) * 1000) / Math.max(1, now - last.at)
          }
          last = { at: now, turns: acked }
          return onProgress(progress)
        })
        yield* Effect.forkScoped(
          Effect.forever(Effect.zipRight(Effect.sleep(options.progressIntervalMs ?? 1000), tick))
        )
      }
      if (options.stop !== undefined) {
        yield* Effect.forkScoped(Effect.zipRight(
          options.stop,
          Effect.suspend(() => {
            events.interrupted = true
            return cluster.halt
          })
        ))
      }
      yield* cluster.finished
      return cluster.result()
    }))
    return report(result, yield* lostSessions(store, result, events.interrupted), options, events)
  })
