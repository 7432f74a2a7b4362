/**
 * The gateway checks a call's arguments against the tool's input schema, as
 * the mock lists it, before sending: a wrong call fails with
 * `InvalidToolArguments` naming each field, and never reaches the mock.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { connected, controlStats, flightSearch, gatewayLayer, invoke } from "./gateway.js"
import { stdioMock } from "./mocks.js"

const service = "flights"

layer(gatewayLayer({ mcpServers: { [service]: stdioMock(service) } }), { excludeTestServices: true, timeout: "30 seconds" })(
  "argument validation against a mock's schemas, over stdio",
  (it) => {
    it.effect("a city name where an IATA code belongs is refused, naming origin", () =>
      Effect.gen(function*() {
        yield* connected(service)
        const error = yield* Effect.flip(invoke(service, "search_flights", { ...flightSearch, origin: "lisbon" }))
        expect(error).toMatchObject({ _tag: "InvalidToolArguments", service, tool: "search_flights" })
        const issues = (error as { readonly issues: ReadonlyArray<string> }).issues
        expect(issues).toHaveLength(1)
        expect(issues[0]).toMatch(/^origin: must match pattern/)
        expect(error.message).toContain("origin")
      }))

    it.effect("every wrong field is named: types, missing fields, bounds", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(invoke(service, "reserve", { offer_id: 42, passengers: [] }))
        expect(error._tag).toBe("InvalidToolArguments")
        const issues = (error as { readonly issues: ReadonlyArray<string> }).issues
        expect(issues).toEqual(expect.arrayContaining([
          "idempotency_key: is required",
          "offer_id: must be string",
          expect.stringMatching(/^passengers: must NOT have fewer than 1 item/)
        ]))
      }))

    it.effect("refused calls never reach the mock; a valid one does", () =>
      Effect.gen(function*() {
        expect((yield* controlStats(service)).calls).toBe(0)
        yield* invoke(service, "search_flights", flightSearch)
        expect((yield* controlStats(service)).tools).toEqual({
          search_flights: { calls: 1, inFlight: 0, faults: {} }
        })
      }))
  }
)
