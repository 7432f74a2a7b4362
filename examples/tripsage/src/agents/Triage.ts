/**
 * Triage: welcomes the traveller, notes what the message says about the trip
 * and passes the conversation to the specialist for it.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Format from "../Format.js"
import type { TripError } from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

const summary = (state: TripState): string => {
  const parts = [
    state.origin && state.destination
      ? `${state.origin.name} → ${state.destination.name}`
      : state.destination?.name ?? (state.origin ? `from ${state.origin.name}` : undefined),
    state.departDate && (state.returnDate
      ? `${Format.day(state.departDate)} to ${Format.day(state.returnDate)}`
      : `leaving ${Format.day(state.departDate)}`),
    `${state.travellers} traveller${state.travellers === 1 ? "" : "s"}`,
    state.budget === undefined ? undefined : `budget ${Format.money(state.budget)}`
  ]
  return parts.filter((part) => part !== undefined).join(", ")
}

const decide = (text: string, before: TripState): Agent.Outcome<TripState> => {
  const state = TripRequest.applyTo(before, TripRequest.read(text))
  const topics = TripRequest.topics(text)
  const noted = `Welcome to TripSage! I've noted: ${summary(state)}.`
  if (topics.booking && state.selectedFlight && state.selectedHotel) {
    return Roster.transferOrAsk(state, "booking", "the traveller wants to book", `${noted} Passing you to Booking.`)
  }
  if (topics.flights) {
    return Roster.transferOrAsk(state, "flights", "the traveller asked for flights", `${noted} Passing you to Flights.`)
  }
  if (topics.stay) {
    return Roster.transferOrAsk(state, "accommodations", "the traveller asked for a place to stay", `${noted} Passing you to Accommodations.`)
  }
  if (topics.budget) {
    return Roster.transferOrAsk(state, "budget", "the traveller asked about costs", `${noted} Passing you to Budget.`)
  }
  if (state.destination) {
    return Agent.transfer(Roster.destination, `research ${state.destination.name} before booking anything`, {
      state,
      text: `${noted} Let me pass you to our destination expert.`
    })
  }
  return Agent.reply(
    "Welcome to TripSage! Where would you like to go, and from where? Tell me your dates (like 2026-12-10), " +
      "how many of you are travelling and your budget.",
    { state }
  )
}

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, TripError, ToolGateway.ToolGateway>({
  id: Roster.triage,
  name: "Triage",
  description: "Welcomes travellers, notes where, when and with whom they travel, and passes them to the right specialist",
  capabilities: [
    {
      intent: "welcome",
      description: "Greet a traveller and start planning a new trip",
      keywords: ["hello", "hi", "hey", "help", "start", "welcome"],
      examples: ["Hi, can you help me?", "Hello there"]
    },
    {
      intent: "plan-trip",
      description: "Collect the origin, destination, dates, party size and budget of a trip",
      keywords: ["trip", "holiday", "vacation", "travel", "plan", "getaway"],
      examples: ["I want to plan a holiday", "We're travelling somewhere warm this winter"]
    }
  ],
  handoffTargets: [Roster.destination, Roster.flights, Roster.accommodations, Roster.budget, Roster.booking],
  requiredContext: Roster.needs.triage,
  handle: (input) => Effect.sync(() => decide(input.message.content, input.state))
})
