import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as HealthScore from "../src/HealthScore.js"
import * as ServiceHealth from "../src/ServiceHealth.js"
import { after, badArguments, transportClosed } from "./policyKit.js"

const options = { alpha: 0.5, latencyGoodMs: 100, latencyBadMs: 1_100, latencyWeight: 0.4, recoveryMs: 10_000 }

describe("HealthScore", () => {
  it.effect("starts healthy and falls with errors by the documented formula", () =>
    Effect.gen(function*() {
      const health = yield* HealthScore.make(options)
      expect(yield* health.score("flights")).toBe(1)
      const observed = health.observe("flights")
      yield* Effect.either(observed(Effect.fail(transportClosed)))
      expect(yield* health.score("flights")).toBeCloseTo(0.5) // e = 0.5, fast calls: no latency penalty
      yield* Effect.either(observed(Effect.fail(transportClosed)))
      expect(yield* health.score("flights")).toBeCloseTo(0.25)
      yield* observed(Effect.void)
      expect(yield* health.score("flights")).toBeCloseTo(0.625)
      // The caller's mistakes and interruptions say nothing about the service.
      yield* Effect.either(observed(Effect.fail(badArguments)))
      expect(yield* health.score("flights")).toBeCloseTo(0.625)
    }))

  it.effect("slow answers cost at most the latency weight", () =>
    Effect.gen(function*() {
      const health = yield* HealthScore.make(options)
      const observed = health.observe("maps")
      yield* after(600, observed(Effect.sleep(600)))
      expect(yield* health.score("maps")).toBeCloseTo(1 - 0.4 * 0.5) // halfway between good and bad
      for (let i = 0; i < 10; i++) yield* after(5_000, observed(Effect.sleep(5_000)))
      expect(yield* health.score("maps")).toBeCloseTo(0.6, 1)
    }))

  it.effect("an idle instance drifts back towards healthy", () =>
    Effect.gen(function*() {
      const health = yield* HealthScore.make(options)
      yield* health.record({ service: "payments", ok: false, latencyMs: 10 })
      yield* health.record({ service: "payments", ok: false, latencyMs: 10 })
      expect(yield* health.score("payments")).toBeCloseTo(0.25)
      yield* TestClock.adjust(10_000) // one recovery time constant
      expect(yield* health.score("payments")).toBeCloseTo(1 - 0.75 * Math.exp(-1))
      yield* TestClock.adjust(60_000)
      expect(yield* health.score("payments")).toBeGreaterThan(0.99)
    }))

  it.effect("a service scores as its best instance, and the ServiceHealth layer reads it", () =>
    Effect.gen(function*() {
      const health = yield* HealthScore.HealthScore
      yield* health.record({ service: "hotels", instance: "a", ok: false, latencyMs: 5 })
      yield* health.record({ service: "hotels", instance: "b", ok: true, latencyMs: 5 })
      expect((yield* health.instances("hotels")).map((i) => i.instance)).toEqual(["b", "a"])
      expect(yield* health.instanceScore("hotels", "a")).toBeCloseTo(0.8) // default alpha 0.2
      expect(yield* ServiceHealth.lowest(["hotels", "weather"])).toBe(1)
      yield* health.record({ service: "weather", ok: false, latencyMs: 5 })
      expect(yield* ServiceHealth.lowest(["hotels", "weather"])).toBeCloseTo(0.8)
    }).pipe(Effect.provide(HealthScore.layer())))
})
