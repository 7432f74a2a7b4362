/**
 * When a mock's process dies, whether by a crash fault in the middle of a
 * call or by SIGKILL from outside, the call in flight fails with
 * `TransportClosed`, the pool connects again (a new stdio process, or the
 * HTTP server once it is back) and the next call succeeds there.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { isAlive } from "../processes.js"
import {
  connected,
  eventually,
  flightSearch,
  gatewayLayer,
  invoke,
  offersOf,
  pidsOf,
  setFaults,
  statusUntil,
  twoAdults
} from "./gateway.js"
import { captureLogs, logged } from "../../../mcp/test/logs.js"
import { httpMock, postControl, stdioMock } from "./mocks.js"

const service = "flights"
const reconnect = { initialDelayMs: 20, maxDelayMs: 200 }

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

/** Waits until the only instance has connected `connects` times, and yields its status. */
const reconnected = (connects: number) =>
  Effect.map(
    statusUntil(service, (s) => s.instances[0]!.connected && s.instances[0]!.connects === connects, "reconnected"),
    (status) => status.instances[0]!
  )

describe("recovery from a dead mock process", () => {
  it.scopedLive("a stdio mock that crashes mid-call: TransportClosed, then the next call succeeds on a new process", () =>
    Effect.provide(
      Effect.gen(function*() {
        yield* connected(service)
        const [before] = yield* pidsOf(service)
        const [offer] = offersOf(yield* invoke(service, "search_flights", flightSearch))
        const request = { offer_id: offer!.id, passengers: twoAdults, idempotency_key: "crash-recovery-1" }
        yield* setFaults(service, "tool=reserve:crash")

        const error = yield* Effect.flip(invoke(service, "reserve", request))
        expect(error).toMatchObject({ _tag: "TransportClosed", service })
        yield* eventually(Effect.filterOrFail(Effect.sync(() => isAlive(before!)), (alive) => !alive, () => "alive"))

        const after = yield* reconnected(2)
        expect(after.pid).not.toBe(before)
        // The new process starts without the fault installed at runtime in the old one.
        expect(yield* invoke(service, "reserve", request)).toMatchObject({ reservation: { offer_id: offer!.id } })
        yield* logged("WARN", `Lost the connection to flights#0 of "flights"; reconnecting`)
      }),
      gatewayLayer({ mcpServers: { [service]: stdioMock(service, { reconnect }) } }).pipe(Layer.provideMerge(captureLogs))
    ), 20_000)

  it.scopedLive("a stdio mock killed with SIGKILL: the call in flight is TransportClosed, the pool respawns it", () =>
    Effect.provide(
      Effect.gen(function*() {
        yield* connected(service)
        const [before] = yield* pidsOf(service)
        yield* setFaults(service, "tool=search_flights:hang")
        const inFlight = yield* Effect.fork(invoke(service, "search_flights", flightSearch))
        yield* statusUntil(service, (s) => s.instances[0]!.outstanding === 1, "the call in flight")

        process.kill(before!, "SIGKILL")
        expect(failureOf(yield* Fiber.await(inFlight))).toMatchObject({ _tag: "TransportClosed", service })
        const after = yield* reconnected(2)
        expect(after.pid).not.toBe(before)
        expect(isAlive(before!)).toBe(false)
        expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
        yield* logged("WARN", `Lost the connection to flights#0 of "flights"; reconnecting`)
      }),
      gatewayLayer({ mcpServers: { [service]: stdioMock(service, { reconnect }) } }).pipe(Layer.provideMerge(captureLogs))
    ), 20_000)

  it.scopedLive("an HTTP mock process killed and started again on its port: refused while down, reconnected after", () =>
    Effect.gen(function*() {
      const first = yield* httpMock(service)
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* connected(service)
          expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
          yield* postControl(first.url, { action: "set_faults", faults: "tool=search_flights:hang" })
          const inFlight = yield* Effect.fork(invoke(service, "search_flights", flightSearch))
          yield* statusUntil(service, (s) => s.instances[0]!.outstanding === 1, "the call in flight")

          yield* first.kill
          expect(failureOf(yield* Fiber.await(inFlight))).toMatchObject({ _tag: "TransportClosed", service })
          expect(yield* Effect.flip(invoke(service, "search_flights", flightSearch))).toMatchObject({
            _tag: "TransportClosed"
          })

          yield* httpMock(service, { port: first.port })
          yield* reconnected(2)
          expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
          yield* logged("WARN", `Lost the connection to ${first.url} of "flights"; reconnecting`)
        }),
        // One attempt per call: each failure is the pool's own, not the default retry's (whose
        // attempts would also trip the default breaker while the process is down).
        gatewayLayer({ mcpServers: { [service]: { url: first.url, reconnect, policy: { retry: { maxRetries: 0 } } } } }).pipe(
          Layer.provideMerge(captureLogs)
        )
      )
    }))
})
