import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Accommodations from "../src/agents/Accommodations.js"
import { arrivedFrom, handle, inputFor, lisbonTrip, stateOf, tapFlight } from "./fixtures.js"

const withFlight = { ...lisbonTrip, selectedFlight: tapFlight }

describe("Accommodations", () => {
  it.effect("lists stays for the trip's nights when handed the conversation", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(
        Accommodations.agent,
        inputFor("Option 2, please.", withFlight, { arrival: arrivedFrom("flights", "accommodations", withFlight) })
      )
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringContaining("Places to stay in Lisbon, 7 nights from 10 Dec 2026, for 2:")
      })
      expect(stateOf(outcome).hotelOptions).toHaveLength(3)
      expect(stateOf(outcome).selectedHotel).toBeUndefined()
    }))

  it.effect("takes 'the first one' and prices it for the whole stay", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Accommodations.agent, inputFor("a hotel please", withFlight)))
      const first = listed.hotelOptions![0]!
      const outcome = yield* handle(Accommodations.agent, inputFor("The first one looks perfect.", listed))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining(`${first.name} it is`) })
      expect(outcome).toHaveProperty("text", expect.stringContaining("Say \"book\""))
      expect(stateOf(outcome).selectedHotel).toEqual(first)
    }))

  it.effect("hands a booking request to Booking once a stay is chosen", () =>
    Effect.gen(function*() {
      const listed = stateOf(yield* handle(Accommodations.agent, inputFor("a hotel please", withFlight)))
      const chosen = { ...listed, selectedHotel: listed.hotelOptions![0]! }
      const outcome = yield* handle(Accommodations.agent, inputFor("book it", chosen))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "booking", mode: "transfer" })
    }))
})
