/**
 * Triage: welcomes the traveller, notes what the message says about the trip
 * and passes the conversation to the specialist for it. A returning
 * traveller is welcomed back: what earlier sessions answered (where from, how
 * many travel) is filled in from their profile instead of asked again, and
 * the preferences it holds are named. Preferences stated on their own ("I
 * prefer aisle seats") are acknowledged; the profile learns them.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import type { PreferenceProfile } from "@baton/session"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Format from "../Format.js"
import * as Preferences from "../Preferences.js"
import * as Profile from "../Profile.js"
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

/** What Triage knows of the traveller beyond this session. */
interface Memory {
  readonly profile: PreferenceProfile.Profile
  readonly now: number
  /** This is the session's first message. */
  readonly first: boolean
}

// "Find", "book"… make a message a request even when it also states a preference.
const asks = /\b(?:find|search|book|show|look for|check)\b/i

const decide = (text: string, before: TripState, memory: Memory): Agent.Outcome<TripState> => {
  const request = TripRequest.read(text)
  const applied = TripRequest.applyTo(before, request)
  const stated = Preferences.read(text)
  const known = Preferences.known(memory.profile, memory.now)
  const returning = memory.first && Object.keys(memory.profile.preferences).length > 0
  const { filled, state } = memory.first
    ? Preferences.prefill(applied, memory.profile, memory.now, {
      origin: request.origin !== undefined,
      travellers: request.travellers !== undefined
    })
    : { filled: [], state: applied }
  if (stated.length > 0 && Object.keys(request).length === 0 && !asks.test(text)) {
    return Agent.reply(`Noted for your next trips: ${Preferences.describe(stated)}. I'll remember.`, { state })
  }
  const topics = TripRequest.topics(text)
  const remembered = filled.length === 0 ? "" : ` From your earlier trips I know: ${filled.join(", ")}, so I won't ask again.`
  const noted = `Welcome${returning ? " back" : ""} to TripSage! I've noted: ${summary(state)}.${remembered}`
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
  if (returning && state.destination) {
    const keep = known.length === 0 ? "" : ` I'll keep in mind your preferences: ${Preferences.describe(known)}.`
    return Agent.reply(`${noted}${keep} Shall I find flights, or tell you about ${state.destination.name} first?`, { state })
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
export const agent = Agent.make<TripState, TripError, ToolGateway.ToolGateway | Profile.TravelProfile>({
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
    },
    {
      intent: "remember-preferences",
      description: "Remember the traveller's preferences for future trips: seats, cabin, hotel class, area, diet",
      keywords: ["prefer", "preference", "usually", "always", "aisle", "window", "seat", "economy", "vegetarian", "vegan", "star"],
      examples: ["I prefer aisle seats", "For next time: I'm vegetarian and like 4-star hotels"]
    }
  ],
  handoffTargets: [Roster.destination, Roster.flights, Roster.accommodations, Roster.budget, Roster.booking],
  requiredContext: Roster.needs.triage,
  handle: (input) =>
    Effect.gen(function*() {
      const profile = yield* Profile.get(input.userId)
      const now = yield* Clock.currentTimeMillis
      const first = input.history.filter((message) => message.role === "user").length === 1
      return decide(input.message.content, input.state, { profile, now, first })
    })
})
