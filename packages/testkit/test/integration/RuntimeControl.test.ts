/**
 * A mock running in another process changes its faults mid-test, through
 * `POST /control` (HTTP) or its `_control` tool called through the gateway
 * (stdio), and the next calls through the gateway show the change at once.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { FaultCodes } from "../../src/FaultSpec.js"
import { connected, control, flightSearch, gatewayLayer, invoke, offersOf } from "./gateway.js"
import { httpMock, httpStats, postControl, stdioMock } from "./mocks.js"

const forecast = { location: "Paris", start_date: "2026-06-01", end_date: "2026-06-02" }

describe("changing a running mock's faults", () => {
  it.scopedLive("over POST /control: a rate limit appears and goes away between two calls", () =>
    Effect.gen(function*() {
      const mock = yield* httpMock("flights")
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* connected("flights")
          const search = invoke("flights", "search_flights", flightSearch)
          expect(offersOf(yield* search).length).toBeGreaterThan(0)

          expect(yield* postControl(mock.url, { action: "set_faults", faults: "tool=search_flights:error:rate-limit(900)" }))
            .toMatchObject({ faults: "tool=search_flights:error:rate-limit(900,rpc)" })
          expect(yield* Effect.flip(search)).toMatchObject({
            _tag: "ToolProtocolError",
            code: FaultCodes.rateLimited,
            retryAfterMs: 900
          })

          yield* postControl(mock.url, { action: "clear" })
          expect(offersOf(yield* search).length).toBeGreaterThan(0)
          expect((yield* httpStats(mock.url)).tools["search_flights"]).toEqual({
            calls: 3,
            inFlight: 0,
            faults: { "rate-limit": 1 }
          })
        }),
        // One attempt per call: the rate limit's own error, not the default retry waiting out its hint.
        gatewayLayer({ mcpServers: { flights: { url: mock.url, policy: { retry: { maxRetries: 0 } } } } })
      )
    }))

  it.scopedLive("over the _control tool: JSON rules installed through the gateway, read back, and cleared", () =>
    Effect.provide(
      Effect.gen(function*() {
        yield* connected("weather")
        const call = invoke("weather", "forecast", forecast)
        expect(yield* call).toMatchObject({ days: expect.any(Array) })

        yield* control("weather", { action: "set_faults", faults: [{ fault: { _tag: "ToolError" }, tool: "forecast" }] })
        expect(yield* control("weather", { action: "faults" })).toMatchObject({ faults: "tool=forecast:error:tool" })
        expect(yield* Effect.flip(call)).toMatchObject({ _tag: "ToolResultError", tool: "forecast" })

        // A spec the mock cannot read is the control tool's own error, and changes nothing.
        const refused = yield* Effect.flip(control("weather", { action: "set_faults", faults: "latency:fixed(-1)" }))
        expect(refused).toMatchObject({ _tag: "ToolResultError", tool: "_control" })
        expect(refused.message).toContain("Invalid fault spec")
        expect(yield* Effect.flip(call)).toMatchObject({ _tag: "ToolResultError" })

        yield* control("weather", { action: "clear" })
        expect(yield* call).toMatchObject({ days: expect.any(Array) })
      }),
      gatewayLayer({ mcpServers: { weather: stdioMock("weather") } })
    ), 20_000)
})
