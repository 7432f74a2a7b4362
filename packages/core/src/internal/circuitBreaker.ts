import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import type { BreakerState } from "../BatonEvent.js"
import * as BatonMetrics from "../BatonMetrics.js"
import type { CircuitBreaker, Options, Snapshot } from "../CircuitBreaker.js"
import { BreakerOpen, consecutiveFailures, openBackoff } from "../CircuitBreaker.js"
import * as EventBus from "../EventBus.js"
import * as Trip from "./breakerTrip.js"
import { FAULT, IGNORED, isServiceFault, outcomeOfCause } from "./classify.js"
import { describeCause, formatMs, perService } from "./policy.js"
import { guard, isExit, runStep } from "./step.js"

const CLOSED = 0
const OPEN = 1
const HALF_OPEN = 2
type State = typeof CLOSED | typeof OPEN | typeof HALF_OPEN

const names: ReadonlyArray<BreakerState> = ["closed", "open", "half-open"]
const gaugeValues: ReadonlyArray<number> = [0, 1, 0.5]
const stateOf = (name: BreakerState): State => name === "closed" ? CLOSED : name === "open" ? OPEN : HALF_OPEN

/** @internal */
export const make = (options: Options): Effect.Effect<CircuitBreaker> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const { service } = options
    const strategies = options.trip === undefined
      ? [consecutiveFailures(5)]
      : Array.isArray(options.trip)
      ? options.trip
      : [options.trip as Exclude<Options["trip"], ReadonlyArray<unknown> | undefined>]
    const trackers = strategies.map(Trip.make)
    const timed = trackers.some((tracker) => tracker.timed)
    const slowProbeMs = strategies.reduce(
      (min, s) => s._tag === "SlowCallRate" ? Math.min(min, s.slowCallMs) : min,
      Infinity
    )
    const probes = Math.max(1, options.halfOpen?.probes ?? 1)
    const successThreshold = Math.min(probes, Math.max(1, options.halfOpen?.successThreshold ?? probes))
    const schedule = options.openDuration ?? openBackoff()
    const isFault = options.isFailure ?? isServiceFault
    const rejections = Metric.tagged(perService(BatonMetrics.policyRejections, service), "policy", "breaker")
    const stateGauge = Metric.tagged(BatonMetrics.breakerState, "service", service)
    const transitions = perService(BatonMetrics.breakerTransitions, service)

    // The whole state. Every change happens synchronously, between yields.
    let state: State = CLOSED
    /** Bumped at each transition, so outcomes of calls from an earlier state are dropped. */
    let generation = 0
    let reason = ""
    let openings = 0
    let openedAt = 0
    let openUntil = 0
    let lastOpenMs = 0
    let scheduleState: unknown = schedule.initial
    let admitted = 0
    let successes = 0
    let failures = 0

    const announce = (from: State, to: State, why: string, now: number): Effect.Effect<void> =>
      Effect.zipRight(
        Effect.zipRight(
          Metric.set(stateGauge, gaugeValues[to]!),
          Metric.increment(Metric.tagged(Metric.tagged(transitions, "from", names[from]!), "to", names[to]!))
        ),
        EventBus.publish({ _tag: "BreakerTransition", at: now, service, from: names[from]!, to: names[to]!, reason: why })
      )

    const resetTrackers = () => {
      for (const tracker of trackers) tracker.reset()
    }

    const open = (from: State, why: string, now: number): Effect.Effect<void> => {
      state = OPEN
      const opened = ++generation
      reason = why
      openings++
      openedAt = now
      openUntil = now + lastOpenMs
      resetTrackers()
      return Effect.flatMap(schedule.step(now, openings, scheduleState), ([next, , decision]) => {
        if (ScheduleDecision.isContinue(decision)) {
          scheduleState = next
          lastOpenMs = Math.max(0, Intervals.start(decision.intervals) - now)
        }
        if (generation === opened) openUntil = now + lastOpenMs
        return announce(from, OPEN, why, now)
      })
    }

    const toHalfOpen = (now: number): Effect.Effect<void> => {
      state = HALF_OPEN
      generation++
      admitted = successes = failures = 0
      return announce(
        OPEN,
        HALF_OPEN,
        `open for ${formatMs(now - openedAt)}; letting ${probes} probe call${probes === 1 ? "" : "s"} through`,
        now
      )
    }

    const close = (now: number): Effect.Effect<void> => {
      state = CLOSED
      generation++
      openings = 0
      scheduleState = schedule.initial
      resetTrackers()
      return announce(HALF_OPEN, CLOSED, `${successes} of ${admitted} probe calls succeeded`, now)
    }

    const reject = (now: number) =>
      Effect.zipRight(
        Metric.increment(rejections),
        Effect.fail(
          new BreakerOpen({
            service,
            state: state === OPEN ? "open" : "half-open",
            reason,
            retryAfterMs: state === OPEN ? Math.max(0, openUntil - now) : 0
          })
        )
      )

    /** Records a closed-state outcome; returns the transition when it trips. */
    const recordClosed = (fault: boolean, start: number): Effect.Effect<void> | undefined => {
      if (state !== CLOSED) return undefined
      const now = timed ? clock.unsafeCurrentTimeMillis() : 0
      for (const tracker of trackers) {
        const why = tracker.record(fault, now, now - start)
        if (why !== undefined) return open(CLOSED, why, timed ? now : clock.unsafeCurrentTimeMillis())
      }
      return undefined
    }

    const closedFailure = (cause: Cause.Cause<unknown>, start: number): Effect.Effect<never, unknown> => {
      if (outcomeOfCause(cause, isFault) === IGNORED) return Effect.failCause(cause)
      const tripped = recordClosed(true, start)
      return tripped === undefined ? Effect.failCause(cause) : Effect.zipRight(tripped, Effect.failCause(cause))
    }

    // Made once: without a timed strategy, waiting for a call allocates no handler.
    const untimedClosed = {
      onSuccess: (value: unknown) => {
        recordClosed(false, 0)
        return Effect.succeed(value)
      },
      onFailure: (cause: Cause.Cause<unknown>) => closedFailure(cause, 0)
    }

    const timedClosed = <A, E, R>(self: Effect.Effect<A, E, R>, start: number) =>
      Effect.matchCauseEffect(self, {
        onSuccess: (value) => {
          const tripped = recordClosed(false, start)
          return tripped === undefined ? Effect.succeed(value) : Effect.as(tripped, value)
        },
        onFailure: (cause) => closedFailure(cause, start) as Effect.Effect<never, E>
      })

    /** The outcome of a call that completed during its step. */
    const closedExit = <A, E>(exit: Exit.Exit<A, E>, start: number): Effect.Effect<A, E> => {
      const tripped = Exit.isSuccess(exit)
        ? recordClosed(false, start)
        : outcomeOfCause(exit.cause, isFault) === FAULT
        ? recordClosed(true, start)
        : undefined
      return tripped === undefined ? exit : Effect.zipRight(tripped, exit)
    }

    const settleProbe = (probeGeneration: number, start: number, exit: Exit.Exit<unknown, unknown>) => {
      if (probeGeneration !== generation) return Effect.void
      const now = clock.unsafeCurrentTimeMillis()
      let outcome = Exit.isSuccess(exit) ? 0 : outcomeOfCause(exit.cause, isFault)
      let why = Exit.isSuccess(exit) ? "" : describeCause(exit.cause)
      if (outcome === 0 && now - start >= slowProbeMs) {
        outcome = FAULT
        why = `took ${formatMs(now - start)}`
      }
      if (outcome === IGNORED) {
        admitted--
        return Effect.void
      }
      if (outcome === 0) return ++successes >= successThreshold ? close(now) : Effect.void
      return ++failures > probes - successThreshold ? open(HALF_OPEN, `a probe call failed (${why})`, now) : Effect.void
    }

    const notClosed = <A, E, R>(
      self: Effect.Effect<A, E, R>,
      fiber: Fiber.RuntimeFiber<unknown, unknown>,
      runtimeFlags: RuntimeFlags.RuntimeFlags
    ): Effect.Effect<A, E | BreakerOpen, R> => {
      const now = clock.unsafeCurrentTimeMillis()
      let entered: Effect.Effect<void> | undefined
      if (state === OPEN) {
        if (now < openUntil) return reject(now)
        entered = toHalfOpen(now)
      }
      if (admitted >= probes) return reject(now)
      admitted++
      const probeGeneration = generation
      const result = runStep(self, fiber, runtimeFlags)
      const probe = isExit(result)
        ? Effect.zipRight(settleProbe(probeGeneration, now, result), result)
        : Effect.onExit(result, (exit) => settleProbe(probeGeneration, now, exit))
      return entered === undefined ? probe : Effect.zipRight(entered, probe)
    }

    const policy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | BreakerOpen, R> =>
      guard<A, E | BreakerOpen, R>((fiber, runtimeFlags) => {
        if (state !== CLOSED) return notClosed(self, fiber, runtimeFlags)
        const start = timed ? clock.unsafeCurrentTimeMillis() : 0
        const result = runStep(self, fiber, runtimeFlags)
        if (isExit(result)) return closedExit(result, start)
        return timed
          ? timedClosed(result, start)
          : Effect.matchCauseEffect(result, untimedClosed as unknown as {
            readonly onSuccess: (value: A) => Effect.Effect<A>
            readonly onFailure: (cause: Cause.Cause<E>) => Effect.Effect<never, E>
          })
      })

    const snapshot = Effect.sync((): Snapshot => ({
      schemaVersion: 1,
      service,
      state: names[state]!,
      reason,
      openings,
      openedAt,
      openUntil,
      probes: { successes, failures },
      trip: trackers.map((tracker) => tracker.snapshot())
    }))

    const restore = (stored: Snapshot): Effect.Effect<void> =>
      Effect.gen(function*() {
        generation++
        state = stateOf(stored.state)
        reason = stored.reason
        openings = stored.openings
        openedAt = stored.openedAt
        openUntil = stored.openUntil
        successes = stored.probes.successes
        failures = stored.probes.failures
        admitted = successes + failures
        trackers.forEach((tracker, i) => {
          const tripState = stored.trip[i]
          tracker.reset()
          // A strategy changed since the snapshot starts afresh.
          if (tripState?._tag === tracker.tag) tracker.restore(tripState)
        })
        // Replay the open-duration schedule to the same opening.
        scheduleState = schedule.initial
        const now = clock.unsafeCurrentTimeMillis()
        for (let opening = 1; opening <= openings; opening++) {
          const [next, , decision] = yield* schedule.step(now, opening, scheduleState)
          if (ScheduleDecision.isDone(decision)) break
          scheduleState = next
          lastOpenMs = Math.max(0, Intervals.start(decision.intervals) - now)
        }
        yield* Metric.set(stateGauge, gaugeValues[state]!)
      })

    yield* Metric.set(stateGauge, 0)
    if (options.initial !== undefined) yield* restore(options.initial)

    return Object.assign(policy, {
      service,
      state: Effect.sync(() => names[state]!),
      snapshot,
      restore
    })
  })
