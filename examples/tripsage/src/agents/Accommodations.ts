/**
 * Accommodations: searches stays at the destination for the trip's nights,
 * lists them ranked by the traveller's profile (the area and class they
 * prefer first), takes the traveller's pick and suggests what to look at
 * next (after a hotel, things to do).
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import { PreferenceProfile } from "@baton/session"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Struct from "effect/Struct"
import * as Format from "../Format.js"
import * as Dates from "../internal/dates.js"
import * as Preferences from "../Preferences.js"
import * as Profile from "../Profile.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { HotelOption, TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

// The best rated few are enough to choose from in a conversation.
const shown = 3

const toOption = (listing: Tools.Listing): HotelOption => ({
  id: listing.id,
  name: listing.name,
  kind: listing.type,
  area: listing.location.neighbourhood,
  rating: listing.rating,
  ...(listing.stars === undefined ? {} : { stars: listing.stars }),
  pricePerNight: listing.nightly_price.amount,
  total: listing.total_price.amount
})

const search = (state: TripState, profile: PreferenceProfile.Profile, now: number) => {
  const { departDate, destination, returnDate } = state
  if (!destination || !departDate || !returnDate) {
    const gaps = Roster.missing(state, Roster.needs.accommodations)
    return Effect.succeed(Agent.reply<TripState>(`To find a place to stay I need ${Roster.describe(gaps)}.`, { state }))
  }
  return Effect.map(
    Tools.call(Tools.searchStays, {
      location: destination.name,
      check_in: departDate,
      check_out: returnDate,
      guests: state.travellers,
      currency: "GBP"
    }),
    ({ listings, nights }) => {
      const when = `${nights} nights from ${Format.day(departDate)}, for ${state.travellers}`
      if (listings.length === 0) {
        return Agent.reply<TripState>(`Nothing is free in ${destination.name} for ${when}. Other dates may work.`, { state })
      }
      const ranked = PreferenceProfile.rank(listings.map(toOption), profile, Preferences.stayCriteria, now).slice(0, shown)
      const options = ranked.map((entry) => entry.item)
      const matched = new Set(ranked.flatMap((entry) => entry.matched))
      const wanted = Preferences.known(profile, now).filter(([key]) => Preferences.stayCriteria.some((c) => c.key === key))
      const met = wanted.filter(([key]) => matched.has(key))
      const unmet = wanted.filter(([key]) => !matched.has(key))
      // A preference nothing matched is said too, so the traveller knows it was not forgotten.
      const note = (met.length === 0 ? "" : `Ranked by your preferences: ${Preferences.describe(met)} first.\n`) +
        (unmet.length === 0 ? "" : `None of these matches ${Preferences.describe(unmet)} this time.\n`)
      return Agent.reply<TripState>(
        `Places to stay in ${destination.name}, ${when}:\n` +
          `${Format.numbered(options.map((option) => Format.stay(option, nights)))}\n${note}Which one would you like?`,
        { state: { ...Struct.omit(state, "selectedHotel", "quote"), hotelOptions: options } }
      )
    }
  )
}

/**
 * The pick, and what to do next: a flight if there is none, else booking,
 * and the profile's suggestion after a hotel (booking is offered already).
 */
const select = (profile: PreferenceProfile.Profile) => (state: TripState, option: HotelOption): Agent.Outcome<TripState> => {
  const chosen: TripState = { ...Struct.omit(state, "quote"), selectedHotel: option }
  const nights = state.departDate && state.returnDate ? Dates.nightsBetween(state.departDate, state.returnDate) : 0
  const next = chosen.selectedFlight === undefined ? "You still need a flight: ask me for flights." : "Say \"book\" when you're ready."
  const done = [...(chosen.selectedFlight === undefined ? [] : ["flights"]), "hotels"]
  const suggestions = PreferenceProfile.suggest(profile, done, { limit: 3, next: Preferences.nextActions }).filter((action) => action !== "booking")
  const suggested = Preferences.nextStep(suggestions, state.destination?.name)
  const said = [`${option.name} it is: ${Format.money(option.total)} for ${nights} nights.`, next, suggested]
  return Agent.reply(said.filter((part) => part !== "").join(" "), { state: chosen })
}

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway | Profile.TravelProfile>({
  id: Roster.accommodations,
  name: "Accommodations",
  description: "Finds hotels and other places to stay at the destination for the trip's nights",
  capabilities: [
    {
      intent: "search-stays",
      description: "Search hotels, apartments and rooms at the destination",
      keywords: ["hotel", "hotels", "stay", "accommodation", "room", "apartment", "nights"],
      examples: ["Find a hotel in Lisbon", "We need somewhere to stay near the centre"]
    },
    {
      intent: "choose-stay",
      description: "Choose one of the places to stay found, by area, stars or price",
      keywords: ["neighbourhood", "stars", "suite"],
      examples: ["The boutique hotel in Alfama looks nice", "Something with four stars"]
    }
  ],
  handoffTargets: [Roster.flights, Roster.booking, Roster.budget, Roster.destination, Roster.triage],
  requiredServices: ["accommodations"],
  requiredContext: Roster.needs.accommodations,
  handle: (input) =>
    Effect.gen(function*() {
      const text = input.message.content
      const state = TripRequest.applyTo(input.state, TripRequest.read(text))
      const picked = TripRequest.choice(text)
      const profile = yield* Profile.get(input.userId)
      // As with flights: a pick refers to the list this agent showed earlier.
      if (picked !== undefined && Option.isNone(input.arrival) && state.hotelOptions !== undefined) {
        return Roster.choose(state, picked, state.hotelOptions, select(profile))
      }
      if (Option.isNone(input.arrival) && TripRequest.topics(text).booking && state.selectedHotel !== undefined) {
        return Roster.transferOrAsk(state, "booking", "the traveller wants to book", "Over to Booking.")
      }
      return yield* search(state, profile, yield* Clock.currentTimeMillis)
    })
})
