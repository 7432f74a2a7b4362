import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { BulkheadRejected } from "../src/Bulkhead.js"
import * as Bulkhead from "../src/Bulkhead.js"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import * as Policy from "../src/Policy.js"
import type { RetryBudgetExhausted } from "../src/RetryBudget.js"
import * as Retry from "../src/Retry.js"
import { transportClosed } from "./policyKit.js"

describe("Policy", () => {
  it.effect("wrap applies the first policy outermost and unions their errors", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const tracing = (name: string): Policy.Policy => (self) =>
        Effect.zipRight(Effect.sync(() => void order.push(name)), self)
      const guarded = Policy.wrap(tracing("outer"), tracing("middle"), tracing("inner"))
      expect(yield* guarded(Effect.succeed(1))).toBe(1)
      expect(order).toEqual(["outer", "middle", "inner"])

      const stack = Policy.wrap(
        yield* Bulkhead.make({ service: "s", maxConcurrent: 1 }),
        yield* Retry.make({ service: "s" }),
        yield* CircuitBreaker.make({ service: "s" })
      )
      const call: Effect.Effect<number, typeof transportClosed, never> = stack(Effect.succeed(1)).pipe(
        Effect.catchTags({
          BulkheadRejected: (e: BulkheadRejected) => Effect.die(e),
          RetryBudgetExhausted: (e: RetryBudgetExhausted) => Effect.die(e),
          BreakerOpen: (e: CircuitBreaker.BreakerOpen) => Effect.die(e)
        })
      )
      expect(yield* call).toBe(1)
    }))

  it("isPolicyError recognises the policies' refusals only", () => {
    expect(Policy.isPolicyError(new Bulkhead.BulkheadRejected({ service: "s", maxConcurrent: 1, maxQueued: 0 }))).toBe(true)
    expect(Policy.isPolicyError(transportClosed)).toBe(false)
    expect(Policy.isPolicyError("BreakerOpen")).toBe(false)
  })
})
