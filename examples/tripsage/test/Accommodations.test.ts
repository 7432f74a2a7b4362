import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Accommodations from "../src/agents/Accommodations.js"
import { anaFlight, arrivedFrom, handle, historicSuites, inputFor, lisbonTrip, recordingGateway, stateOf } from "./fixtures.js"

const withFlight = { ...lisbonTrip, selectedFlight: anaFlight }

describe("Accommodations", () => {
  it.effect("searches the destination for the trip's dates and party, priced in pounds", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      yield* Accommodations.agent.handle(inputFor("a hotel please", withFlight)).pipe(Effect.provide(gateway.layer))
      expect(gateway.calls).toEqual([{
        service: "accommodations",
        tool: "search",
        args: { location: "Lisbon", check_in: "2026-12-10", check_out: "2026-12-17", guests: 2, currency: "GBP" }
      }])
    }))

  it.effect("lists the three best rated stays for the trip's nights when handed the conversation", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(
        Accommodations.agent,
        inputFor("Option 2, please.", withFlight, { arrival: arrivedFrom("flights", "accommodations", withFlight) })
      )
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringContaining("Places to stay in Lisbon, 7 nights from 10 Dec 2026, for 2:\n" +
          "1) Historic Lisbon Suites, 5★ hotel in Harbour, rated 4.8 — £214.30 a night (£1,500.10 for 7 nights)")
      })
      const options = stateOf(outcome).hotelOptions!
      expect(options).toHaveLength(3)
      expect(options[0]).toEqual(historicSuites)
      expect(stateOf(outcome).selectedHotel).toBeUndefined()
    }))

  it.effect("takes 'the first one' and prices it for the whole stay", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Accommodations.agent, inputFor("a hotel please", withFlight)))
      const outcome = yield* handle(Accommodations.agent, inputFor("The first one looks perfect.", listed))
      expect(outcome).toMatchObject({
        _tag: "Reply",
        // After a hotel, things to do: the default next step for a traveller with no history.
        text: "Historic Lisbon Suites it is: £1,500.10 for 7 nights. Say \"book\" when you're ready. " +
          "Suggested next: things to do in Lisbon."
      })
      expect(stateOf(outcome).selectedHotel).toEqual(historicSuites)
    }))

  it.effect("hands a booking request to Booking once a stay is chosen", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Accommodations.agent, inputFor("a hotel please", withFlight)))
      const chosen = { ...listed, selectedHotel: listed.hotelOptions![0]! }
      const outcome = yield* handle(Accommodations.agent, inputFor("book it", chosen))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "booking", mode: "transfer" })
    }))
})
