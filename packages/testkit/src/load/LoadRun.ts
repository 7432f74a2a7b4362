/**
 * The load engine: virtual users, each with its own session, play the
 * app's demo conversation (for TripSage: route → handoff → parallel search
 * → booking saga), or the variant of it the app's `loadScenario` gives each
 * user (TripSage's users travel on other dates), through the app's
 * `Conversation`, at most `concurrency`
 * at a time, for a number of sessions or a duration, with a ramp-up, an
 * optional fault profile injected through the app's `BatonApp.FaultInjector`,
 * and a `Recorder` taking every measurement. Afterwards every session is
 * restored from the store and checked against the turns it acknowledged.
 *
 * How measurements are taken:
 *
 * - turns: wall time around `Conversation.turn`, as the user waits for it;
 * - handoffs: each completed handoff's `executionTimeMs` from the turn result;
 * - session restore: the app's store is wrapped, and each `restore` is timed;
 * - tool calls, workflows, retries, fallbacks, breaker transitions: from the
 *   events the gateway, the executor and the policies publish. Each turn runs
 *   with its own `EventBus` that records synchronously (nothing is queued,
 *   so nothing is dropped under load) and remembers what degraded the turn,
 *   which gives the turn's outcome class. An app that builds its own
 *   `EventBus` into its conversation layer hides the events from the run.
 *
 * A session is lost when its restored state lacks a turn it acknowledged
 * (the reply, as stored, at its place in the history) or is older than the
 * last acknowledged version. Scenario turns' own `faults` are not applied:
 * a fault set through the injector holds for every session at once, so the
 * run's profile stands in for them.
 *
 * @since 0.1.0
 */
import {
  type BatonApp,
  BatonApp as App,
  Conversation,
  EventBus,
  Ids,
  Scenario,
  Sensitive,
  SessionStore
} from "@baton/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as MockServices from "../MockServices.js"
import * as Prng from "../Prng.js"
import * as FaultProfile from "./FaultProfile.js"
import * as Recorder from "./Recorder.js"
import * as Report from "./Report.js"
import * as Slo from "./Slo.js"
import * as TurnOutcome from "./TurnOutcome.js"

/**
 * A run that cannot start as asked: no scenario to play, faults for an app
 * that cannot inject them, a service that refuses its faults, bad numbers.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidLoadSetup extends Schema.TaggedError<InvalidLoadSetup>("@baton/testkit/InvalidLoadSetup")(
  "InvalidLoadSetup",
  { reason: Schema.String }
) {
  override get message() {
    return this.reason
  }
}

/**
 * The app's conversation layer failed to build.
 *
 * @since 0.1.0 @category errors
 */
export class AppStartFailed extends Schema.TaggedError<AppStartFailed>("@baton/testkit/AppStartFailed")(
  "AppStartFailed",
  { app: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `the app "${this.app}" failed to start: ${this.reason}`
  }
}

/** @since 0.1.0 @category models */
export interface Progress {
  readonly elapsedMs: number
  /** Sessions to play, or null for a run bounded by its duration only. */
  readonly sessionsTotal: number | null
  /** Turns to play (sessions × turns per session), or null for a run bounded by its duration only. */
  readonly turnsTotal: number | null
  readonly durationMs: number | null
  readonly sessionsStarted: number
  readonly sessionsCompleted: number
  readonly turns: number
  readonly failedTurns: number
  readonly handoffs: number
  readonly contextViolations: number
  /** Turns per second since the previous progress report. */
  readonly recentTurnsPerSecond: number
}

