/**
 * A mock that never answers, or answers after the deadline, makes the call
 * fail with `ToolTimeout` carrying the service's configured timeout; the
 * gateway tells the mock to stop (it drops the call), and the connection
 * keeps serving. Real stdio and Streamable HTTP, with a small policy timeout.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  connected,
  control,
  controlStats,
  eventually,
  flightSearch,
  gatewayLayer,
  invoke,
  offersOf,
  setFaults,
  statusOf
} from "./gateway.js"
import { httpMock, stdioMock } from "./mocks.js"

const service = "flights"
const timeoutMs = 300
// One attempt per call: the timeout of that attempt is what the caller sees.
const options = { policy: { timeoutMs, retry: { maxRetries: 0 } } }

const transports = [
  { name: "stdio", gateway: gatewayLayer({ mcpServers: { [service]: stdioMock(service, options) } }) },
  {
    name: "Streamable HTTP",
    gateway: Layer.unwrapScoped(
      Effect.map(httpMock(service), (mock) => gatewayLayer({ mcpServers: { [service]: { url: mock.url, ...options } } }))
    )
  }
]

/** Waits until the mock holds no call: the gateway's cancellation reached it. */
const mockDropped = eventually(
  Effect.filterOrFail(controlStats(service), (stats) => stats.inFlight === 0, () => "still in flight")
)

for (const transport of transports) {
  layer(transport.gateway, { excludeTestServices: true, timeout: "30 seconds" })(`timeouts over ${transport.name}`, (it) => {
    it.effect("a hang fails with ToolTimeout at the configured timeout, and the mock drops the call", () =>
      Effect.gen(function*() {
        yield* connected(service)
        yield* setFaults(service, "tool=search_flights:hang")
        const error = yield* Effect.flip(invoke(service, "search_flights", flightSearch))
        expect(error).toMatchObject({ _tag: "ToolTimeout", service, tool: "search_flights", timeoutMs })
        const stats = yield* mockDropped
        expect(stats.tools["search_flights"]).toMatchObject({ calls: 1, inFlight: 0, faults: { hang: 1 } })
      }))

    it.effect("an answer due after the deadline fails with ToolTimeout", () =>
      Effect.gen(function*() {
        yield* setFaults(service, `tool=check_availability:late(${timeoutMs},200)`)
        const error = yield* Effect.flip(invoke(service, "check_availability", { offer_id: "any" }))
        expect(error).toMatchObject({ _tag: "ToolTimeout", tool: "check_availability", timeoutMs })
        const stats = yield* mockDropped
        expect(stats.tools["check_availability"]!.faults).toEqual({ late: 1 })
      }))

    it.effect("the timed-out connection keeps serving once the faults are gone", () =>
      Effect.gen(function*() {
        yield* control(service, { action: "clear" })
        expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
        expect((yield* statusOf(service)).instances[0]).toMatchObject({ connected: true, connects: 1 })
      }))
  })
}
