import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Hedge from "../src/Hedge.js"
import * as RetryBudget from "../src/RetryBudget.js"
import { after, ofTag, scripted, transportClosed, withEvents } from "./policyKit.js"

describe("Hedge", () => {
  it.effect("starts a second attempt after the delay; the first success wins and the loser is interrupted", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const hedge = yield* Hedge.make({ service: "weather", delayMs: 100 })
        const { call, state } = scripted([1_000, 50]) // the first attempt is slow, the second quick
        const fiber = yield* Effect.fork(hedge(call))
        yield* TestClock.adjust(149)
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust(1)
        expect(yield* Fiber.join(fiber)).toBe(2)
        expect(state).toEqual({ calls: 2, interrupted: 1 })
        expect(ofTag(events, "HedgeStarted")).toEqual([{ _tag: "HedgeStarted", at: 100, service: "weather", afterMs: 100 }])
      })
    ))

  it.effect("a quick first attempt is never hedged", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const hedge = yield* Hedge.make({ service: "weather", delayMs: 100 })
        const { call, state } = scripted([40])
        expect(yield* after(40, hedge(call))).toBe(1)
        yield* TestClock.adjust(1_000)
        expect(state.calls).toBe(1)
        expect(ofTag(events, "HedgeStarted")).toEqual([])
      })
    ))

  it.effect("when the first attempt fails, the second may still win", () =>
    Effect.gen(function*() {
      const hedge = yield* Hedge.make({ service: "weather", delayMs: 100 })
      const { call } = scripted([200, 150])
      const failingFirst = Effect.flatMap(call, (n) => n === 1 ? Effect.fail(transportClosed) : Effect.succeed(n))
      expect(yield* after(250, hedge(failingFirst))).toBe(2)
    }))

  it.effect("a spent budget starts no hedge", () =>
    Effect.gen(function*() {
      const budget = yield* RetryBudget.make({ service: "weather", ratio: 0, minRetries: 0 })
      const hedge = yield* Hedge.make({ service: "weather", delayMs: 100, budget })
      const { call, state } = scripted([1_000, 50])
      expect(yield* after(1_000, hedge(call))).toBe(1)
      expect(state.calls).toBe(1)
    }))

  it.effect("the delay follows a percentile of recent latencies", () =>
    Effect.gen(function*() {
      const hedge = yield* Hedge.make({
        service: "weather",
        percentile: 0.5,
        minSamples: 5,
        minDelayMs: 20,
        maxDelayMs: 500
      })
      expect(yield* hedge.delay).toBe(500)
      for (const ms of [30, 40, 50, 60, 70]) yield* after(ms, hedge(Effect.as(Effect.sleep(ms), ms)))
      expect(yield* hedge.delay).toBe(50)
    }))
})
