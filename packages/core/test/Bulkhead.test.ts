import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Bulkhead from "../src/Bulkhead.js"
import { ofTag, transportClosed, withEvents } from "./policyKit.js"

describe("Bulkhead", () => {
  it.effect("runs up to maxConcurrent calls, queues up to maxQueued and refuses the rest", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const bulkhead = yield* Bulkhead.make({ service: "hotels", maxConcurrent: 2, maxQueued: 1 })
        const started: Array<number> = []
        const call = (n: number) => Effect.sync(() => void started.push(n)).pipe(Effect.zipRight(Effect.sleep(100)), Effect.as(n))
        const first = yield* Effect.fork(bulkhead(call(1)))
        const second = yield* Effect.fork(bulkhead(call(2)))
        const third = yield* Effect.fork(bulkhead(call(3)))
        yield* Effect.yieldNow()
        expect([yield* bulkhead.active, yield* bulkhead.queued]).toEqual([2, 1])

        const refused = yield* Effect.flip(bulkhead(call(4)))
        expect(refused).toMatchObject({ _tag: "BulkheadRejected", service: "hotels", maxConcurrent: 2, maxQueued: 1 })
        expect(refused.message).toBe(
          `Service "hotels" is at capacity (2 calls running, 1 waiting); the call was refused rather than queued.`
        )
        expect(ofTag(events, "BulkheadRejected")).toHaveLength(1)
        expect(started).toEqual([1, 2])

        yield* TestClock.adjust(100)
        expect(yield* Fiber.join(first)).toBe(1)
        expect(yield* Fiber.join(second)).toBe(2)
        expect(started).toEqual([1, 2, 3]) // the waiter took the freed slot
        yield* TestClock.adjust(100)
        expect(yield* Fiber.join(third)).toBe(3)
        expect([yield* bulkhead.active, yield* bulkhead.queued]).toEqual([0, 0])
      })
    ))

  it.effect("a slot is released when the call fails, dies or is interrupted", () =>
    Effect.gen(function*() {
      const bulkhead = yield* Bulkhead.make({ service: "hotels", maxConcurrent: 1 })
      yield* Effect.either(bulkhead(Effect.fail(transportClosed)))
      yield* Effect.exit(bulkhead(Effect.die("boom")))
      yield* Effect.exit(bulkhead(Effect.suspend(() => Effect.die("boom"))))
      const running = yield* Effect.fork(bulkhead(Effect.never))
      yield* Effect.yieldNow()
      expect(yield* bulkhead.active).toBe(1)
      yield* Fiber.interrupt(running)
      expect(yield* bulkhead.active).toBe(0)
      expect(yield* bulkhead(Effect.succeed("free again"))).toBe("free again")
    }))

  it.effect("an interrupted waiter leaves the queue, and the slot goes to the next one", () =>
    Effect.gen(function*() {
      const bulkhead = yield* Bulkhead.make({ service: "hotels", maxConcurrent: 1, maxQueued: 2 })
      const running = yield* Effect.fork(bulkhead(Effect.as(Effect.sleep(100), "first")))
      const leaving = yield* Effect.fork(bulkhead(Effect.succeed("never runs")))
      const waiting = yield* Effect.fork(bulkhead(Effect.succeed("third")))
      yield* Effect.yieldNow()
      expect(yield* bulkhead.queued).toBe(2)
      yield* Fiber.interrupt(leaving)
      expect(yield* bulkhead.queued).toBe(1)
      yield* TestClock.adjust(100)
      expect(yield* Fiber.join(running)).toBe("first")
      expect(yield* Fiber.join(waiting)).toBe("third")
      expect([yield* bulkhead.active, yield* bulkhead.queued]).toEqual([0, 0])
    }))
})
