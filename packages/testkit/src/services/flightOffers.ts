/**
 * Flight offers, derived from the seed and the query. An offer id encodes its
 * query, so any process with the same seed can look an offer up again.
 */
import * as z from "zod"
import * as Prng from "../Prng.js"
import { isoDate, timestamp as iso } from "../internal/fields.js"
import { convert, currency, type Currency, money, type Money, times } from "../internal/money.js"
import * as Places from "../internal/places.js"

export const iata = z.string().regex(/^[A-Z]{3}$/, "expected a 3-letter uppercase IATA airport code")
export const cabinClass = z.enum(["economy", "premium_economy", "business", "first"])
export type CabinClass = z.infer<typeof cabinClass>

const airlines = [
  { code: "BA", name: "British Airways" },
  { code: "AF", name: "Air France" },
  { code: "KL", name: "KLM" },
  { code: "LH", name: "Lufthansa" },
  { code: "IB", name: "Iberia" },
  { code: "TP", name: "TAP Air Portugal" },
  { code: "TK", name: "Turkish Airlines" },
  { code: "EK", name: "Emirates" },
  { code: "AA", name: "American Airlines" },
  { code: "DL", name: "Delta Air Lines" },
  { code: "UA", name: "United Airlines" },
  { code: "SQ", name: "Singapore Airlines" },
  { code: "NH", name: "ANA" },
  { code: "QF", name: "Qantas" }
] as const

const aircraft = ["Airbus A320neo", "Airbus A321", "Airbus A350-900", "Boeing 737-800", "Boeing 787-9", "Boeing 777-300ER"]
const cabinFactor: Record<CabinClass, number> = { economy: 1, premium_economy: 1.6, business: 3.6, first: 6.2 }

const segment = z.object({
  flight_number: z.string(),
  airline_code: z.string(),
  origin: z.string(),
  destination: z.string(),
  departure_time: z.string(),
  arrival_time: z.string(),
  duration_minutes: z.number(),
  aircraft: z.string()
})
const slice = z.object({
  origin: z.string(),
  destination: z.string(),
  departure_time: z.string(),
  arrival_time: z.string(),
  duration_minutes: z.number(),
  stops: z.number(),
  segments: z.array(segment)
})
export const offer = z.object({
  id: z.string(),
  airline: z.object({ code: z.string(), name: z.string() }),
  flight_numbers: z.array(z.string()),
  slices: z.array(slice),
  duration_minutes: z.number(),
  stops: z.number(),
  cabin_class: cabinClass,
  price: money,
  seats_left: z.number(),
  refundable: z.boolean()
})
export type Offer = z.infer<typeof offer>
type Slice = z.infer<typeof slice>

/** Everything an offer's price and identity depend on. */
export interface Query {
  readonly origin: string
  readonly destination: string
  readonly departureDate: string
  readonly returnDate: string | undefined
  readonly cabin: CabinClass
  readonly adults: number
  readonly children: number
  readonly infants: number
  readonly currency: Currency
}

const encodeId = (query: Query, index: number) =>
  "off_" + Buffer.from(JSON.stringify([
    query.origin,
    query.destination,
    query.departureDate,
    query.returnDate ?? "",
    query.cabin,
    query.adults,
    query.children,
    query.infants,
    query.currency,
    index
  ])).toString("base64url")

export const decodeId = (id: string): { readonly query: Query; readonly index: number } | undefined => {
  if (!id.startsWith("off_")) return undefined
  const fields = z.tuple([iata, iata, isoDate, z.string(), cabinClass, z.int(), z.int(), z.int(), currency, z.int()])
  try {
    const parsed = fields.safeParse(JSON.parse(Buffer.from(id.slice(4), "base64url").toString("utf8")))
    if (!parsed.success) return undefined
    const [origin, destination, departureDate, returnDate, cabin, adults, children, infants, curr, index] = parsed.data
    return {
      query: { origin, destination, departureDate, returnDate: returnDate || undefined, cabin, adults, children, infants, currency: curr },
      index
    }
  } catch {
    return undefined
  }
}

