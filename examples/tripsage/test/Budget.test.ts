import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Budget from "../src/agents/Budget.js"
import { alfamaHotel, chosenTotal, handle, inputFor, lisbonTrip, stateOf, tapFlight } from "./fixtures.js"

const chosen = { ...lisbonTrip, selectedFlight: tapFlight, selectedHotel: alfamaHotel }

describe("Budget", () => {
  it.effect("returns a within-budget verdict to the agent that delegated the check", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("book everything", chosen, { agentStack: ["booking"] }))
      expect(outcome).toMatchObject({
        _tag: "Return",
        reason: "the total is within budget",
        text: "Flights £730 + 7 nights' stay £833 = £1,563: within your £2,500 budget, with £937 to spare."
      })
      expect(stateOf(outcome).quote).toEqual({ flights: 730, stay: 833, total: chosenTotal, budget: 2500, withinBudget: true })
    }))

  it.effect("returns an over-budget verdict with the shortfall", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("book", { ...chosen, budget: 1500 }, { agentStack: ["booking"] }))
      expect(outcome).toMatchObject({ _tag: "Return", reason: "the total is over budget", text: expect.stringContaining("£63 over") })
      expect(stateOf(outcome).quote?.withinBudget).toBe(false)
    }))

  it.effect("answers the traveller directly when asked, taking a new budget from the message", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("Can we afford it on a budget of £1,600?", chosen))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("within your £1,600 budget") })
    }))

  it.effect("says what it needs before anything is chosen", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("what's the total?", lisbonTrip))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("Once you've chosen a flight") })
    }))
})
