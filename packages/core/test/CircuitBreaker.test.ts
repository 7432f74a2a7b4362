import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as BatonMetrics from "../src/BatonMetrics.js"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import { after, badArguments, ofTag, scripted, transportClosed, withEvents } from "./policyKit.js"

const failures = (n: number) => Array.from({ length: n }, () => transportClosed)

/** Runs `call` through `breaker` `n` times, keeping every outcome. */
const callTimes = <A, E>(breaker: CircuitBreaker.CircuitBreaker, call: Effect.Effect<A, E>, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Effect.either(breaker(call)))

describe("CircuitBreaker", () => {
  it.effect("consecutive failures trip it, and an open breaker refuses calls without making them", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.consecutiveFailures(3),
        openDuration: Schedule.spaced("10 seconds")
      })
      const { call, state } = scripted([transportClosed, transportClosed, "ok", ...failures(3), "ok"])
      yield* callTimes(breaker, call, 3)
      expect(yield* breaker.state).toBe("closed") // a success in between resets the count
      yield* callTimes(breaker, call, 3)
      expect(yield* breaker.state).toBe("open")

      yield* TestClock.adjust("4 seconds")
      const refused = yield* Effect.flip(breaker(call))
      expect(state.calls).toBe(6)
      expect(refused._tag).toBe("BreakerOpen")
      if (refused._tag !== "BreakerOpen") return
      expect(refused.retryAfterMs).toBe(6_000)
      expect(refused.message).toBe(
        `Service "flights" is unavailable: its circuit breaker opened after 3 consecutive failures. Calls resume in 6.0 s.`
      )
    }))

  it.effect("a count window trips on N failures among the last M calls", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.countWindow({ size: 5, failures: 3 })
      })
      // ok, fail, ok, fail, ok, ok, fail: never 3 failures within 5 calls.
      const { call } = scripted(["ok", transportClosed, "ok", transportClosed, "ok", "ok", transportClosed, transportClosed])
      yield* callTimes(breaker, call, 7)
      expect(yield* breaker.state).toBe("closed")
      // The 8th call makes fail, ok, ok, fail, fail: 3 of the last 5.
      yield* callTimes(breaker, call, 1)
      expect(yield* breaker.state).toBe("open")
    }))

  it.effect("a time window waits for its minimum throughput and forgets old calls", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.timeWindow({ windowMs: 10_000, failureRate: 0.5, minimumThroughput: 6 })
      })
      const failing = scripted([transportClosed]).call
      const working = scripted(["ok"]).call
      yield* callTimes(breaker, failing, 5)
      expect(yield* breaker.state).toBe("closed") // 100% failures, but only 5 calls

      yield* TestClock.adjust("11 seconds") // those five fall out of the window
      yield* callTimes(breaker, working, 3)
      yield* callTimes(breaker, failing, 2)
      expect(yield* breaker.state).toBe("closed") // 2 of 5
      yield* callTimes(breaker, failing, 1)
      expect(yield* breaker.state).toBe("open") // 3 of 6 = 50%
      const refused = yield* Effect.flip(breaker(working))
      expect(refused._tag === "BreakerOpen" && refused.reason).toBe("50% of 6 calls failed in 10 s")
    }))

  it.effect("a slow-call rate trips it even when the slow calls succeed", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.slowCallRate({ windowMs: 60_000, slowCallMs: 1_000, rate: 0.5, minimumThroughput: 4 })
      })
      const fast = scripted([10]).call
      const slow = scripted([1_500]).call
      for (const [call, ms] of [[fast, 10], [slow, 1_500], [fast, 10]] as const) yield* after(ms, breaker(call))
      expect(yield* breaker.state).toBe("closed")
      yield* after(1_500, breaker(slow))
      expect(yield* breaker.state).toBe("open") // 2 of 4 took 1 s or more
    }))

  it.effect("half-open lets N probes through and closes on the success threshold", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.consecutiveFailures(1),
        halfOpen: { probes: 2, successThreshold: 2 },
        openDuration: Schedule.spaced("5 seconds")
      })
      yield* Effect.either(breaker(Effect.fail(transportClosed)))
      yield* TestClock.adjust("5 seconds")

      const probe = scripted([100, 200]).call
      const first = yield* Effect.fork(breaker(probe))
      const second = yield* Effect.fork(breaker(probe))
      yield* Effect.yieldNow()
      expect(yield* breaker.state).toBe("half-open")
      const third = yield* Effect.flip(breaker(probe))
      expect(third._tag === "BreakerOpen" && third.state).toBe("half-open")

      yield* TestClock.adjust(100)
      yield* Fiber.join(first)
      expect(yield* breaker.state).toBe("half-open") // one success of two needed
      yield* TestClock.adjust(100)
      yield* Fiber.join(second)
      expect(yield* breaker.state).toBe("closed")
    }))

  it.effect("a failed probe opens it again, for longer each time, and closing resets the backoff", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        service: "flights",
        trip: CircuitBreaker.consecutiveFailures(1),
        openDuration: CircuitBreaker.openBackoff({ initialMs: 1_000, factor: 2, maxMs: 4_000 })
      })
      const failing = Effect.fail(transportClosed)
      const retryAfter = Effect.map(Effect.either(breaker(Effect.void)), (e) => e._tag === "Left" ? e.left.retryAfterMs : -1)

      yield* Effect.either(breaker(failing))
      const waits = [yield* retryAfter]
      for (const wait of [1_000, 2_000, 4_000]) {
        yield* TestClock.adjust(wait)
        yield* Effect.either(breaker(failing)) // the probe fails
        waits.push(yield* retryAfter)
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 4_000])

      yield* TestClock.adjust(4_000)
      yield* breaker(Effect.void) // the probe succeeds
      expect(yield* breaker.state).toBe("closed")
      yield* TestClock.adjust(500)
      yield* Effect.either(breaker(failing))
      expect(yield* retryAfter).toBe(1_000)
    }))

  it.effect("every transition publishes an event and updates the metrics", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          service: "weather",
          trip: CircuitBreaker.consecutiveFailures(2),
          openDuration: Schedule.spaced("1 second")
        })
        const transitions = BatonMetrics.breakerTransitions.pipe(
          Metric.tagged("service", "weather"),
          Metric.tagged("from", "closed"),
          Metric.tagged("to", "open")
        )
        const before = (yield* Metric.value(transitions)).count
        yield* Effect.either(breaker(Effect.fail(transportClosed)))
        yield* Effect.either(breaker(Effect.fail(transportClosed)))
        yield* TestClock.adjust("1 second")
        yield* Effect.either(breaker(Effect.fail(transportClosed)))
        yield* TestClock.adjust("1 second")
        yield* breaker(Effect.void)

        expect(ofTag(events, "BreakerTransition").map(({ from, reason, to }) => [from, to, reason])).toEqual([
          ["closed", "open", "2 consecutive failures"],
          ["open", "half-open", "open for 1.0 s; letting 1 probe call through"],
          ["half-open", "open", "a probe call failed (Connection to service \"flights\" closed: socket hang up)"],
          ["open", "half-open", "open for 1.0 s; letting 1 probe call through"],
          ["half-open", "closed", "1 of 1 probe calls succeeded"]
        ])
        expect(ofTag(events, "BreakerTransition").map((e) => e.at)).toEqual([0, 1_000, 1_000, 2_000, 2_000])
        expect((yield* Metric.value(transitions)).count - before).toBe(1)
        const gauge = BatonMetrics.breakerState.pipe(Metric.tagged("service", "weather"))
        expect((yield* Metric.value(gauge)).value).toBe(0)
      })
    ))

  it.effect("the caller's mistakes and interruptions do not count as failures", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ service: "flights", trip: CircuitBreaker.consecutiveFailures(2) })
      yield* callTimes(breaker, Effect.fail(badArguments), 5)
      yield* Fiber.interrupt(yield* Effect.fork(breaker(Effect.never)))
      yield* Fiber.interrupt(yield* Effect.fork(breaker(Effect.never)))
      yield* Effect.either(breaker(Effect.fail(transportClosed)))
      expect(yield* breaker.state).toBe("closed")
      yield* Effect.exit(breaker(Effect.die("boom")))
      expect(yield* breaker.state).toBe("open") // defects count
    }))

  it.effect("a snapshot survives encoding and restores the state, the windows and the backoff", () =>
    Effect.gen(function*() {
      const options = {
        service: "payments",
        trip: [CircuitBreaker.consecutiveFailures(3), CircuitBreaker.countWindow({ size: 10, failures: 4 })],
        openDuration: CircuitBreaker.openBackoff({ initialMs: 1_000, factor: 2, maxMs: 60_000 })
      }
      const original = yield* CircuitBreaker.make(options)
      yield* callTimes(original, Effect.fail(transportClosed), 2)
      const closed = yield* original.snapshot
      expect(closed.trip).toEqual([
        { _tag: "ConsecutiveFailures", failures: 2 },
        { _tag: "CountWindow", outcomes: [true, true] }
      ])

      const json = JSON.stringify(Schema.encodeSync(CircuitBreaker.Snapshot)(closed))
      const restored = yield* CircuitBreaker.make({
        ...options,
        initial: Schema.decodeUnknownSync(CircuitBreaker.Snapshot)(JSON.parse(json))
      })
      yield* Effect.either(restored(Effect.fail(transportClosed)))
      expect(yield* restored.state).toBe("open") // the third consecutive failure

      // An open breaker with two openings behind it reopens for 4 s after a failed probe.
      yield* TestClock.adjust(1_000)
      yield* Effect.either(restored(Effect.fail(transportClosed)))
      const twice = yield* restored.snapshot
      expect(twice).toMatchObject({ state: "open", openings: 2, openUntil: 3_000 })
      const copy = yield* CircuitBreaker.make({ ...options, initial: twice })
      const refused = yield* Effect.flip(copy(Effect.void))
      expect(refused._tag === "BreakerOpen" && refused.retryAfterMs).toBe(2_000)
      yield* TestClock.adjust(2_000)
      yield* Effect.either(copy(Effect.fail(transportClosed)))
      expect((yield* copy.snapshot).openUntil - 3_000).toBe(4_000)
    }))
})