/** @since 0.1.0 @category models */
export interface Options {
  /** Sessions (virtual users) to play; with `durationMs`, at most this many. */
  readonly sessions?: number
  /** Sessions in flight at once. Default: every session (or 100 for a run by duration). */
  readonly concurrency?: number
  /** Start sessions until this much time has passed; sessions in flight finish. */
  readonly durationMs?: number
  /**
   * Turns executing at once, across all sessions. Default: no limit — every
   * session in flight may be in a turn. A bound models a server that admits
   * so many turns at a time, and keeps the runtime from interleaving
   * thousands of turns, whose pauses would otherwise show up inside each
   * one's handoffs. A turn's latency starts when it is admitted: virtual
   * users have no think time, so the wait for admission stands in for it
   * (as the wait for the event loop does without a bound).
   */
  readonly activeTurns?: number
  /** Turns per session, cycling through the scenario. Default: the scenario's turns. */
  readonly turns?: number
  /** Spread the first sessions' starts over this long. Default 0. */
  readonly rampUpMs?: number
  /** Seeds the ramp-up jitter and the fault dice. Default 1. */
  readonly seed?: number
  /** Fault specs by service, injected for the whole run. */
  readonly faults?: FaultProfile.Profile
  /** A latency every service gets (a `FaultProfile.latencySpec`). */
  readonly serviceLatency?: string
  /** The services `serviceLatency` applies to. Default: every testkit mock service. */
  readonly services?: ReadonlyArray<string>
  readonly transport?: BatonApp.Transport
  /** A turn taking longer is stopped and counts as a timeout. Default 30 s. */
  readonly turnTimeoutMs?: number
  /** Judged against the report. */
  readonly objectives?: ReadonlyArray<Slo.Objective>
  /** How the store is described in the report. */
  readonly store?: string
  readonly onProgress?: (progress: Progress) => Effect.Effect<void>
  /** Default 1 s. */
  readonly progressIntervalMs?: number
  /**
   * A full garbage collection (e.g. `globalThis.gc` under `--expose-gc`), for
   * the memory figure; without it the heap is sampled as it is.
   */
  readonly gc?: () => void
  /**
   * Completes when the run is to stop early (a user's Ctrl-C): no session
   * starts and no session starts another turn after it; turns in flight
   * finish, and the report covers what was played and says it was
   * interrupted.
   *
   * @since 0.2.0
   */
  readonly stop?: Effect.Effect<void>
}

const positiveInt = (name: string, value: number | undefined) =>
  value === undefined || (Number.isInteger(value) && value > 0)
    ? Effect.void
    : Effect.fail(new InvalidLoadSetup({ reason: `${name} must be a positive whole number, got ${value}` }))

const nonNegative = (name: string, value: number | undefined) =>
  value === undefined || (Number.isFinite(value) && value >= 0)
    ? Effect.void
    : Effect.fail(new InvalidLoadSetup({ reason: `${name} must be a non-negative number of milliseconds, got ${value}` }))

// FNV-1a: enough to tell a stored reply from a different one.
const digest = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** What a session acknowledged: per acknowledged turn, its reply's place in the history and digest. */
interface Played {
  readonly sessionId: string
  readonly userId: string
  readonly indexes: Array<number>
  readonly digests: Array<number>
  lastVersion: number
}

const heapUsed = (gc: (() => void) | undefined) => {
  gc?.()
  return process.memoryUsage().heapUsed
}

/**
 * Plays the load against `app` over the `SessionStore` in the context and
 * returns the report (SLO verdicts included when `objectives` are given).
 *
 * @since 0.1.0 @category running
 */
