import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../src/RateLimiter.js"
import { ofTag, scripted, withEvents } from "./policyKit.js"

describe("RateLimiter", () => {
  it.effect("lets a burst through, then refuses with the time until the next token", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.make({ service: "maps", limit: 2, intervalMs: 1_000 })
        const { call, state } = scripted(["ok"])
        yield* limiter(call)
        yield* limiter(call)
        const refused = yield* Effect.flip(limiter(call))
        expect(refused).toMatchObject({ _tag: "RateLimited", service: "maps", retryAfterMs: 500 })
        expect(refused.message).toBe(`Calls to service "maps" are limited to 2 per 1.0 s; try again in 500 ms.`)
        expect(state.calls).toBe(2)
        expect(ofTag(events, "RateLimited")).toEqual([{ _tag: "RateLimited", at: 0, service: "maps", retryAfterMs: 500 }])

        yield* TestClock.adjust(499)
        expect((yield* Effect.flip(limiter(call))).retryAfterMs).toBe(1)
        yield* TestClock.adjust(1)
        yield* limiter(call)
        expect(state.calls).toBe(3)
      })
    ))

  it.effect("refills at the configured rate up to the burst", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make({ service: "maps", limit: 10, intervalMs: 1_000, burst: 3 })
      yield* TestClock.adjust("1 minute")
      expect(yield* limiter.available).toBe(3)
      yield* Effect.forEach([1, 2, 3], () => limiter(Effect.void))
      expect(yield* limiter.available).toBe(0)
      yield* TestClock.adjust(200)
      expect(yield* limiter.available).toBe(2)
    }))
})
