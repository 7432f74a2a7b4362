/**
 * A flapping mock is up and down on a schedule. Through the gateway, calls
 * while it is down fail with `ToolProtocolError` (the "unavailable" code and
 * the time left down as `retryAfterMs`), calls while it is up succeed, and
 * the instance stays connected throughout. The schedule follows a `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import { FaultCodes } from "../../src/FaultSpec.js"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { flightSearch, gatewayLayer, invoke, offersOf, statusOf } from "./gateway.js"
import { inMemoryMock } from "./mocks.js"

const service = "flights"

/** "up", or "down <retryAfterMs>" for the unavailable error; anything else fails the test. */
const outcome = Effect.map(Effect.either(invoke(service, "search_flights", flightSearch)), (result) => {
  if (Either.isRight(result)) return offersOf(result.right).length > 0 ? "up" : "empty"
  const error = result.left
  return error._tag === "ToolProtocolError" && error.code === FaultCodes.unavailable
    ? `down ${error.retryAfterMs}`
    : `unexpected ${error._tag}`
})

describe("flapping through the gateway (TestClock)", () => {
  it.scoped("errors while down, with the time left down; success while up; the connection survives", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "tool=search_flights:flap(1000,500)" })
      yield* Effect.provide(
        Effect.gen(function*() {
          const seen: Array<string> = []
          // t = 0, 999, 1000, 1499, 1500, 2499, 2500
          for (const step of [0, 999, 1, 499, 1, 999, 1]) {
            yield* TestClock.adjust(step)
            seen.push(yield* outcome)
          }
          expect(seen).toEqual(["up", "up", "down 500", "down 1", "up", "up", "down 500"])
          expect((yield* mock.stats).tools["search_flights"]).toMatchObject({ calls: 7, faults: { flap: 3 } })
          expect((yield* statusOf(service)).instances[0]).toMatchObject({ connected: true, connects: 1 })
        }),
        // One attempt per call: each outcome is the mock's answer at that instant, not a retry's after its hint.
        gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock, { policy: { retry: { maxRetries: 0 } } }) } })
      )
    }))
})
