/**
 * Reading a traveller's message with plain rules: cities and airport codes,
 * ISO dates, "for 7 nights", "2 travellers", "budget of £2,500", "option 2",
 * "the travellers are Ana Sousa and Ben Carter", and which part of the trip
 * the message is about. Offline and deterministic,
 * so every brain built on it can be tested on exact inputs.
 *
 * @since 0.1.0
 */
import * as Struct from "effect/Struct"
import * as Cities from "./Cities.js"
import * as Dates from "./internal/dates.js"
import type { Place, Traveller, TripState } from "./TripState.js"

/** @since 0.1.0 @category models */
export interface TripRequest {
  readonly origin?: Place
  readonly destination?: Place
  readonly departDate?: string
  readonly returnDate?: string
  readonly nights?: number
  readonly travellers?: number
  readonly travellerNames?: ReadonlyArray<Traveller>
  readonly budget?: number
}

/** @since 0.1.0 @category models */
export interface Topics {
  readonly flights: boolean
  readonly stay: boolean
  readonly booking: boolean
  /** A question about cost; a message that only states a budget is not one. */
  readonly budget: boolean
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

interface Mention {
  readonly place: Place
  readonly index: number
  readonly role: "origin" | "destination" | undefined
}

// Names match in any case; airport codes only in capitals, so "lis" in a word is not Lisbon.
const firstMention = (text: string, city: Cities.City): RegExpExecArray | null => {
  const names = [city.name, ...city.aliases].map(escape).join("|")
  const byName = new RegExp(`(?<![\\p{L}\\p{N}])(?:${names})(?![\\p{L}\\p{N}])`, "iu").exec(text)
  const byCode = new RegExp(`\\b${city.code}\\b`).exec(text)
  return byName === null || (byCode !== null && byCode.index < byName.index) ? byCode : byName
}

const mentionsOf = (text: string): Array<Mention> => {
  const found: Array<Mention> = []
  for (const city of Cities.all) {
    const match = firstMention(text, city)
    if (match === null) continue
    const before = text.slice(0, match.index)
    const role = /\bfrom\s+$/i.test(before)
      ? "origin"
      : /\b(?:to|in|visit|visiting|around)\s+$/i.test(before)
      ? "destination"
      : undefined
    found.push({ place: { code: city.code, name: city.name }, index: match.index, role })
  }
  return found.sort((a, b) => a.index - b.index)
}

const places = (text: string): Pick<TripRequest, "origin" | "destination"> => {
  const mentions = mentionsOf(text)
  let origin = mentions.find((mention) => mention.role === "origin")?.place
  let destination = mentions.find((mention) => mention.role === "destination")?.place
  const rest = mentions.filter((mention) => mention.role === undefined).map((mention) => mention.place)
  // "LHR-LIS", "London and Lisbon": two bare names read as origin then destination.
  if (origin === undefined && destination === undefined && rest.length >= 2) {
    return { origin: rest[0]!, destination: rest[1]! }
  }
  for (const place of rest) {
    if (destination === undefined && place.code !== origin?.code) destination = place
    else if (origin === undefined && place.code !== destination?.code) origin = place
  }
  return { ...(origin ? { origin } : {}), ...(destination ? { destination } : {}) }
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9
}

const count = (word: string): number => NUMBER_WORDS[word.toLowerCase()] ?? Number(word)

const travellers = (text: string): number | undefined => {
  const match = /\b(\d+|one|two|three|four|five|six|seven|eight|nine)\s+(?:of us\b|(?:adults?|travell?ers?|passengers?|people|persons?|guests?)\b)/i
    .exec(text)
  if (match) return count(match[1]!)
  if (/\b(?:a couple|the two of us|my (?:partner|wife|husband) and (?:i|me))\b/i.test(text)) return 2
  if (/\b(?:just me|on my own|solo|by myself)\b/i.test(text)) return 1
  return undefined
}

const amount = (digits: string, thousands: string | undefined) =>
  Number(digits.replace(/,/g, "")) * (thousands ? 1000 : 1)

const budget = (text: string): number | undefined => {
  const match = /\bbudget\b\D{0,16}?£?\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?/i.exec(text) ??
    /\b(?:under|up to|at most|max(?:imum)?|no more than)\s*£\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?/i.exec(text)
  return match ? amount(match[1]!, match[2]) : undefined
}

// A full name: two or more capitalised words ("Ana Sousa", "Mary Ann O'Neil").
const fullName = /^\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)+$/u

