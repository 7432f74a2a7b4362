/**
 * Budget: adds up the chosen flight and stay and compares the total with the
 * traveller's budget. When another agent delegated the check, it returns the
 * verdict to that agent; asked directly, it answers the traveller.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Struct from "effect/Struct"
import * as Format from "../Format.js"
import * as Pricing from "../Pricing.js"
import type { TripError } from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { Quote, TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

const verdict = (quote: Quote, nights: number): string => {
  const sum = `Flights ${Format.money(quote.flights)} + ${nights} nights' stay ${Format.money(quote.stay)} = ${Format.money(quote.total)}`
  const difference = Format.money(Pricing.pence(Math.abs(quote.budget - quote.total)))
  return quote.withinBudget
    ? `${sum}: within your ${Format.money(quote.budget)} budget, with ${difference} to spare.`
    : `${sum}: ${difference} over your ${Format.money(quote.budget)} budget.`
}

const decide = (text: string, before: TripState, delegated: boolean): Agent.Outcome<TripState> => {
  const state = TripRequest.applyTo(before, TripRequest.read(text))
  if (state.budget === undefined) return Agent.reply("What's your budget for the trip?", { state })
  const price = Pricing.of(state)
  if (price === undefined) {
    const said = `Your budget is ${Format.money(state.budget)}. Once you've chosen a flight and a place to stay I'll add them up.`
    return delegated
      ? Agent.returnToCaller("nothing to price yet", { state: Struct.omit(state, "quote"), text: said })
      : Agent.reply(said, { state })
  }
  const quote: Quote = {
    flights: price.flights,
    stay: price.stay,
    total: price.total,
    budget: state.budget,
    withinBudget: price.total <= state.budget
  }
  const checked: TripState = { ...state, quote }
  const said = verdict(quote, price.nights)
  if (delegated) {
    return Agent.returnToCaller(quote.withinBudget ? "the total is within budget" : "the total is over budget", {
      state: checked,
      text: said
    })
  }
  return Agent.reply(quote.withinBudget ? `${said} Say "book" when you're ready.` : `${said} A cheaper flight or stay would help.`, {
    state: checked
  })
}

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, TripError, ToolGateway.ToolGateway>({
  id: Roster.budget,
  name: "Budget",
  description: "Adds up the chosen flight and stay and checks the total against the traveller's budget",
  capabilities: [
    {
      intent: "check-budget",
      description: "Total cost of the trip compared with the budget",
      keywords: ["budget", "cost", "total", "afford", "price", "spend", "expensive", "cheap"],
      examples: ["Can we afford this?", "What's the total cost?", "Is this within my budget?"]
    }
  ],
  handoffTargets: [Roster.flights, Roster.accommodations, Roster.booking, Roster.triage],
  requiredContext: Roster.needs.budget,
  // A delegated check goes back to its caller; the stack says whether there is one.
  handle: (input) => Effect.sync(() => decide(input.message.content, input.state, input.agentStack.length > 0))
})
