/**
 * A mock that is slow to start holds every `initialize` until its start-up
 * time has passed. The gateway's first call then waits for it, or, when the
 * gateway's connect timeout is shorter, fails fast with `TransportClosed`
 * until a later connection attempt finds the mock ready. The mock's
 * start-up and the gateway's reconnection backoff follow a `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { settle, waitUntil } from "../support.js"
import { advanceUntil, flightSearch, gatewayLayer, invoke, offersOf, statusOf } from "./gateway.js"
import { inMemoryMock } from "./mocks.js"

const service = "flights"

describe("a slow-starting mock behind the gateway (TestClock)", () => {
  it.scoped("the first call waits for the start-up when the connect timeout allows it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "slow-start(2000)" })
      const firstCall = yield* Effect.fork(Effect.provide(
        invoke(service, "search_flights", flightSearch),
        gatewayLayer({ mcpServers: { [service]: inMemoryMock(mock) } }, { connectTimeoutMs: 10_000 })
      ))
      yield* waitUntil(mock.stats, (stats) => stats.connections === 1, "the gateway to connect")
      yield* TestClock.adjust("1999 millis")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(firstCall))).toBe(true)
      expect((yield* mock.stats).calls).toBe(0)
      yield* TestClock.adjust("1 millis")
      expect(offersOf(yield* Fiber.join(firstCall)).length).toBeGreaterThan(0)
      expect((yield* mock.stats).connections).toBe(1)
    }))

  it.scoped("a shorter connect timeout fails the first call; a later attempt connects once the mock is up", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "slow-start(2000)" })
      const server = inMemoryMock(mock, { reconnect: { initialDelayMs: 200, maxDelayMs: 200 } })
      yield* Effect.provide(
        Effect.gen(function*() {
          // The gateway is up once the first attempt has timed out (100 ms of real time).
          const first = yield* Effect.flip(invoke(service, "search_flights", flightSearch))
          expect(first).toMatchObject({ _tag: "TransportClosed", detail: "no instance has connected yet" })
          const [down] = (yield* statusOf(service)).instances
          expect(down).toMatchObject({ connected: false, connects: 0 })
          expect(down!.lastError).toContain("timed out")

          yield* TestClock.adjust("2 seconds")
          yield* advanceUntil(statusOf(service), (status) => status.instances[0]!.connected, "200 millis", "a connection")
          expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
          expect((yield* statusOf(service)).instances[0]).toMatchObject({ connected: true, connects: 1 })
          // One session per attempt: the one that timed out and the one that stayed.
          expect((yield* mock.stats).connections).toBe(2)
        }),
        gatewayLayer({ mcpServers: { [service]: server } }, { connectTimeoutMs: 100 })
      )
    }))
})