export const run = (
  app: BatonApp.BatonApp,
  options: Options = {}
): Effect.Effect<Report.Report, InvalidLoadSetup | AppStartFailed, SessionStore.SessionStore> =>
  Effect.gen(function*() {
    yield* positiveInt("sessions", options.sessions)
    yield* positiveInt("concurrency", options.concurrency)
    yield* positiveInt("turns", options.turns)
    yield* positiveInt("active turns", options.activeTurns)
    yield* nonNegative("duration", options.durationMs)
    yield* nonNegative("ramp-up", options.rampUpMs)
    yield* nonNegative("turn timeout", options.turnTimeoutMs)
    const demo = app.demo
    if (demo === undefined) {
      return yield* new InvalidLoadSetup({ reason: `the app "${app.name}" has no demo scenario to play` })
    }
    const sessionsCap = options.sessions ?? (options.durationMs === undefined ? 100 : Infinity)
    const concurrency = options.concurrency ?? (Number.isFinite(sessionsCap) ? sessionsCap : 100)
    // A scenario may move to other sessions (TripSage's returning traveller);
    // each virtual user replays the turns of the first one in a session of its own.
    const scenarioTurns = Scenario.turnsIn(demo)
    const turnsPerSession = options.turns ?? scenarioTurns.length
    const rampUpMs = options.rampUpMs ?? 0
    const seed = options.seed ?? 1
    const turnTimeout = Duration.millis(options.turnTimeoutMs ?? 30_000)
    const transport = options.transport ?? "in-process"
    const profile = FaultProfile.resolve({
      services: options.serviceLatency === undefined ? [] : options.services ?? MockServices.all.map((s) => s.name),
      faults: options.faults ?? {},
      latency: options.serviceLatency,
      seed
    })

    const store = yield* SessionStore.SessionStore
    // Restores are timed into whichever recorder is current: the recorder
    // starts with the load, after the app (and its services) started.
    let recorder = Recorder.make(Date.now())
    const timedStore: SessionStore.Service = {
      ...store,
      restore: (sessionId, restoreOptions) =>
        Effect.suspend(() => {
          const started = performance.now()
          return Effect.tap(
            store.restore(sessionId, restoreOptions),
            () => Effect.sync(() => Recorder.recordRestore(recorder, performance.now() - started))
          )
        })
    }

    return yield* Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(
        Layer.provide(app.layer({ transport }), Layer.succeed(SessionStore.SessionStore, timedStore))
      ).pipe(Effect.mapError((error) => new AppStartFailed({ app: app.name, reason: describeError(error) })))
      const chat = Context.get(context, Conversation.Conversation)
      const injector = Context.getOption(context, App.FaultInjector)

      const requested = new Set(Object.keys(options.faults ?? {}))
      const injected: Record<string, string> = {}
      if (Object.keys(profile).length > 0) {
        if (Option.isNone(injector)) {
          return yield* new InvalidLoadSetup({
            reason: `the app "${app.name}" provides no BatonApp.FaultInjector, so faults cannot be injected`
          })
        }
        // Every fault is checked with the app's injector (its services, its
        // grammar) before any is set: a spec it would not read is refused
        // here, not found out turn after turn. A service the common latency
        // reaches but the app does not inject into is left alone.
        for (const [service, spec] of Object.entries(profile)) {
          if (!requested.has(service) && !injector.value.services.includes(service)) continue
          const valid = App.validateFault(injector.value, service, spec)
          if (Either.isLeft(valid)) {
            return yield* new InvalidLoadSetup({ reason: `cannot inject faults into "${service}": ${valid.left.reason}` })
          }
        }
        for (const [service, spec] of Object.entries(profile)) {
          if (!requested.has(service) && !injector.value.services.includes(service)) continue
          const set = yield* Effect.either(injector.value.set(service, spec))
          if (set._tag === "Right") {
            injected[service] = spec
            yield* Effect.addFinalizer(() => Effect.ignore(injector.value.clear(service)))
          } else if (requested.has(service)) {
            return yield* new InvalidLoadSetup({ reason: `cannot inject faults into "${service}": ${describeError(set.left)}` })
          }
        }
      }

      let stopping = false
      if (options.stop !== undefined) yield* Effect.forkScoped(Effect.andThen(options.stop, () => void (stopping = true)))

      const heapBefore = heapUsed(options.gc)
      recorder = Recorder.make(Date.now())
      const started = performance.now()
      const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs
      const played: Array<Played> = []
      const runId = Date.now().toString(36)
      const prng = Prng.make(seed)
      let next = 0
      const admit = options.activeTurns === undefined
        ? <A, E, R>(turn: Effect.Effect<A, E, R>) => turn
        : Effect.unsafeMakeSemaphore(options.activeTurns).withPermits(1)

      const playTurn = (session: Played, text: string) =>
        admit(Effect.suspend(() => {
          const observed = TurnOutcome.make()
          const bus = TurnOutcome.bus(observed, (event) => Recorder.recordEvent(recorder, event))
          const turnStarted = performance.now()
          return chat.turn(session.sessionId, session.userId, text).pipe(
            Effect.provideService(EventBus.EventBus, bus),
            Effect.timeout(turnTimeout),
            Effect.exit,
            Effect.map((exit) => {
              const durationMs = performance.now() - turnStarted
              const failed = Exit.isFailure(exit)
              Recorder.recordTurn(recorder, {
                at: Date.now(),
                durationMs,
                outcome: TurnOutcome.outcomeOf(exit, observed),
                failed,
                handoffs: Exit.isSuccess(exit) ? exit.value.handoffs : []
              })
              if (Exit.isSuccess(exit)) {
                const reply = exit.value.messages[exit.value.messages.length - 1]
                if (reply !== undefined) {
                  session.indexes.push(indexOf(reply.id))
                  session.digests.push(digest(Sensitive.redactMessage(reply).content))
                }
                session.lastVersion = exit.value.version
              }
            })
          )
        }))

      const playSession = (index: number) =>
        Effect.gen(function*() {
          const turns = app.loadScenario === undefined ? scenarioTurns : Scenario.turnsIn(app.loadScenario(index))
          const session: Played = {
            sessionId: `load-${runId}-${index}`,
            userId: `load-user-${index}`,
            indexes: [],
            digests: [],
            lastVersion: 0
          }
          played.push(session)
          recorder.sessionsStarted++
          for (let turn = 0; turn < turnsPerSession; turn++) {
            yield* breathe
            if (stopping) return
            yield* playTurn(session, turns[turn % turns.length]!.text)
          }
          recorder.sessionsCompleted++
        })

      const more = () => !stopping && next < sessionsCap && performance.now() < deadline
      const worker = (slot: number) =>
        Effect.gen(function*() {
          if (rampUpMs > 0) yield* Effect.sleep(Duration.millis((rampUpMs * (slot + prng.next())) / concurrency))
          while (more()) yield* playSession(next++)
        })

      let lastTurns = 0
      let lastAt = started
      const progress = (): Progress => {
        const now = performance.now()
        const recent = ((recorder.turns - lastTurns) * 1000) / Math.max(1, now - lastAt)
        lastTurns = recorder.turns
        lastAt = now
        return {
          elapsedMs: now - started,
          sessionsTotal: Number.isFinite(sessionsCap) ? sessionsCap : null,
          turnsTotal: Number.isFinite(sessionsCap) ? sessionsCap * turnsPerSession : null,
          durationMs: options.durationMs ?? null,
          sessionsStarted: recorder.sessionsStarted,
          sessionsCompleted: recorder.sessionsCompleted,
          turns: recorder.turns,
          failedTurns: recorder.failedTurns,
          handoffs: recorder.handoffs,
          contextViolations: recorder.contextViolations,
          recentTurnsPerSecond: recent
        }
      }
      const onProgress = options.onProgress
      const reporter = onProgress === undefined ? undefined : yield* Effect.forkScoped(
        Effect.forever(Effect.zipRight(
          Effect.sleep(Duration.millis(options.progressIntervalMs ?? 1000)),
          Effect.suspend(() => onProgress(progress()))
        ))
      )

      const workers = Number.isFinite(sessionsCap) ? Math.min(concurrency, sessionsCap) : concurrency
      yield* Effect.forEach(Array.from({ length: workers }, (_, slot) => slot), worker, {
        concurrency: "unbounded",
        discard: true
      })
      const wallMs = performance.now() - started
      if (reporter !== undefined) {
        yield* Fiber.interrupt(reporter)
        yield* onProgress!(progress())
      }

      const heapAfter = heapUsed(options.gc)
      const lost = yield* verify(store, played)
      const memory: Report.Memory = {
        heapDeltaBytes: heapAfter - heapBefore,
        perSessionBytes: played.length === 0 ? 0 : (heapAfter - heapBefore) / played.length,
        afterGc: options.gc !== undefined,
        rssBytes: process.memoryUsage().rss
      }
      const report = Report.fromRecorder(recorder, {
        wallMs,
        settings: {
          app: app.name,
          scenario: demo.name,
          sessions: Number.isFinite(sessionsCap) ? sessionsCap : null,
          concurrency: workers,
          activeTurns: options.activeTurns ?? null,
          turnsPerSession,
          durationMs: options.durationMs ?? null,
          rampUpMs,
          seed,
          store: options.store ?? "memory",
          transport,
          faults: injected,
          turnTimeoutMs: Duration.toMillis(turnTimeout)
        },
        lost: lost.slice(0, 20),
        lostCount: lost.length,
        memory,
        interrupted: stopping
      })
      return Report.withVerdicts(report, Slo.evaluate(Slo.withDefaults(options.objectives ?? []), report))
    }))
  })

