/**
 * With `cacheTtlMs`, the gateway answers a repeated read-only call from its
 * cache until the TTL passes, so the mock sees one call per TTL; calls with
 * side effects always reach the mock. Time is a `TestClock`; the mock's own
 * counts are the evidence.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { waitUntil } from "../support.js"
import { captureToolCalls, flightSearch, gatewayLayer, invoke, offersOf, twoAdults } from "./gateway.js"
import { inMemoryMock } from "./mocks.js"

const service = "flights"

describe("the read-only response cache (TestClock)", () => {
  it.scoped("reuses a read-only result until its TTL passes, then asks the mock again", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7 })
      const searches = Effect.map(mock.stats, (stats) => stats.tools["search_flights"]?.calls ?? 0)
      yield* Effect.provide(
        Effect.gen(function*() {
          const events = yield* captureToolCalls
          const first = yield* invoke(service, "search_flights", flightSearch)
          expect(yield* invoke(service, "search_flights", flightSearch)).toEqual(first)
          yield* TestClock.adjust("999 millis")
          expect(yield* invoke(service, "search_flights", flightSearch)).toEqual(first)
          expect(yield* searches).toBe(1)
          yield* TestClock.adjust("1 millis")
          expect(yield* invoke(service, "search_flights", flightSearch)).toEqual(first)
          expect(yield* searches).toBe(2)
          // Other arguments are another entry.
          yield* invoke(service, "search_flights", { ...flightSearch, adults: 1 })
          expect(yield* searches).toBe(3)
          const outcomes = yield* waitUntil(
            Effect.sync(() => events.map((event) => event.outcome)),
            (found) => found.length === 5,
            "the ToolCalled events"
          )
          expect(outcomes).toEqual(["ok", "cached", "cached", "ok", "ok"])
        }),
        gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock, { cacheTtlMs: 1_000 }) } })
      )
    }))

  it.scoped("never caches a tool with side effects", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const [offer] = offersOf(yield* invoke(service, "search_flights", flightSearch))
          const request = { offer_id: offer!.id, passengers: twoAdults, idempotency_key: "cache-test-1" }
          const first = yield* invoke(service, "reserve", request)
          expect(yield* invoke(service, "reserve", request)).toEqual(first)
          const stats = yield* mock.stats
          expect(stats.tools["reserve"]!.calls).toBe(2)
          // The mock's idempotency key, not the cache, kept it to one booking.
          expect((yield* mock.state).reservations).toHaveLength(1)
        }),
        gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock, { cacheTtlMs: 60_000 }) } })
      )
    }))
})
