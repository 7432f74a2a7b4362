/**
 * The gateway applies each service's policy stack (retry within its budget,
 * circuit breaker, per-attempt timeout), substitutes fallback services, and
 * serves stale results when allowed; every degraded answer is announced by a
 * `FallbackUsed` event and a `Degradation` note. In-memory mocks, seeded
 * faults, `TestClock`.
 */
import { type BatonEvent, Degradation, EventBus } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { settle } from "../support.js"
import { flightSearch, gatewayLayer, invoke } from "./gateway.js"
import { inMemoryMock } from "./mocks.js"

const transient = "error:rpc(-32603)"

/** Runs `self` on a fiber, moving the `TestClock` on by `stepMs` until it ends. */
const withTime = <A, E, R>(self: Effect.Effect<A, E, R>, stepMs = 50) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(self)
    for (let i = 0; i < 400; i++) {
      yield* settle
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") break
      yield* TestClock.adjust(stepMs)
    }
    return yield* Fiber.join(fiber)
  })

/** The events published from now on. */
const capture = Effect.gen(function*() {
  const bus = yield* EventBus.EventBus
  const events: Array<BatonEvent.BatonEvent> = []
  yield* Effect.forkScoped(Stream.runForEach(yield* bus.subscribe, (event) => Effect.sync(() => void events.push(event))))
  yield* settle
  return events
})

const callsTo = (mock: MockServer.MockServer<unknown>, tool: string) =>
  Effect.map(mock.stats, (stats) => stats.tools[tool]?.calls ?? 0)

