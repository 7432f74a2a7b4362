/**
 * Who is on the TripSage team and what each needs in the trip before taking
 * the conversation. The needs are the agents' `requiredContext`, which the
 * handoff protocol enforces; agents read them here too, so they ask the
 * traveller for what is missing instead of attempting a handoff that would be
 * refused.
 *
 * @since 0.1.0
 */
import { Agent, Ids } from "@baton/core"
import type { TripState } from "../TripState.js"

/** @since 0.1.0 @category ids */
export const triage = Ids.agentId("triage")
/** @since 0.1.0 @category ids */
export const destination = Ids.agentId("destination")
/** @since 0.1.0 @category ids */
export const flights = Ids.agentId("flights")
/** @since 0.1.0 @category ids */
export const accommodations = Ids.agentId("accommodations")
/** @since 0.1.0 @category ids */
export const budget = Ids.agentId("budget")
/** @since 0.1.0 @category ids */
export const booking = Ids.agentId("booking")

/** @since 0.1.0 @category models */
export type Need = keyof TripState

/** @since 0.1.0 @category constants */
export const needs = {
  triage: [],
  destination: ["destination"],
  flights: ["origin", "destination", "departDate"],
  accommodations: ["destination", "departDate", "returnDate"],
  budget: ["budget"],
  booking: ["selectedFlight", "selectedHotel"]
} as const satisfies Readonly<Record<string, ReadonlyArray<Need>>>

const WORDS: Readonly<Record<Need, string>> = {
  origin: "where you're leaving from",
  destination: "where you'd like to go",
  departDate: "your departure date (like 2026-12-10)",
  returnDate: "your return date or how many nights",
  travellers: "how many are travelling",
  travellerNames: "the travellers' full names",
  budget: "your budget",
  flightOptions: "a flight search",
  selectedFlight: "a chosen flight",
  hotelOptions: "a search for stays",
  selectedHotel: "a chosen place to stay",
  quote: "a budget check",
  booking: "a booking"
}

/** @since 0.1.0 @category accessors */
export const missing = (state: TripState, keys: ReadonlyArray<Need>): Array<Need> => keys.filter((key) => state[key] == null)

const list = (items: ReadonlyArray<string>) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`

/** "where you're leaving from and your departure date (like 2026-12-10)". @since 0.1.0 @category formatting */
export const describe = (keys: ReadonlyArray<Need>): string => list(keys.map((key) => WORDS[key]))

/**
 * Transfers to `to` when the trip has what it needs; otherwise stays and asks
 * the traveller for the missing details.
 *
 * @since 0.1.0 @category constructors
 */
export const transferOrAsk = (
  state: TripState,
  to: keyof typeof needs,
  reason: string,
  text: string
): Agent.Outcome<TripState> => {
  const gaps = missing(state, needs[to])
  return gaps.length === 0
    ? Agent.transfer(Ids.agentId(to), reason, { state, text })
    : Agent.reply(`To help with that I still need ${describe(gaps)}.`, { state })
}

/**
 * The traveller's pick (`option 2`) from a list the agent showed: the
 * agent's `select` for that option, or a reply naming the valid range.
 *
 * @since 0.1.0 @category brains
 */
export const choose = <O>(
  state: TripState,
  picked: number,
  options: ReadonlyArray<O>,
  select: (state: TripState, option: O) => Agent.Outcome<TripState>
): Agent.Outcome<TripState> => {
  const option = options[picked - 1]
  return option === undefined
    ? Agent.reply(`There is no option ${picked}; choose 1 to ${options.length}.`, { state })
    : select(state, option)
}