/** "The travellers are Ana Sousa and Ben Carter", "Passengers: Ana Sousa, Ben Carter", "The traveller is Ana Sousa". */
const travellerNames = (text: string): ReadonlyArray<Traveller> | undefined => {
  const list = /\b(?:travell?ers?|passengers?|names?)\s*(?:are\b|is\b|:)\s*([^.;!?\n]+)/i.exec(text)?.[1]
  if (list === undefined) return undefined
  const names = list.split(/\s*(?:,|&|\band\b)\s*/).filter((name) => name.length > 0)
  if (names.length === 0 || !names.every((name) => fullName.test(name))) return undefined
  return names.map((name) => {
    const words = name.split(/\s+/)
    return { givenName: words.slice(0, -1).join(" "), familyName: words[words.length - 1]! }
  })
}

/**
 * Everything the message says about the trip.
 *
 * @since 0.1.0 @category constructors
 */
export const read = (text: string): TripRequest => {
  const dates = [...text.matchAll(/\b\d{4}-\d{2}-\d{2}\b/g)].map((match) => match[0]).filter(Dates.isValid)
  const nights = /\b(\d+|one|two|three|four|five|six|seven|eight|nine)\s+nights?\b/i.exec(text)
  const people = travellers(text)
  const money = budget(text)
  const names = travellerNames(text)
  return {
    ...places(text),
    ...(dates[0] !== undefined ? { departDate: dates[0] } : {}),
    ...(dates[1] !== undefined && dates[1] > dates[0]! ? { returnDate: dates[1] } : {}),
    ...(nights ? { nights: count(nights[1]!) } : {}),
    ...(people !== undefined && people > 0 ? { travellers: people } : {}),
    ...(names !== undefined ? { travellerNames: names } : {}),
    ...(money !== undefined && money > 0 ? { budget: money } : {})
  }
}

const ORDINALS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, "1st": 1, "2nd": 2, "3rd": 3 }

/**
 * The option a traveller picks from a numbered list: "option 2", "#2",
 * "number 2", "the second one". A bare number is not a choice: "2 travellers".
 *
 * @since 0.1.0 @category constructors
 */
export const choice = (text: string): number | undefined => {
  const numbered = /\b(?:option|number|no\.)\s*(\d+)\b|#\s*(\d+)\b/i.exec(text)
  if (numbered) return Number(numbered[1] ?? numbered[2])
  const ordinal = /\b(first|second|third|1st|2nd|3rd)\s+(?:one|option|flight|hotel|stay)\b/i.exec(text)
  return ordinal ? ORDINALS[ordinal[1]!.toLowerCase()] : undefined
}

/**
 * Which parts of the trip a message is about.
 *
 * @since 0.1.0 @category constructors
 */
export const topics = (text: string): Topics => ({
  flights: /\b(?:flights?|fly|flying|plane|airfares?|airlines?)\b/i.test(text),
  stay: /\b(?:hotels?|stays?|accommodations?|rooms?|apartments?|somewhere to sleep)\b/i.test(text),
  booking: /\b(?:book|booking|reserve|confirm|checkout|pay)\b/i.test(text),
  budget: /\b(?:afford|cost|costs|total|how much|within (?:my|our|the) budget|over budget)\b/i.test(text)
})

const DERIVED = ["flightOptions", "selectedFlight", "hotelOptions", "selectedHotel", "quote"] as const

/**
 * The trip with the request applied. A new route, new dates or a different
 * party make the flights and stays found so far stale, so they are dropped;
 * a new budget only invalidates the last budget check.
 *
 * @since 0.1.0 @category combinators
 */
export const applyTo = (state: TripState, request: TripRequest): TripState => {
  const departDate = request.departDate ?? state.departDate
  const returnDate = request.returnDate ??
    (request.nights !== undefined && departDate !== undefined ? Dates.addDays(departDate, request.nights) : state.returnDate)
  const next: TripState = {
    ...state,
    ...(request.origin ? { origin: request.origin } : {}),
    ...(request.destination ? { destination: request.destination } : {}),
    ...(departDate !== undefined ? { departDate } : {}),
    ...(returnDate !== undefined ? { returnDate } : {}),
    ...(request.travellers !== undefined ? { travellers: request.travellers } : {}),
    ...(request.travellerNames !== undefined ? { travellerNames: request.travellerNames } : {}),
    ...(request.budget !== undefined ? { budget: request.budget } : {})
  }
  const tripChanged = next.origin?.code !== state.origin?.code ||
    next.destination?.code !== state.destination?.code ||
    next.departDate !== state.departDate ||
    next.returnDate !== state.returnDate ||
    next.travellers !== state.travellers
  if (tripChanged) return Struct.omit(next, ...DERIVED)
  return next.budget !== state.budget ? Struct.omit(next, "quote") : next
}
