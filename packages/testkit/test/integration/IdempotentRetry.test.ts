/**
 * A reservation whose server dies after booking but before answering: the
 * caller sees a retryable error (`TransportClosed` in memory; over
 * Streamable HTTP the broken stream shows only as `ToolTimeout`), retries
 * with the same idempotency key on the reconnected instance, and gets the
 * original reservation back; the mock's state holds exactly one. The mocks
 * live in this process so that their state outlives the crash, as a real
 * booking backend outlives its MCP front end.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as MockServer from "../../src/MockServer.js"
import * as MockServices from "../../src/MockServices.js"
import { advanceUntil, flightSearch, gatewayLayer, invoke, offersOf, statusOf, twoAdults } from "./gateway.js"
import { captureLogs, logged } from "../../../mcp/test/logs.js"
import { inMemoryMock } from "./mocks.js"

const service = "flights"
const idempotencyKey = "trip-0042-outbound"

describe("idempotent reserve across a crash and a retry", () => {
  it.scoped("the retry with the same key returns the first reservation and books nothing more", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "tool=reserve:crash" })
      // No gateway retry: the caller retries here, and sees each attempt's error.
      const server = inMemoryMock(mock, { reconnect: { initialDelayMs: 100, maxDelayMs: 100 }, policy: { retry: { maxRetries: 0 } } })
      yield* Effect.provide(
        Effect.gen(function*() {
          // Room for two bookings of two passengers.
          const offer = offersOf(yield* invoke(service, "search_flights", flightSearch)).find((o) => o.seats_left >= 4)
          const request = { offer_id: offer!.id, passengers: twoAdults, idempotency_key: idempotencyKey }

          const crashed = yield* Effect.flip(invoke(service, "reserve", request, idempotencyKey))
          expect(crashed._tag).toBe("TransportClosed")
          const [booked] = (yield* mock.state).reservations
          expect(booked).toMatchObject({ offer_id: offer!.id, status: "confirmed" })

          // The server comes back without the fault; the pool reconnects after its backoff.
          yield* mock.clearFaults
          yield* advanceUntil(
            statusOf(service),
            (status) => status.instances[0]!.connected && status.instances[0]!.connects === 2,
            "50 millis",
            "the reconnection"
          )
          const retried = yield* invoke(service, "reserve", request, idempotencyKey)
          expect(retried).toEqual({ reservation: booked })
          expect((yield* mock.state).reservations).toEqual([booked])
          expect((yield* mock.stats).tools["reserve"]).toMatchObject({ calls: 2, faults: { crash: 1 } })

          // A new key is a new booking.
          const other = yield* invoke(service, "reserve", { ...request, idempotency_key: "trip-0043-outbound" })
          expect((other as { reservation: { id: string } }).reservation.id).not.toBe(booked!.id)
          expect((yield* mock.state).reservations).toHaveLength(2)
        }),
        gatewayLayer({ mcpServers: { [service]: server } })
      )
    }))

  it.scopedLive("over Streamable HTTP the crash is a timeout; retrying with the key until it answers books once", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.serveHttp(MockServices.flights, { seed: 7, faults: "tool=reserve:crash" })
      // The timeout is how the crash shows; it also bounds connecting and every other call: room for a busy machine.
      // No gateway retry: the caller retries here, and sees each attempt's error.
      const server = {
        url: mock.url,
        policy: { timeoutMs: 2_000, retry: { maxRetries: 0 } },
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 }
      }
      yield* Effect.provide(
        Effect.gen(function*() {
          const offer = offersOf(yield* invoke(service, "search_flights", flightSearch)).find((o) => o.seats_left >= 4)
          const request = { offer_id: offer!.id, passengers: twoAdults, idempotency_key: idempotencyKey }
          const reserve = invoke(service, "reserve", request, idempotencyKey)

          // The caller cannot tell whether the booking happened; the mock knows it did.
          expect(yield* Effect.flip(reserve)).toMatchObject({ _tag: "ToolTimeout", timeoutMs: 2_000 })
          const [booked] = (yield* mock.state).reservations
          expect(booked).toBeDefined()

          yield* mock.clearFaults
          const retried = yield* Effect.retry(reserve, {
            while: (error) => error._tag === "TransportClosed" || error._tag === "ToolTimeout",
            schedule: Schedule.intersect(Schedule.spaced("50 millis"), Schedule.recurs(40))
          })
          expect(retried).toEqual({ reservation: booked })
          expect((yield* mock.state).reservations).toEqual([booked])
          yield* logged("WARN", `Lost the connection to ${mock.url} of "flights"; reconnecting`)
        }),
        gatewayLayer({ mcpServers: { [service]: server } }).pipe(Layer.provideMerge(captureLogs))
      )
    }))
})
