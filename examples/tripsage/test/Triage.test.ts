import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Triage from "../src/agents/Triage.js"
import * as TripState from "../src/TripState.js"
import { handle, inputFor, lisbonTrip, stateOf } from "./fixtures.js"

describe("Triage", () => {
  it.effect("notes the whole trip and hands over to destination research", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(
        Triage.agent,
        inputFor(
          "Hi! I'm planning a trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17, with a budget of £2,500.",
          TripState.initial()
        )
      )
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "destination", mode: "transfer" })
      expect(stateOf(outcome)).toEqual(lisbonTrip)
      expect(outcome).toHaveProperty("text", expect.stringContaining("London → Lisbon, 10 Dec 2026 to 17 Dec 2026"))
    }))

  it.effect("asks for the trip when the message says nothing about it", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Triage.agent, inputFor("Hello!", TripState.initial()))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("Where would you like to go") })
    }))

  it.effect("sends a flight request to Flights once the route and date are known", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Triage.agent, inputFor("Flights from London to Rome on 2026-05-01", TripState.initial()))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "flights" })
    }))

  it.effect("asks for what Flights needs instead of attempting a handoff it would refuse", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Triage.agent, inputFor("Find me flights to Rome", TripState.initial()))
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: "To help with that I still need where you're leaving from and your departure date (like 2026-12-10)."
      })
    }))
})
