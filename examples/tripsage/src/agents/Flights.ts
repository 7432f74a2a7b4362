/**
 * Flights: searches the flights service for the trip's route and dates (in
 * the traveller's preferred cabin), lists the options ranked by their
 * profile (an airline they chose before comes first), and takes the
 * traveller's pick ("option 2") before passing them on to find a place to
 * stay.
 *
 * @since 0.1.0
 */
import { Agent, WorkflowExecutor } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import { PreferenceProfile } from "@baton/session"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Struct from "effect/Struct"
import * as Format from "../Format.js"
import * as Preferences from "../Preferences.js"
import * as Profile from "../Profile.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { FlightOption, TripState } from "../TripState.js"
import * as Workflows from "../Workflows.js"
import * as Destination from "./Destination.js"
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

/** What the searches run alongside the flights found, in a line each. */
const alongside = (result: Workflows.SearchResult, departDate: string): Array<string> => {
  const lines: Array<string> = []
  const { activities, stays, weather } = result.outputs
  if (stays !== undefined && stays.listings.length > 0) {
    const from = Math.min(...stays.listings.map((listing) => listing.nightly_price.amount))
    lines.push(`Places to stay: ${stays.listings.length} found, from ${Format.money(from)} a night.`)
  }
  if (weather !== undefined && weather.days.length > 0) {
    const end = weather.days[weather.days.length - 1]!.date
    lines.push(
      `Weather, ${Format.day(departDate)}${end === departDate ? "" : ` to ${Format.day(end)}`}: ${Destination.summary(weather.days)}.`
    )
  }
  const top = activities?.activities[0]
  if (top !== undefined) lines.push(`Top thing to do: ${top.name}.`)
  const note = Workflows.degradedNote(result.missing)
  if (note !== "") lines.push(note)
  return lines
}

/** What the traveller's profile did to the list, and what it asks of the booking: a line each, when any. */
const personalised = (matched: ReadonlyArray<string>, profile: PreferenceProfile.Profile, now: number): Array<string> => {
  const known = Preferences.known(profile, now)
  const ranked = known.filter(([key]) => matched.includes(key))
  const onBoard = known.filter(([key]) => key === "seat" || key === "dietary")
  return [
    ...(ranked.length === 0 ? [] : [`Ranked by your preferences: ${Preferences.describe(ranked)} first.`]),
    ...(onBoard.length === 0 ? [] : [`I'll request ${Preferences.describe(onBoard)} when booking.`])
  ]
}

/**
 * Flights, places to stay, the forecast and things to do, searched at once
 * by the `trip-search` workflow; the reply lists the flights, best match for
 * the traveller's profile first, with what the other searches found, and
 * says in words what is missing when an optional search failed.
 */
const search = (state: TripState, profile: PreferenceProfile.Profile, now: number) => {
  const { departDate, destination, origin, returnDate } = state
  if (!origin || !destination || !departDate) {
    const gaps = Roster.missing(state, Roster.needs.flights)
    return Effect.succeed(Agent.reply<TripState>(`To search flights I need ${Roster.describe(gaps)}.`, { state }))
  }
  const workflow = Workflows.search({
    origin,
    destination,
    departDate,
    returnDate,
    travellers: state.travellers,
    cabin: Preferences.cabinOf(profile, now)
  })
  return Effect.map(
    Effect.orDie(WorkflowExecutor.execute(workflow)),
    (result) => {
      const dates = returnDate === undefined
        ? Format.day(departDate)
        : `${Format.day(departDate)}, returning ${Format.day(returnDate)}`
      const route = `${Format.place(origin)} → ${Format.place(destination)} on ${dates}`
      const found = result.outputs.flights
      if (found === undefined) {
        const why = result.missing.find((step) => step.step === "flights")?.reason ?? "the search did not finish"
        return Agent.reply<TripState>(
          `I couldn't search flights ${route} just now (${why}). Please ask me again in a moment.`,
          { state }
        )
      }
      const { offers } = found
      if (offers.length === 0) {
        return Agent.reply<TripState>(`There are no flights ${route}. Other dates may work.`, { state })
      }
      const ranked = PreferenceProfile.rank(offers.map(toOption), profile, Preferences.flightCriteria, now).slice(0, shown)
      const options = ranked.map((entry) => entry.item)
      const extra = alongside(result, departDate)
      const notes = personalised(ranked.flatMap((entry) => entry.matched), profile, now)
      return Agent.reply<TripState>(
        `Flights ${route}, for ${state.travellers}:\n` +
          `${Format.numbered(options.map((option) => Format.flight(option, state.travellers)))}\n` +
          notes.map((note) => `${note}\n`).join("") +
          (extra.length === 0 ? "" : `Searched in parallel with the flights:\n${extra.join("\n")}\n`) +
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
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway | Profile.TravelProfile>({
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
      return Effect.succeed(Roster.choose(state, picked, state.flightOptions, select))
    }
    if (Option.isNone(input.arrival) && TripRequest.topics(text).stay && state.selectedFlight !== undefined) {
      return Effect.succeed(
        Roster.transferOrAsk(state, "accommodations", "the traveller asked for a place to stay", "Over to Accommodations.")
      )
    }
    return Effect.flatMap(
      Effect.zip(Profile.get(input.userId), Clock.currentTimeMillis),
      ([profile, now]) => search(state, profile, now)
    )
  }
})
