/**
 * Accommodations: searches stays at the destination for the trip's nights
 * and takes the traveller's pick.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Struct from "effect/Struct"
import * as Format from "../Format.js"
import * as Dates from "../internal/dates.js"
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
  pricePerNight: listing.nightly_price.amount,
  total: listing.total_price.amount
})

const search = (state: TripState) => {
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
      const options = listings.slice(0, shown).map(toOption)
      return Agent.reply<TripState>(
        `Places to stay in ${destination.name}, ${when}:\n` +
          `${Format.numbered(options.map((option) => Format.stay(option, nights)))}\nWhich one would you like?`,
        { state: { ...Struct.omit(state, "selectedHotel", "quote"), hotelOptions: options } }
      )
    }
  )
}

const select = (state: TripState, option: HotelOption): Agent.Outcome<TripState> => {
  const chosen: TripState = { ...Struct.omit(state, "quote"), selectedHotel: option }
  const nights = state.departDate && state.returnDate ? Dates.nightsBetween(state.departDate, state.returnDate) : 0
  const next = chosen.selectedFlight === undefined ? "You still need a flight: ask me for flights." : "Say \"book\" when you're ready."
  return Agent.reply(`${option.name} it is: ${Format.money(option.total)} for ${nights} nights. ${next}`, {
    state: chosen
  })
}

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway>({
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
  handle: (input) => {
    const text = input.message.content
    const state = TripRequest.applyTo(input.state, TripRequest.read(text))
    const picked = TripRequest.choice(text)
    // As with flights: a pick refers to the list this agent showed earlier.
    if (picked !== undefined && Option.isNone(input.arrival) && state.hotelOptions !== undefined) {
      return Effect.succeed(Roster.choose(state, picked, state.hotelOptions, select))
    }
    if (Option.isNone(input.arrival) && TripRequest.topics(text).booking && state.selectedHotel !== undefined) {
      return Effect.succeed(Roster.transferOrAsk(state, "booking", "the traveller wants to book", "Over to Booking."))
    }
    return search(state)
  }
})