// In-process services answer through promises, so a busy run could live on
// the microtask queue alone and starve timers (progress, timeouts, injected
// latency) and I/O. Each turn first waits for the event loop's check phase.
const breathe: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const indexOf = (messageId: string) => Number(messageId.slice(messageId.lastIndexOf("#") + 1))

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Every session restored and checked against what it acknowledged; the lost ones. */
const verify = (store: SessionStore.Service, played: ReadonlyArray<Played>) =>
  Effect.map(
    Effect.forEach(played, (session) =>
      store.restore(Ids.sessionId(session.sessionId)).pipe(
        Effect.map((restored): Report.LostSession | undefined => {
          const acknowledged = session.indexes.length
          if (Option.isNone(restored)) {
            return session.lastVersion === 0 ? undefined : { sessionId: session.sessionId, reason: "the session is gone" }
          }
          const state = restored.value
          if (state.version < session.lastVersion) {
            return {
              sessionId: session.sessionId,
              reason: `version ${state.version} is older than the last acknowledged version ${session.lastVersion}`
            }
          }
          for (let i = 0; i < acknowledged; i++) {
            const message = state.context.history[session.indexes[i]!]
            if (message === undefined || digest(message.content) !== session.digests[i]) {
              return {
                sessionId: session.sessionId,
                reason: `the reply of acknowledged turn ${i + 1} (message ${session.indexes[i]}) is ${
                  message === undefined ? "missing" : "different"
                }`
              }
            }
          }
          return undefined
        }),
        Effect.catchAll((error) =>
          Effect.succeed<Report.LostSession | undefined>({ sessionId: session.sessionId, reason: `restore failed: ${error.message}` })
        )
      ), { concurrency: 16 }),
    (results) => results.filter((lost): lost is Report.LostSession => lost !== undefined)
  )
