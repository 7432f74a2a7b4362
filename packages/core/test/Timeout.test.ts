import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as TestClock from "effect/TestClock"
import * as Timeout from "../src/Timeout.js"
import { after, ofTag, scripted, withEvents } from "./policyKit.js"

/** A call that takes `ms`. */
const taking = (ms: number) => Effect.as(Effect.sleep(ms), ms)

describe("Timeout", () => {
  it.effect("a call past its deadline is interrupted and fails with PolicyTimeout", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const timeout = yield* Timeout.fixed({ service: "hotels", timeoutMs: 1_000 })
        const { call, state } = scripted([5_000])
        const fiber = yield* Effect.fork(Effect.flip(timeout(call)))
        yield* TestClock.adjust(999)
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust(1)
        const error = yield* Fiber.join(fiber)
        expect(error).toMatchObject({ _tag: "PolicyTimeout", service: "hotels", timeoutMs: 1_000, adaptive: false })
        expect(error.message).toBe(`Service "hotels" did not answer within 1.0 s`)
        expect(state.interrupted).toBe(1)
        expect(ofTag(events, "PolicyTimedOut")).toEqual([
          { _tag: "PolicyTimedOut", at: 1_000, service: "hotels", timeoutMs: 1_000 }
        ])
      })
    ))

  it.effect("a call within its deadline succeeds and its timer is cancelled", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const timeout = yield* Timeout.fixed({ service: "hotels", timeoutMs: 1_000 })
        expect(yield* after(400, timeout(taking(400)))).toBe(400)
        yield* TestClock.adjust(5_000)
        expect(ofTag(events, "PolicyTimedOut")).toEqual([])
      })
    ))

  it.effect("a call that completes without suspending needs no timer", () =>
    Effect.gen(function*() {
      const timeout = yield* Timeout.fixed({ service: "hotels", timeoutMs: 1_000 })
      expect(yield* timeout(Effect.sync(() => "now"))).toBe("now")
      expect(yield* timeout(Effect.succeed("value"))).toBe("value")
      expect(yield* Effect.flip(timeout(Effect.fail("nope")))).toBe("nope")
      expect(yield* TestClock.sleeps()).toHaveLength(0)
    }))

  it.effect("the call sees the caller's fiber refs and services", () =>
    Effect.gen(function*() {
      const timeout = yield* Timeout.fixed({ service: "hotels", timeoutMs: 1_000 })
      const ref = FiberRef.unsafeMake("outside")
      const seen = yield* Effect.locally(timeout(Effect.zipRight(Effect.sleep(10), FiberRef.get(ref))), ref, "inside")
        .pipe((call) => after(10, call))
      expect(seen).toBe("inside")
    }))

  it.effect("interrupting the caller interrupts the call", () =>
    Effect.gen(function*() {
      const timeout = yield* Timeout.fixed({ service: "hotels", timeoutMs: 10_000 })
      const { call, state } = scripted([5_000])
      const fiber = yield* Effect.fork(timeout(call))
      yield* TestClock.adjust(100)
      yield* Fiber.interrupt(fiber)
      expect(state.interrupted).toBe(1)
    }))

  it.effect("an adaptive timeout follows the latency within its floor and ceiling", () =>
    Effect.gen(function*() {
      const timeout = yield* Timeout.adaptive({
        service: "flights",
        floorMs: 50,
        ceilingMs: 2_000,
        percentile: 0.9,
        factor: 2,
        window: 20,
        minSamples: 10
      })
      // A call taking `ms`, cut short when the timeout is shorter.
      const observe = (ms: number, calls: number) =>
        Effect.forEach(Array.from({ length: calls }), () => after(ms, Effect.either(timeout(taking(ms)))), {
          discard: true
        })

      expect(yield* timeout.current).toBe(2_000) // the ceiling until ten calls were seen
      yield* observe(300, 20)
      expect(yield* timeout.current).toBe(600) // 2 × p90
      yield* observe(10, 20)
      expect(yield* timeout.current).toBe(50) // 2 × 10 ms, raised to the floor
      const seen: Array<number> = []
      for (let i = 0; i < 30; i++) {
        yield* observe(1_500, 1)
        seen.push(yield* timeout.current)
      }
      expect(seen.every((ms, i) => ms >= 50 && ms <= 2_000 && ms >= (seen[i - 1] ?? 0))).toBe(true)
      expect(seen.at(-1)).toBe(2_000) // 2 × 1.5 s, capped by the ceiling
    }))

  it.effect("an adaptive timeout grows when calls time out", () =>
    Effect.gen(function*() {
      const timeout = yield* Timeout.adaptive({
        service: "flights",
        floorMs: 100,
        ceilingMs: 10_000,
        percentile: 0.99,
        factor: 2,
        window: 10,
        minSamples: 1,
        initialMs: 100
      })
      const current: Array<number> = []
      for (let i = 0; i < 4; i++) {
        const ms = yield* timeout.current
        current.push(ms)
        const error = yield* after(ms, Effect.flip(timeout(taking(60_000))))
        expect(error._tag).toBe("PolicyTimeout")
      }
      expect(current).toEqual([100, 200, 400, 800])
    }))

  it("toToolTimeout names the tool", () => {
    const error = new Timeout.PolicyTimeout({ service: "maps", timeoutMs: 250, adaptive: true })
    expect(error.message).toBe(`Service "maps" did not answer within 250 ms (adaptive timeout, from its recent latency)`)
    expect(Timeout.toToolTimeout(error, "route").message).toBe("maps.route did not answer within 250 ms")
  })
})
