import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Struct from "effect/Struct"
import * as Flights from "../src/agents/Flights.js"
import { anaFlight, arrivedFrom, handle, inputFor, lisbonTrip, recordingGateway, stateOf } from "./fixtures.js"

describe("Flights", () => {
  it.effect("searches flights by airport codes, dates, party and cabin, priced in pounds, with stays, weather and activities", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      yield* Flights.agent.handle(inputFor("Please find us flights.", lisbonTrip)).pipe(Effect.provide(gateway.layer))
      const byTool = (service: string, tool: string) =>
        gateway.calls.filter((call) => call.service === service && call.tool === tool).map((call) => call.args)
      expect(gateway.calls).toHaveLength(4)
      expect(byTool("flights", "search_flights")).toEqual([{
        origin: "LHR",
        destination: "LIS",
        departure_date: "2026-12-10",
        return_date: "2026-12-17",
        adults: 2,
        cabin_class: "economy",
        currency: "GBP"
      }])
      expect(byTool("accommodations", "search")).toEqual([
        { location: "Lisbon", check_in: "2026-12-10", check_out: "2026-12-17", guests: 2, currency: "GBP" }
      ])
      expect(byTool("weather", "forecast")).toEqual([
        { location: "Lisbon", start_date: "2026-12-10", end_date: "2026-12-17", units: "metric" }
      ])
      expect(byTool("activities", "search")).toEqual([{ location: "Lisbon", limit: 3, currency: "GBP" }])
    }))

  it.effect("lists the three cheapest offers for the route and dates and remembers them", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Flights.agent, inputFor("Please find us flights.", lisbonTrip))
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringContaining("Flights London (LHR) → Lisbon (LIS) on 10 Dec 2026, returning 17 Dec 2026, for 2:")
      })
      expect(outcome).toHaveProperty("text", expect.stringContaining("2) ANA NH90, departs 07:25, 2h 27m, direct — £452.60 for 2, return"))
      const options = stateOf(outcome).flightOptions!
      expect(options).toHaveLength(3)
      expect(options[1]).toEqual(anaFlight)
      expect(options.map((option) => option.price)).toEqual([...options.map((option) => option.price)].sort((a, b) => a - b))
    }))

  it.effect("takes 'option 2' from its list and hands over to find a stay", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Flights.agent, inputFor("flights please", lisbonTrip)))
      const outcome = yield* handle(Flights.agent, inputFor("Option 2, please.", listed))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "accommodations", mode: "transfer" })
      expect(stateOf(outcome).selectedFlight).toEqual(listed.flightOptions![1])
    }))

  it.effect("searches rather than picks on the turn it is handed the conversation", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Flights.agent, inputFor("flights please", lisbonTrip)))
      const outcome = yield* handle(
        Flights.agent,
        inputFor("Option 2, please.", listed, { arrival: arrivedFrom("destination", "flights", listed) })
      )
      expect(outcome._tag).toBe("Reply")
      expect(stateOf(outcome).selectedFlight).toBeUndefined()
    }))

  it.effect("says so when the option does not exist", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Flights.agent, inputFor("flights please", lisbonTrip)))
      const outcome = yield* handle(Flights.agent, inputFor("option 7", listed))
      expect(outcome).toMatchObject({ _tag: "Reply", text: "There is no option 7; choose 1 to 3." })
    }))

  it.effect("asks for the departure date before searching", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Flights.agent, inputFor("flights please", Struct.omit(lisbonTrip, "departDate", "returnDate")))
      expect(outcome).toMatchObject({ _tag: "Reply", text: "To search flights I need your departure date (like 2026-12-10)." })
    }))
})
