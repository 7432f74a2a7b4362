import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Fallback from "../src/Fallback.js"
import * as HealthScore from "../src/HealthScore.js"
import * as Policy from "../src/Policy.js"
import * as ResiliencePolicy from "../src/ResiliencePolicy.js"
import { ofTag, scripted, transportClosed, withEvents } from "./policyKit.js"

const retry = { maxRetries: 3, baseDelayMs: 100, factor: 2, jitter: false }

describe("ResiliencePolicy", () => {
  it.effect("decodes its configuration and refuses an invalid one", () =>
    Effect.gen(function*() {
      const policy = yield* ResiliencePolicy.fromConfig("flights", {
        timeoutMs: 2_000,
        retry: { maxRetries: 2 },
        breaker: { trip: [{ _tag: "ConsecutiveFailures", threshold: 5 }], openMs: 1_000 },
        bulkhead: { maxConcurrent: 4 }
      })
      expect(Object.keys(policy.parts).sort()).toEqual(["breaker", "bulkhead", "retry", "timeout"])
      expect(yield* policy(Effect.succeed("ok"))).toBe("ok")
      const invalid = yield* Effect.flip(ResiliencePolicy.fromConfig("flights", { bulkhead: { maxConcurrent: 0 } }))
      expect(invalid._tag).toBe("ParseError")
    }))

  it.effect("the breaker counts every retry attempt, and an open breaker stops the retries", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const policy = yield* ResiliencePolicy.make({
          service: "flights",
          config: { retry, breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 3 }, openMs: 60_000 } }
        })
        const { call, state } = scripted([transportClosed])
        const fiber = yield* Effect.fork(Effect.flip(policy(call)))
        yield* TestClock.adjust(100 + 200 + 400)
        const error = yield* Fiber.join(fiber)
        // Attempts 1-3 fail and trip the breaker; the 4th is refused without a call.
        expect(state.calls).toBe(3)
        expect(error).toMatchObject({ _tag: "BreakerOpen", reason: "3 consecutive failures" })
        expect(ofTag(events, "RetryGaveUp").map((e) => [e.reason, e.retries])).toEqual([["not-retryable", 3]])
        expect(Policy.isPolicyError(error)).toBe(true)
      })
    ))

  it.effect("the timeout applies to each attempt, not to the whole call", () =>
    Effect.gen(function*() {
      const policy = yield* ResiliencePolicy.make({ service: "flights", config: { timeoutMs: 1_000, retry } })
      const { call, state } = scripted([5_000, 5_000, 300])
      const fiber = yield* Effect.fork(policy(call))
      yield* TestClock.adjust(1_000) // attempt 1 times out
      expect(state).toEqual({ calls: 1, interrupted: 1 })
      yield* TestClock.adjust(100 + 1_000) // backoff, attempt 2 times out
      expect(state).toEqual({ calls: 2, interrupted: 2 })
      yield* TestClock.adjust(200 + 300) // backoff, attempt 3 answers in 300 ms
      expect(yield* Fiber.join(fiber)).toBe(3)
    }))

  it.effect("the bulkhead holds the call's slot through its retries", () =>
    Effect.gen(function*() {
      const policy = yield* ResiliencePolicy.make({
        service: "flights",
        config: { retry, bulkhead: { maxConcurrent: 1 } }
      })
      const fiber = yield* Effect.fork(policy(scripted([transportClosed, "ok"]).call))
      yield* Effect.yieldNow()
      const refused = yield* Effect.flip(policy(Effect.succeed("second")))
      expect(refused._tag).toBe("BulkheadRejected") // the first call is waiting to retry
      yield* TestClock.adjust(100)
      expect(yield* Fiber.join(fiber)).toBe(2)
      expect(yield* policy(Effect.succeed("second"))).toBe("second")
    }))

  it.effect("a fallback outside the stack answers for the stack's refusals", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const policy = yield* ResiliencePolicy.make({
          service: "weather",
          config: { breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 1 } } }
        })
        const cached = Fallback.make({
          service: "weather",
          when: (error: unknown) => Policy.isPolicyError(error),
          fallback: () => Effect.succeed("yesterday's forecast")
        })
        yield* Effect.either(cached(policy(Effect.fail(transportClosed))))
        expect(yield* cached(policy(Effect.succeed("today's forecast")))).toBe("yesterday's forecast")
        expect(ofTag(events, "FallbackUsed")).toHaveLength(1)
      })
    ))

  it.effect("hedging is only for calls marked idempotent", () =>
    Effect.gen(function*() {
      const policy = yield* ResiliencePolicy.make({ service: "weather", config: { hedge: { delayMs: 100 } } })
      const plain = scripted([1_000, 50])
      const hedged = scripted([1_000, 50])
      const fibers = [yield* Effect.fork(policy(plain.call)), yield* Effect.fork(policy.idempotent(hedged.call))]
      yield* TestClock.adjust(150)
      expect(yield* Fiber.join(fibers[1]!)).toBe(2)
      expect(plain.state.calls).toBe(1)
      yield* TestClock.adjust(850)
      expect(yield* Fiber.join(fibers[0]!)).toBe(1)
    }))

  it.effect("with a health tracker, each attempt feeds the service's score, timeouts included", () =>
    Effect.gen(function*() {
      const health = yield* HealthScore.make({ alpha: 0.5 })
      const policy = yield* ResiliencePolicy.make({
        service: "maps",
        config: { timeoutMs: 100, retry: { ...retry, maxRetries: 1 } },
        health
      })
      const fiber = yield* Effect.fork(Effect.either(policy(scripted([5_000]).call)))
      yield* TestClock.adjust(100 + 100 + 100)
      yield* Fiber.join(fiber)
      expect(yield* health.score("maps")).toBeLessThanOrEqual(0.25) // two timed-out attempts
    }))
})
