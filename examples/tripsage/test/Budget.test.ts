import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Budget from "../src/agents/Budget.js"
import { anaFlight, chosenTotal, handle, historicSuites, inputFor, lisbonTrip, stateOf } from "./fixtures.js"

const chosen = { ...lisbonTrip, selectedFlight: anaFlight, selectedHotel: historicSuites }

describe("Budget", () => {
  it.effect("returns a within-budget verdict to the agent that delegated the check", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("book everything", chosen, { agentStack: ["booking"] }))
      expect(outcome).toMatchObject({
        _tag: "Return",
        reason: "the total is within budget",
        text: "Flights £452.60 + 7 nights' stay £1,500.10 = £1,952.70: within your £2,500 budget, with £547.30 to spare."
      })
      expect(stateOf(outcome).quote).toEqual({ flights: 452.6, stay: 1500.1, total: chosenTotal, budget: 2500, withinBudget: true })
    }))

  it.effect("returns an over-budget verdict with the shortfall", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("book", { ...chosen, budget: 1500 }, { agentStack: ["booking"] }))
      expect(outcome).toMatchObject({ _tag: "Return", reason: "the total is over budget", text: expect.stringContaining("£452.70 over") })
      expect(stateOf(outcome).quote?.withinBudget).toBe(false)
    }))

  it.effect("answers the traveller directly when asked, taking a new budget from the message", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("Can we afford it on a budget of £2,000?", chosen))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("within your £2,000 budget, with £47.30 to spare") })
    }))

  it.effect("says what it needs before anything is chosen", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Budget.agent, inputFor("what's the total?", lisbonTrip))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("Once you've chosen a flight") })
    }))
})
