import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as Retry from "../src/Retry.js"
import * as RetryBudget from "../src/RetryBudget.js"
import { PolicyTimeout } from "../src/Timeout.js"
import {
  badArguments,
  ofTag,
  rateLimited,
  scripted,
  toolError,
  toolTimeout,
  transportClosed,
  unknownTool,
  withEvents
} from "./policyKit.js"

const noJitter = Retry.backoff({ baseMs: 100, factor: 2, maxRetries: 3, jitter: false })

describe("Retry", () => {
  it.effect("retries a passing failure after exponential delays and publishes each attempt", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const retry = yield* Retry.make({ service: "flights", schedule: noJitter })
        const { call, state } = scripted([transportClosed, toolTimeout, "ok"])
        const fiber = yield* Effect.fork(retry(call))
        yield* TestClock.adjust(99)
        expect(state.calls).toBe(1)
        yield* TestClock.adjust(1)
        expect(state.calls).toBe(2)
        yield* TestClock.adjust(200)
        expect(yield* Fiber.join(fiber)).toBe(3)
        expect(ofTag(events, "RetryAttempted").map(({ at, attempt, delayMs }) => ({ at, attempt, delayMs }))).toEqual([
          { at: 0, attempt: 1, delayMs: 100 },
          { at: 100, attempt: 2, delayMs: 200 }
        ])
        expect(ofTag(events, "RetryGaveUp")).toEqual([])
      })
    ))

  it.effect("waits at least the retry-after the error asks for", () =>
    Effect.gen(function*() {
      const retry = yield* Retry.make({ service: "flights", schedule: noJitter })
      const { call, state } = scripted([rateLimited(5_000), "ok"])
      const fiber = yield* Effect.fork(retry(call))
      yield* TestClock.adjust(4_999)
      expect(state.calls).toBe(1)
      yield* TestClock.adjust(1)
      expect(yield* Fiber.join(fiber)).toBe(2)
    }))

  it.effect("gives up at once on a retry-after longer than it may wait", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const retry = yield* Retry.make({ service: "flights", schedule: noJitter, maxRetryAfterMs: 10_000 })
        const { call, state } = scripted([rateLimited(60_000), "ok"])
        const error = yield* Effect.flip(retry(call))
        expect(error).toMatchObject({ _tag: "ToolProtocolError", retryAfterMs: 60_000 })
        expect(state.calls).toBe(1)
        expect(ofTag(events, "RetryGaveUp").map((e) => e.reason)).toEqual(["retry-after-too-long"])
      })
    ))

  it.effect("retries only what may pass: never the caller's mistakes or a tool's own error", () =>
    Effect.gen(function*() {
      const budget = yield* RetryBudget.make({ service: "flights", minRetries: 1_000 })
      const retry = yield* Retry.make({ service: "flights", schedule: Schedule.recurs(3), budget })
      const attempts = (error: unknown) =>
        Effect.gen(function*() {
          const { call, state } = scripted([error])
          yield* Effect.either(retry(call))
          return state.calls
        })
      expect(yield* attempts(badArguments)).toBe(1)
      expect(yield* attempts(unknownTool)).toBe(1)
      expect(yield* attempts(toolError())).toBe(1)
      expect(yield* attempts(rateLimited())).toBe(4)
      expect(yield* attempts(toolError(0))).toBe(4) // a tool error with a retry hint
      expect(yield* attempts(transportClosed)).toBe(4)
      expect(yield* attempts(new PolicyTimeout({ service: "flights", timeoutMs: 1, adaptive: false }))).toBe(4)
      expect(yield* attempts("a string")).toBe(1)
    }))

  it.effect("gives up with the last error when the schedule ends, or when the error stops being retryable", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const retry = yield* Retry.make({ service: "flights", schedule: Schedule.recurs(2) })
        expect(yield* Effect.flip(retry(scripted([transportClosed]).call))).toBe(transportClosed)
        expect(yield* Effect.flip(retry(scripted([transportClosed, badArguments]).call))).toBe(badArguments)
        expect(ofTag(events, "RetryGaveUp").map(({ reason, retries }) => [reason, retries])).toEqual([
          ["schedule-exhausted", 2],
          ["not-retryable", 1]
        ])
      })
    ))

  it.effect("the budget holds retries to about 20% of calls when every call fails", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const budget = yield* RetryBudget.make({ service: "flights", ratio: 0.2, minRetries: 10, windowMs: 10_000 })
        const retry = yield* Retry.make({ service: "flights", schedule: Schedule.recurs(3), budget })
        const { call, state } = scripted([transportClosed])
        const outcomes = yield* Effect.forEach(Array.from({ length: 1_000 }), () => Effect.flip(retry(call)), {
          concurrency: 50
        })
        const extra = state.calls - 1_000
        expect(extra).toBe(210) // 20% of 1,000 calls + 10
        const refused = outcomes.filter((e) => e._tag === "RetryBudgetExhausted")
        expect(refused.length).toBeGreaterThan(900)
        expect(refused[0]!.message).toBe(
          `Retries to service "flights" are suspended: its retry budget (20% of calls + 10 per 10 s) is spent. ` +
            `Last error: Connection to service "flights" closed: socket hang up`
        )
        expect(ofTag(events, "RetryAttempted")).toHaveLength(210)

        // A new window brings a new budget.
        yield* TestClock.adjust("11 seconds")
        expect(yield* budget.available).toBe(10)
      })
    ))
})
