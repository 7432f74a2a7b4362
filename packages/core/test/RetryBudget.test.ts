import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as fc from "fast-check"
import * as Retry from "../src/Retry.js"
import * as RetryBudget from "../src/RetryBudget.js"
import { scripted, transportClosed } from "./policyKit.js"

const runTest = <A>(effect: Effect.Effect<A>) => Effect.runSync(Effect.provide(effect, TestContext.TestContext))

const budgetOptions = fc.record({
  ratio: fc.double({ min: 0, max: 1, noNaN: true }),
  minRetries: fc.integer({ min: 0, max: 20 })
})

describe("RetryBudget", () => {
  it.effect("allows minRetries at first, then ratio × calls more", () =>
    Effect.gen(function*() {
      const budget = yield* RetryBudget.make({ service: "maps", ratio: 0.5, minRetries: 2, windowMs: 1_000 })
      expect(yield* budget.withdraw).toBe(true)
      expect(yield* budget.withdraw).toBe(true)
      expect(yield* budget.withdraw).toBe(false)
      yield* budget.deposit
      yield* budget.deposit
      expect(yield* budget.available).toBe(1)
      expect(yield* budget.withdraw).toBe(true)
      expect(yield* budget.withdraw).toBe(false)
      yield* TestClock.adjust(1_001) // the window moved on: only the minimum again
      expect(yield* budget.available).toBe(2)
    }))

  it("grants a retry exactly when retries + 1 ≤ ratio × calls + minRetries (property)", () =>
    fc.assert(
      fc.property(budgetOptions, fc.array(fc.boolean(), { maxLength: 300 }), ({ minRetries, ratio }, ops) =>
        runTest(Effect.gen(function*() {
          const budget = yield* RetryBudget.make({ service: "maps", ratio, minRetries })
          let calls = 0
          let retries = 0
          for (const isCall of ops) {
            if (isCall) {
              yield* budget.deposit
              calls++
              continue
            }
            const granted = yield* budget.withdraw
            expect(granted).toBe(retries + 1 <= ratio * calls + minRetries)
            if (granted) retries++
            expect(retries).toBeLessThanOrEqual(ratio * calls + minRetries)
          }
        }))
      )
    ))

  it("under a total outage, retries never exceed ratio × calls + minRetries (property)", () =>
    fc.assert(
      fc.property(
        budgetOptions,
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 5 }),
        ({ minRetries, ratio }, calls, maxRetries) =>
          runTest(Effect.gen(function*() {
            const budget = yield* RetryBudget.make({ service: "maps", ratio, minRetries })
            const retry = yield* Retry.make({ service: "maps", schedule: Schedule.recurs(maxRetries), budget })
            const { call, state } = scripted([transportClosed])
            yield* Effect.forEach(Array.from({ length: calls }), () => Effect.either(retry(call)), { discard: true })
            const extra = state.calls - calls
            expect(extra).toBeLessThanOrEqual(ratio * calls + minRetries)
            expect(extra).toBeLessThanOrEqual(calls * maxRetries)
          }))
      )
    ))
})