describe("resilience policies in the gateway (TestClock)", () => {
  it.scoped("30% transient errors: every call of a batch completes, extra calls within the retry budget", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: `tool=search_flights:${transient}@0.3` })
      const budget = { ratio: 0.5, minRetries: 5, windowMs: 60_000 }
      const calls = 20
      yield* Effect.provide(
        Effect.gen(function*() {
          const answers = yield* withTime(Effect.forEach(
            Array.from({ length: calls }, (_, i) => i),
            () => invoke("flights", "search_flights", flightSearch)
          ))
          expect(answers).toHaveLength(calls)
          const sent = yield* callsTo(mock, "search_flights")
          const faults = (yield* mock.stats).tools["search_flights"]!.faults
          const extra = sent - calls
          expect(extra).toBeGreaterThan(0)
          expect(extra).toBeLessThanOrEqual(budget.ratio * calls + budget.minRetries)
          expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBe(extra)
        }),
        gatewayLayer({
          mcpServers: {
            flights: inMemoryMock(mock, {
              policy: { retry: { maxRetries: 4, baseDelayMs: 10, jitter: false, budget } }
            })
          }
        })
      )
    }))

  it.scoped("a dead primary: the fallback serves, the breaker opens, and a half-open probe closes it after recovery", () =>
    Effect.gen(function*() {
      const primary = yield* MockServer.make(MockServices.flights, { seed: 7, faults: `tool=search_flights:${transient}` })
      const backup = yield* MockServer.make(MockServices.flights, { seed: 7 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const events = yield* capture
          const [answers, notes] = yield* Degradation.collect(withTime(Effect.forEach(
            [1, 2, 3],
            () => invoke("flights", "search_flights", flightSearch)
          )))
          expect(answers).toHaveLength(3)
          expect(notes.map((note) => [note.kind, note.service, note.servedBy])).toEqual([
            ["fallback", "flights", "flights_backup"],
            ["fallback", "flights", "flights_backup"],
            ["fallback", "flights", "flights_backup"]
          ])
          expect(Degradation.describe(notes[0]!)).toContain("flights is unavailable right now")
          // Two failures opened the breaker; the third call never reached the primary.
          expect(yield* callsTo(primary, "search_flights")).toBe(2)
          expect(yield* callsTo(backup, "search_flights")).toBe(3)
          yield* settle
          const transitions = () =>
            events.flatMap((event) =>
              event._tag === "BreakerTransition" && event.service === "flights" ? [`${event.from}->${event.to}`] : []
            )
          expect(transitions()).toEqual(["closed->open"])
          expect(events.filter((event) => event._tag === "FallbackUsed")).toHaveLength(3)

          // Recovery: after the open period, one probe goes through and closes the breaker.
          yield* primary.clearFaults
          yield* TestClock.adjust(1_000)
          const [, recovered] = yield* Degradation.collect(withTime(invoke("flights", "search_flights", flightSearch)))
          expect(recovered).toEqual([])
          expect(yield* callsTo(primary, "search_flights")).toBe(3)
          yield* settle
          expect(transitions()).toEqual(["closed->open", "open->half-open", "half-open->closed"])
        }),
        gatewayLayer({
          mcpServers: {
            flights: inMemoryMock(primary, {
              fallback: ["flights_backup"],
              policy: { breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 2 }, openMs: 1_000 } }
            }),
            flights_backup: inMemoryMock(backup)
          }
        })
      )
    }))

  it.scoped("a stale result is served, and marked, while the service is down", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const events = yield* capture
          const fresh = yield* invoke("flights", "search_flights", flightSearch)
          yield* mock.setFaults(`tool=search_flights:${transient}`)
          yield* TestClock.adjust(5_000)
          const [stale, notes] = yield* Degradation.collect(invoke("flights", "search_flights", flightSearch))
          expect(stale).toEqual(fresh)
          expect(notes).toMatchObject([{ kind: "stale", service: "flights", tool: "search_flights", ageMs: 5_000 }])
          expect(Degradation.describe(notes[0]!)).toContain("from less than a minute ago")
          yield* settle
          expect(events.filter((event) => event._tag === "FallbackUsed")).toHaveLength(1)
          // Past the stale window the failure comes through.
          yield* TestClock.adjust(60_000)
          const error = yield* Effect.flip(invoke("flights", "search_flights", flightSearch))
          expect(error).toMatchObject({ _tag: "ToolProtocolError", code: -32603 })
        }),
        // No retries: the first failure goes to the stale result, on a clock that moved exactly 5 s.
        gatewayLayer({
          mcpServers: {
            flights: inMemoryMock(mock, { cacheTtlMs: 1_000, staleIfErrorMs: 60_000, policy: { retry: { maxRetries: 0 } } })
          }
        })
      )
    }))

  it.scoped("a side-effecting call is not retried without an idempotency key, and is with one", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, {
        seed: 7,
        faults: `tool=cancel_reservation:${transient}`
      })
      yield* Effect.provide(
        Effect.gen(function*() {
          const args = { reservation_id: "rsv_1" }
          const once = yield* Effect.flip(withTime(invoke("flights", "cancel_reservation", args)))
          expect(once).toMatchObject({ _tag: "ToolProtocolError", code: -32603 })
          expect(yield* callsTo(mock, "cancel_reservation")).toBe(1)
          yield* Effect.flip(withTime(invoke("flights", "cancel_reservation", args, "cancel-rsv_1")))
          expect(yield* callsTo(mock, "cancel_reservation")).toBe(1 + 3)
        }),
        gatewayLayer({
          mcpServers: { flights: inMemoryMock(mock, { policy: { retry: { maxRetries: 2, baseDelayMs: 10 } } }) }
        })
      )
    }))

  it.scoped("an attempt past its (adaptive) timeout fails with ToolTimeout", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "tool=search_flights:hang" })
      yield* Effect.provide(
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.flip(invoke("flights", "search_flights", flightSearch)))
          yield* settle
          yield* TestClock.adjust(500)
          const error = yield* Fiber.join(fiber)
          expect(error).toMatchObject({ _tag: "ToolTimeout", service: "flights", tool: "search_flights", timeoutMs: 500 })
        }),
        gatewayLayer({
          mcpServers: {
            flights: inMemoryMock(mock, {
              // No retries: the attempt's timeout is the call's.
              policy: { timeoutMs: 500, adaptiveTimeout: { floorMs: 100, ceilingMs: 60_000 }, retry: { maxRetries: 0 } }
            })
          }
        })
      )
    }))
})
