/**
 * Destination research: the forecast for the travel dates and things to do,
 * fetched from the weather and activities services in parallel. When one of
 * them fails, the answer goes without its part and says so in plain words
 * (and records a `Degradation` note, so the turn counts as degraded).
 *
 * @since 0.1.0
 */
import { Agent, Degradation } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Format from "../Format.js"
import * as Dates from "../internal/dates.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

type Destination = NonNullable<TripState["destination"]>

const wet = new Set(["light_rain", "rain", "thunderstorm"])

const range = (values: ReadonlyArray<number>) => {
  const low = Math.round(Math.min(...values))
  const high = Math.round(Math.max(...values))
  return low === high ? `${low}°C` : `${low}–${high}°C`
}

/**
 * "highs of 8–19°C, lows of 3–12°C, rain on 4 of 8 days".
 *
 * @since 0.1.0 @category formatting
 */
export const summary = (days: ReadonlyArray<Tools.ForecastDay>) => {
  const rainy = days.filter((day) => wet.has(day.condition)).length
  const snowy = days.filter((day) => day.condition === "snow").length
  const rain = rainy === 0 ? "dry every day" : `rain on ${rainy} of ${days.length} days`
  return `highs of ${range(days.map((day) => day.temp_max))}, lows of ${range(days.map((day) => day.temp_min))}, ${rain}` +
    (snowy === 0 ? "" : `, snow on ${snowy}`)
}

// The answer without a part its service failed to give: the user is told in
// plain words, and the turn records what was left out.
const without = <A>(
  part: Effect.Effect<A, Tools.TripError, ToolGateway.ToolGateway>,
  service: string,
  what: string,
  instead: A
) =>
  Effect.catchAll(part, (error) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) =>
      Effect.as(Degradation.record({ kind: "omitted", service, tool: what, servedBy: "", reason: error.message, at }), instead)))

const outlook = (state: TripState, destination: Destination) => {
  const { departDate, returnDate } = state
  if (departDate === undefined) return Effect.succeed("tell me your dates and I'll add the forecast.")
  // A forecast covers a bounded range: a longer trip gets its first days.
  const last = Dates.addDays(departDate, Tools.forecastMaxDays - 1)
  const end = returnDate === undefined ? departDate : returnDate < last ? returnDate : last
  return without(
    Effect.map(
      Tools.call(Tools.forecast, { location: destination.name, start_date: departDate, end_date: end, units: "metric" }),
      ({ days }) =>
        days.length === 0
          ? "no forecast for those dates yet."
          : `${Format.day(departDate)}${end === departDate ? "" : ` to ${Format.day(end)}`}: ${summary(days)}.`
    ),
    "weather",
    "forecast",
    "the weather service is unavailable right now, so there is no forecast here; ask me again in a moment."
  )
}

const activity = (found: Tools.Activity) =>
  `${found.name} — ${found.category}, ${Format.duration(found.duration_minutes)}, ${Format.money(found.price.amount)}, ` +
  `rated ${found.rating.toFixed(1)}`

const research = (state: TripState, destination: Destination) =>
  Effect.map(
    Effect.all([
      outlook(state, destination),
      without(
        Effect.map(
          Tools.call(Tools.searchActivities, { location: destination.name, limit: 3, currency: "GBP" }),
          ({ activities }) => `Things to do:\n${Format.numbered(activities.map(activity))}`
        ),
        "activities",
        "things to do",
        "Things to do: the activities service is unavailable right now; ask me again in a moment."
      )
    ], { concurrency: "unbounded" }),
    ([when, things]) =>
      Agent.reply<TripState>(
        `${Format.place(destination)}, ${when}\n${things}\nWhen you're ready, ask me to find flights.`,
        { state }
      )
  )

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway>({
  id: Roster.destination,
  name: "Destination",
  description: "Researches a destination: the weather forecast for the travel dates and the best things to do there",
  capabilities: [
    {
      intent: "research-destination",
      description: "Weather forecast and climate at the destination for the travel dates",
      keywords: ["weather", "forecast", "climate", "temperature", "rain", "destination"],
      examples: ["What's the weather like in Lisbon in December?", "Will it rain in Rome?"]
    },
    {
      intent: "things-to-do",
      description: "Sights, activities and attractions worth seeing at the destination",
      keywords: ["activities", "sightseeing", "attractions", "sights", "explore", "museums", "tours"],
      examples: ["What is there to do in Barcelona?", "Tell me about Tokyo"]
    }
  ],
  handoffTargets: [Roster.flights, Roster.accommodations, Roster.triage],
  requiredServices: ["weather", "activities"],
  requiredContext: Roster.needs.destination,
  handle: (input) => {
    const state = TripRequest.applyTo(input.state, TripRequest.read(input.message.content))
    const topics = TripRequest.topics(input.message.content)
    // Asked for flights or a stay while researching: pass the conversation on,
    // unless this agent has just been handed the conversation for research.
    if (Option.isNone(input.arrival) && topics.flights) {
      return Effect.succeed(Roster.transferOrAsk(state, "flights", "the traveller asked for flights", "Over to Flights."))
    }
    if (Option.isNone(input.arrival) && topics.stay) {
      return Effect.succeed(
        Roster.transferOrAsk(state, "accommodations", "the traveller asked for a place to stay", "Over to Accommodations.")
      )
    }
    return state.destination === undefined
      ? Effect.succeed(Agent.reply("Which city would you like to know about?", { state }))
      : research(state, state.destination)
  }
})
