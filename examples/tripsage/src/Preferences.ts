/**
 * What TripSage learns about a traveller across trips, in the terms of
 * `@baton/session`'s `PreferenceProfile`: the keys it knows, how it reads
 * them from what the traveller says ("I prefer aisle seats in economy,
 * 4-star hotels near the old town, and I'm vegetarian") and from what they
 * choose (the airline of the flight picked, the area and class of the
 * stay), how offers are ranked by them, and how they are worded.
 *
 * @since 0.1.0
 */
import { PreferenceProfile } from "@baton/session"
import * as Option from "effect/Option"
import * as Cities from "./Cities.js"
import * as TripRequest from "./TripRequest.js"
import type { FlightOption, HotelOption, TripState } from "./TripState.js"

/**
 * The profile's keys: preferences, and answers to questions TripSage asks
 * (where from, how many travel) that it need not ask again.
 *
 * @since 0.1.0 @category models
 */
export type Key = "seat" | "cabin" | "hotelClass" | "neighbourhood" | "dietary" | "airline" | "origin" | "travellers"

/** @since 0.1.0 @category models */
export type Stated = readonly [Key, PreferenceProfile.Value]

/** @since 0.1.0 @category constants */
export const cabins = ["economy", "premium_economy", "business", "first"] as const
/** @since 0.1.0 @category models */
export type Cabin = (typeof cabins)[number]

// The areas the accommodations service lists stays in.
const areas = ["City Centre", "Old Town", "Riverside", "Harbour", "University Quarter", "Station District", "Garden District"]

const cue = /\b(?:prefer|preference|always|usually|rather|i like|we like|i'd like|we'd like|i love|we love)\b/i

/**
 * The preferences a message states. Seats, cabins, hotel classes and areas
 * count only in a sentence that says it is a preference ("I prefer…", "we
 * usually…"), so "find business flights" is a request, not a habit; a diet
 * ("I'm vegetarian") is one whatever the wording.
 *
 * @since 0.1.0 @category reading
 */
export const read = (text: string): Array<Stated> => {
  const found = new Map<Key, PreferenceProfile.Value>()
  for (const sentence of text.split(/(?<=[.!?])\s+/)) {
    const diet = /\b(vegetarian|vegan|pescatarian|halal|kosher|gluten[- ]free)\b/i.exec(sentence)
    if (diet) found.set("dietary", diet[1]!.toLowerCase().replace(" ", "-"))
    if (!cue.test(sentence)) continue
    const seat = /\b(aisle|window)\s+seats?\b/i.exec(sentence)
    if (seat) found.set("seat", seat[1]!.toLowerCase())
    // "First" and "business" are a cabin only as a class: "the first one" is a pick.
    const cabin = /\b(premium economy|economy|business class|first class)\b/i.exec(sentence)
    if (cabin) found.set("cabin", cabin[1]!.toLowerCase().replace(/ class$/, "").replace(" ", "_"))
    const stars = /\b([1-5])[- ]?(?:star|★)/i.exec(sentence)
    if (stars) found.set("hotelClass", Number(stars[1]))
    const area = areas.find((name) => new RegExp(`\\b${name}\\b`, "i").test(sentence)) ??
      (/\b(?:city )?centre\b|\bcenter\b/i.test(sentence) ? "City Centre" : undefined)
    if (area !== undefined) found.set("neighbourhood", area)
  }
  return [...found.entries()]
}

/**
 * What a turn's choices teach: the airline of a newly chosen flight, the
 * area and star class (when it has one) of a newly chosen stay.
 *
 * @since 0.1.0 @category reading
 */
export const fromChoices = (before: TripState | undefined, after: TripState): Array<Stated> => {
  const learned: Array<Stated> = []
  const flight = after.selectedFlight
  if (flight !== undefined && flight.id !== before?.selectedFlight?.id) learned.push(["airline", flight.airline])
  const hotel = after.selectedHotel
  if (hotel !== undefined && hotel.id !== before?.selectedHotel?.id) {
    learned.push(["neighbourhood", hotel.area])
    if (hotel.stars !== undefined) learned.push(["hotelClass", hotel.stars])
  }
  return learned
}

/**
 * The answers to TripSage's standing questions a message gives: where the
 * traveller leaves from and how many travel. Only what was said counts, so
 * an answer filled in from the profile never confirms itself.
 *
 * @since 0.1.0 @category reading
 */
export const answersIn = (text: string): Array<Stated> => {
  const request = TripRequest.read(text)
  return [
    ...(request.origin === undefined ? [] : [["origin", request.origin.code] as const]),
    ...(request.travellers === undefined ? [] : [["travellers", request.travellers] as const])
  ]
}

/**
 * The steps a turn completed, for next-action suggestions: `flights` once a
 * flight is chosen, `hotels` once a stay is, `booking` once booked.
 *
 * @since 0.1.0 @category reading
 */
