import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Destination from "../src/agents/Destination.js"
import { arrivedFrom, handle, inputFor, lisbonTrip } from "./fixtures.js"

describe("Destination", () => {
  it.effect("answers with the forecast for the dates and things to do", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(
        Destination.agent,
        inputFor("Hi!", lisbonTrip, { arrival: arrivedFrom("triage", "destination", lisbonTrip) })
      )
      expect(outcome._tag).toBe("Reply")
      expect(outcome).toHaveProperty("text", expect.stringMatching(/^Lisbon \(LIS\), 10 Dec 2026 to 17 Dec 2026: .*°C/))
      expect(outcome).toHaveProperty("text", expect.stringContaining("1) Tram 28 through Alfama"))
    }))

  it.effect("lists things to do and asks for dates when there are none", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Destination.agent, inputFor("Tell me about Tokyo", { travellers: 1 }))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("tell me your dates") })
      expect(outcome).toHaveProperty("text", expect.stringContaining("Sensō-ji at dawn"))
    }))

  it.effect("passes a flight request on to Flights", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Destination.agent, inputFor("Can we fly there?", lisbonTrip))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "flights", mode: "transfer" })
    }))
})
