/**
 * Latency faults slow a call down without failing it. In process the mock's
 * delays follow Effect's `Clock`, so the test moves a `TestClock` and checks
 * that the answer arrives exactly when the delay has passed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { settle, waitUntil } from "../support.js"
import { flightSearch, gatewayLayer, invoke } from "./gateway.js"
import { inMemoryMock } from "./mocks.js"

const service = "flights"

/** The answer to a search under `faults`, checked to be pending until `minMs` and in by `maxMs`. */
const searchUnder = (faults: string, minMs: number, maxMs: number) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults })
    return yield* Effect.provide(
      Effect.gen(function*() {
        const call = yield* Effect.fork(invoke(service, "search_flights", flightSearch))
        yield* waitUntil(mock.stats, (stats) => stats.inFlight === 1, "the call to reach the mock")
        yield* TestClock.adjust(minMs - 1)
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(call))).toBe(true)
        yield* TestClock.adjust(maxMs - minMs + 1)
        const answer = yield* Fiber.join(call)
        expect((yield* mock.stats).tools["search_flights"]).toEqual({ calls: 1, inFlight: 0, faults: { latency: 1 } })
        return answer
      }),
      gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock) } })
    )
  })

/** The same search without faults. */
const unfaulted = Effect.gen(function*() {
  const mock = yield* MockServer.make(MockServices.flights, { seed: 7 })
  return yield* Effect.provide(
    invoke(service, "search_flights", flightSearch),
    gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock) } })
  )
})

describe("latency through the gateway (TestClock)", () => {
  it.scoped("a fixed delay holds the answer until the clock has moved by it, then the call succeeds", () =>
    Effect.gen(function*() {
      const answer = yield* searchUnder("tool=search_flights:latency:fixed(800)", 800, 800)
      expect(answer).toEqual(yield* unfaulted)
    }))

  it.scoped("a sampled delay (seeded) lands within its distribution's bounds", () =>
    Effect.gen(function*() {
      const answer = yield* searchUnder("latency:uniform(200,400)#3", 200, 400)
      expect(answer).toEqual(yield* unfaulted)
    }))
})
