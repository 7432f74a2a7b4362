import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as MockControl from "../src/MockControl.js"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText, flightSearch, twoAdults } from "./support.js"

describe("controlling a mock", () => {
  it.scoped("the in-process handle sets, reads and clears faults and counts calls", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights)
      const client = yield* connect(yield* mock.connect)
      yield* mock.setFaults("tool=search_flights:error:tool")
      expect(yield* mock.faults).toEqual([{ fault: { _tag: "ToolError" }, tool: "search_flights", rate: 1 }])
      expect((yield* call(client, "search_flights", flightSearch)).isError).toBe(true)
      yield* mock.clearFaults
      expect((yield* call(client, "search_flights", flightSearch)).isError).toBeUndefined()
      expect(yield* mock.stats).toEqual({
        service: "flights",
        calls: 2,
        inFlight: 0,
        connections: 1,
        tools: { search_flights: { calls: 2, inFlight: 0, faults: { "tool-error": 1 } } }
      })
      const bad = yield* Effect.either(mock.setFaults("explode"))
      expect(Either.isLeft(bad) && bad.left._tag).toBe("InvalidFaultSpec")
    }))

  it.scoped("the _control tool does the same over MCP and is never faulted or counted", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { faults: "hang" })
      const client = yield* connect(yield* mock.connect)
      const control = (args: Record<string, unknown>) => Effect.map(call(client, "_control", args), data)
      expect(yield* control({ action: "faults" })).toEqual({
        faults: "hang",
        rules: [{ fault: { _tag: "Hang" }, rate: 1 }]
      })
      expect(yield* control({ action: "set_faults", faults: "tool=reserve:crash@0.5#9" })).toMatchObject({
        faults: "tool=reserve:crash@0.5#9"
      })
      expect(yield* control({ action: "set_faults", faults: [{ fault: { _tag: "ToolError" }, tool: "cancel_reservation" }] }))
        .toMatchObject({ faults: "tool=cancel_reservation:error:tool" })
      expect(yield* control({ action: "clear" })).toEqual({ faults: "", rules: [] })

      const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
      yield* call(client, "reserve", { offer_id: offer.id, passengers: twoAdults, idempotency_key: "ctl-00001" })
      const state = yield* control({ action: "state" })
      expect(state.service).toBe("flights")
      expect(state.state.reservations).toHaveLength(1)
      const stats = yield* control({ action: "stats" })
      expect(Object.keys(stats.tools)).toEqual(["search_flights", "reserve"])
      expect(stats.calls).toBe(2)

      expect(errorText(yield* call(client, "_control", { action: "set_faults", faults: "latency:fixed(-1)" })))
        .toContain("Invalid fault spec")
      expect(errorText(yield* call(client, "_control", { action: "explode" }))).toContain("action")
    }))

  it("decodes control requests and explains bad ones", () => {
    expect(MockControl.decode({ action: "stats" })).toEqual(Either.right({ action: "stats" }))
    const bad = MockControl.decode({ action: "reboot" })
    expect(Either.isLeft(bad) && bad.left.message).toContain(`{"action": "set_faults", "faults": <spec>}`)
  })
})
