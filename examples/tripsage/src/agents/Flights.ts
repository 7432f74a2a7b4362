/**
 * Flights: searches the flights service for the trip's route and dates, lists
 * the options, and takes the traveller's pick ("option 2") before passing
 * them on to find a place to stay.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Struct from "effect/Struct"
import * as Format from "../Format.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { FlightOption, TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

// The cheapest few are enough to choose from in a conversation.
const shown = 3

const toOption = (offer: Tools.Offer): FlightOption => {
  const [out, back] = offer.slices
  const connections = out.segments.slice(0, -1).map((segment) => segment.destination)
  return {
    id: offer.id,
    airline: offer.airline.name,
    flightNumber: out.segments[0].flight_number,
    from: out.origin,
    to: out.destination,
    departDate: out.departure_time.slice(0, 10),
    departTime: out.departure_time.slice(11, 16),
    durationMinutes: out.duration_minutes,
    stops: out.stops,
    ...(connections.length === 0 ? {} : { via: connections }),
    ...(back === undefined ? {} : { returnDate: back.departure_time.slice(0, 10) }),
    price: offer.price.amount
  }
}

const search = (state: TripState) => {
  const { departDate, destination, origin, returnDate } = state
  if (!origin || !destination || !departDate) {
    const gaps = Roster.missing(state, Roster.needs.flights)
    return Effect.succeed(Agent.reply<TripState>(`To search flights I need ${Roster.describe(gaps)}.`, { state }))
  }
  return Effect.map(
    Tools.call(Tools.searchFlights, {
      origin: origin.code,
      destination: destination.code,
      departure_date: departDate,
      ...(returnDate === undefined ? {} : { return_date: returnDate }),
      adults: state.travellers,
      cabin_class: "economy",
      currency: "GBP"
    }),
    ({ offers }) => {
      const dates = returnDate === undefined
        ? Format.day(departDate)
        : `${Format.day(departDate)}, returning ${Format.day(returnDate)}`
      const route = `${Format.place(origin)} → ${Format.place(destination)} on ${dates}`
      if (offers.length === 0) {
        return Agent.reply<TripState>(`There are no flights ${route}. Other dates may work.`, { state })
      }
      const options = offers.slice(0, shown).map(toOption)
      return Agent.reply<TripState>(
        `Flights ${route}, for ${state.travellers}:\n` +
          `${Format.numbered(options.map((option) => Format.flight(option, state.travellers)))}\n` +
          `Which one would you like? Say "option 1", "option 2"…`,
        { state: { ...Struct.omit(state, "selectedFlight", "quote"), flightOptions: options } }
      )
    }
  )
}

const select = (state: TripState, option: FlightOption): Agent.Outcome<TripState> => {
  const chosen: TripState = { ...Struct.omit(state, "quote"), selectedFlight: option }
  const said = `${option.airline} ${option.flightNumber} it is, ${Format.money(option.price)} for ${state.travellers}.`
  return chosen.selectedHotel === undefined
    ? Roster.transferOrAsk(chosen, "accommodations", "flight chosen; the traveller needs somewhere to stay", `${said} Now let's find you somewhere to stay.`)
    : Agent.reply(`${said} Say "book" when you're ready.`, { state: chosen })
}

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway>({
  id: Roster.flights,
  name: "Flights",
  description: "Finds flights between two airports on the travel dates and takes the traveller's choice of flight",
  capabilities: [
    {
      intent: "search-flights",
      description: "Search flights for the route, dates and number of passengers",
      keywords: ["flight", "flights", "fly", "airline", "airport", "plane", "airfare"],
      examples: ["Find flights from London to Lisbon on 2026-12-10", "Are there direct flights to Rome?"]
    },
    {
      intent: "choose-flight",
      description: "Choose one of the flights found, by airline, time or price",
      keywords: ["departure", "direct", "layover"],
      examples: ["I'll take the morning flight", "The cheapest flight please"]
    }
  ],
  handoffTargets: [Roster.accommodations, Roster.destination, Roster.budget, Roster.booking, Roster.triage],
  requiredServices: ["flights"],
  requiredContext: Roster.needs.flights,
  handle: (input) => {
    const text = input.message.content
    const state = TripRequest.applyTo(input.state, TripRequest.read(text))
    const picked = TripRequest.choice(text)
    // A pick refers to the list this agent showed, so it counts only when the
    // conversation was already here, not on the turn it arrived.
    if (picked !== undefined && Option.isNone(input.arrival) && state.flightOptions !== undefined) {
      const option = state.flightOptions[picked - 1]
      return Effect.succeed(
        option === undefined
          ? Agent.reply(`There is no option ${picked}; choose 1 to ${state.flightOptions.length}.`, { state })
          : select(state, option)
      )
    }
    if (Option.isNone(input.arrival) && TripRequest.topics(text).stay && state.selectedFlight !== undefined) {
      return Effect.succeed(
        Roster.transferOrAsk(state, "accommodations", "the traveller asked for a place to stay", "Over to Accommodations.")
      )
    }
    return search(state)
  }
})