export const actionsOf = (before: TripState | undefined, after: TripState): Array<string> => [
  ...(after.selectedFlight !== undefined && after.selectedFlight.id !== before?.selectedFlight?.id ? ["flights"] : []),
  ...(after.selectedHotel !== undefined && after.selectedHotel.id !== before?.selectedHotel?.id ? ["hotels"] : []),
  ...(after.booking !== undefined && before?.booking === undefined ? ["booking"] : [])
]

/** @since 0.1.0 @category ranking */
export const flightCriteria: ReadonlyArray<PreferenceProfile.Criterion<FlightOption>> = [
  { key: "airline", matches: (flight, airline) => flight.airline === airline }
]

/** @since 0.1.0 @category ranking */
export const stayCriteria: ReadonlyArray<PreferenceProfile.Criterion<HotelOption>> = [
  { key: "neighbourhood", matches: (stay, area) => stay.area === area },
  // A class, not the guests' rating: a 4.9-rated guesthouse of two stars is no 4★ stay.
  { key: "hotelClass", matches: (stay, stars) => typeof stars === "number" && stay.stars !== undefined && stay.stars >= stars }
]

/**
 * The cabin to search in: the traveller's known preference, else economy.
 *
 * @since 0.1.0 @category accessors
 */
export const cabinOf = (profile: PreferenceProfile.Profile, now: number): Cabin => {
  const known = PreferenceProfile.answered(profile, "cabin", now)
  return Option.isSome(known) && cabins.includes(known.value as Cabin) ? (known.value as Cabin) : "economy"
}

/**
 * The answers to TripSage's questions the profile already holds, applied to
 * a trip that lacks them: the traveller is not asked again. Returns the trip
 * and what was filled in, in words.
 *
 * @since 0.1.0 @category prefill
 */
export const prefill = (
  state: TripState,
  profile: PreferenceProfile.Profile,
  now: number,
  said: { readonly origin: boolean; readonly travellers: boolean }
): { readonly state: TripState; readonly filled: ReadonlyArray<string> } => {
  let next = state
  const filled: Array<string> = []
  const origin = PreferenceProfile.answered(profile, "origin", now)
  const city = Option.flatMap(origin, (code) => Option.fromNullable(Cities.all.find((known) => known.code === code)))
  if (!said.origin && state.origin === undefined && Option.isSome(city)) {
    next = { ...next, origin: { code: city.value.code, name: city.value.name } }
    filled.push(`leaving from ${city.value.name}`)
  }
  const travellers = PreferenceProfile.answered(profile, "travellers", now)
  if (!said.travellers && Option.isSome(travellers) && typeof travellers.value === "number" && travellers.value !== state.travellers) {
    next = { ...next, travellers: travellers.value }
    filled.push(`${travellers.value} travellers`)
  }
  return { state: next, filled }
}

const WORDS: Readonly<Record<Key, (value: PreferenceProfile.Value) => string>> = {
  seat: (value) => `${value} seats`,
  cabin: (value) => `${String(value).replace("_", " ")}`,
  hotelClass: (value) => `${value}★+ stays`,
  neighbourhood: (value) => `stays in the ${value}`,
  dietary: (value) => `${value} meals`,
  airline: (value) => `flying ${value}`,
  origin: (value) => `leaving from ${value}`,
  travellers: (value) => `${value} travellers`
}

/** "aisle seats, economy, 4★+ stays". @since 0.1.0 @category formatting */
export const describe = (stated: ReadonlyArray<Stated>): string =>
  stated.map(([key, value]) => WORDS[key](value)).join(", ")

const PREFERENCES: ReadonlyArray<Key> = ["seat", "cabin", "hotelClass", "neighbourhood", "dietary", "airline"]

/**
 * The profile's preferences (not its answers) held with enough confidence, in a fixed order.
 *
 * @since 0.1.0 @category accessors
 */
export const known = (profile: PreferenceProfile.Profile, now: number, minConfidence = 0.25): Array<Stated> =>
  PREFERENCES.flatMap((key) => {
    const value = PreferenceProfile.answered(profile, key, now, { minConfidence })
    return Option.isSome(value) ? [[key, value.value] as const] : []
  })

const NEXT: Readonly<Record<string, string>> = {
  hotels: "a place to stay",
  activities: "things to do",
  dining: "places to eat",
  flights: "flights",
  booking: "booking"
}

/**
 * What a trip usually does after each step, offered until a traveller's
 * profile has learned their own habits (`PreferenceProfile.suggest`'s `next`).
 *
 * @since 0.2.0 @category constants
 */
export const nextActions: Readonly<Record<string, ReadonlyArray<string>>> = {
  destination: ["flights"],
  flights: ["hotels"],
  hotels: ["activities"],
  activities: ["dining"],
  booking: ["activities"]
}

/**
 * "Next, travellers like you usually look at things to do." — or nothing.
 *
 * @since 0.1.0 @category formatting
 */
export const nextStep = (suggested: ReadonlyArray<string>, destination: string | undefined): string => {
  const first = suggested[0]
  if (first === undefined) return ""
  return `Suggested next: ${NEXT[first] ?? first}${destination === undefined ? "" : ` in ${destination}`}.`
}