const routeKey = (query: Query) => [query.origin, query.destination, query.departureDate, query.returnDate ?? "", query.cabin].join("|")


const makeSlice = (prng: Prng.Prng, from: string, to: string, date: string, airlineCode: string): Slice => {
  const km = (a: string, b: string) => Places.distanceKm(Places.airport(a), Places.airport(b))
  const wanted = km(from, to) < 1500 ? prng.pick([0, 0, 0, 1]) : prng.pick([0, 0, 1, 1, 2])
  const path = [from]
  for (let stop = 0; stop < wanted; stop++) {
    const here = path[path.length - 1]!
    // A connection is only sold through a hub that is roughly on the way.
    const onTheWay = Places.hubs.filter((hub) => !path.includes(hub) && hub !== to && km(here, hub) + km(hub, to) <= 1.3 * km(here, to))
    if (onTheWay.length === 0) break
    path.push(prng.pick(onTheWay))
  }
  path.push(to)
  const stops = path.length - 2
  let departs = Date.parse(`${date}T00:00:00Z`) + (prng.int(6, 21) * 60 + prng.int(0, 11) * 5) * 60_000
  const start = departs
  const segments = path.slice(1).map((destination, i) => {
    const origin = path[i]!
    const minutes = Math.round(km(origin, destination) / 800 * 60 + 30)
    const arrives = departs + minutes * 60_000
    const leg = {
      flight_number: `${airlineCode}${prng.int(10, 2999)}`,
      airline_code: airlineCode,
      origin,
      destination,
      departure_time: iso(departs),
      arrival_time: iso(arrives),
      duration_minutes: minutes,
      aircraft: prng.pick(aircraft)
    }
    departs = arrives + prng.int(55, 180) * 60_000
    return leg
  })
  const arrival = Date.parse(segments[segments.length - 1]!.arrival_time)
  return {
    origin: from,
    destination: to,
    departure_time: iso(start),
    arrival_time: iso(arrival),
    duration_minutes: Math.round((arrival - start) / 60_000),
    stops,
    segments
  }
}

const fare = (base: Money, query: Query): Money =>
  times(base, query.adults + query.children * 0.75 + query.infants * 0.1)

/** An offer as generated: `seats` before reservations; the service derives `seats_left` from them. */
export interface GeneratedOffer {
  readonly offer: Omit<Offer, "seats_left">
  readonly seats: number
}

export const makeOffer = (seed: number, query: Query, index: number): GeneratedOffer => {
  const prng = Prng.derive(seed, "flights", routeKey(query), index)
  const airline = prng.pick(airlines)
  const slices = [
    makeSlice(prng, query.origin, query.destination, query.departureDate, airline.code),
    ...(query.returnDate === undefined
      ? []
      : [makeSlice(prng, query.destination, query.origin, query.returnDate, airline.code)])
  ]
  const km = slices.reduce((sum, s) => sum + Places.distanceKm(Places.airport(s.origin), Places.airport(s.destination)), 0)
  const stops = Math.max(...slices.map((s) => s.stops))
  const perAdultUsd = (70 + km * 0.075) * cabinFactor[query.cabin] * (1 - 0.1 * stops) * prng.between(0.85, 1.3)
  return {
    offer: {
      id: encodeId(query, index),
      airline: { code: airline.code, name: airline.name },
      flight_numbers: slices.flatMap((s) => s.segments.map((seg) => seg.flight_number)),
      slices,
      duration_minutes: slices.reduce((sum, s) => sum + s.duration_minutes, 0),
      stops,
      cabin_class: query.cabin,
      price: fare(convert(perAdultUsd, query.currency), query),
      refundable: query.cabin !== "economy" || prng.chance(0.3)
    },
    seats: prng.int(1, 9)
  }
}

export const offerCount = (seed: number, query: Query) => Prng.derive(seed, "flights", routeKey(query), "count").int(4, 8)
