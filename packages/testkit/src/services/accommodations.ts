/**
 * The accommodations mock: listings per place derived from the seed (a
 * listing id encodes its place, so lookups work in any process with the same
 * seed), searched by dates, guests, price, guests' rating and star class.
 * Reservations live in the instance. A listing has units (a hotel's 60–240
 * rooms, a hostel's 30–120 beds, a guesthouse's 4–12 rooms; a flat or villa
 * is let whole), and is not offered, nor reserved, for dates on which every
 * unit is taken (a `StayCalendar` counts them night by night).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext } from "../MockService.js"
import * as Prng from "../Prng.js"
import { daysBetween, idempotencyKey, isoDate, reference, timestamp as iso } from "../internal/fields.js"
import * as Idempotency from "../internal/idempotency.js"
import { convert, currency, type Currency, money, times } from "../internal/money.js"
import * as Places from "../internal/places.js"
import { report } from "../internal/progress.js"
import { failure, ok } from "../internal/toolResult.js"
import * as StayCalendar from "./stayCalendar.js"

const listingTypes = ["hotel", "apartment", "hostel", "guesthouse", "villa"] as const
const neighbourhoods = ["City Centre", "Old Town", "Riverside", "Harbour", "University Quarter", "Station District", "Garden District"]
const amenityPool = ["wifi", "kitchen", "air_conditioning", "heating", "washer", "parking", "pool", "gym", "breakfast", "workspace", "elevator", "pets_allowed"]
const namePrefix = ["Grand", "Cosy", "Bright", "Quiet", "Historic", "Modern", "Sunny", "Little", "Royal", "Hidden"]
const nameNoun: Record<(typeof listingTypes)[number], ReadonlyArray<string>> = {
  hotel: ["Hotel", "Suites", "Palace Hotel"],
  apartment: ["Loft", "Apartment", "Studio"],
  hostel: ["Hostel", "Backpackers"],
  guesthouse: ["Guesthouse", "B&B", "Inn"],
  villa: ["Villa", "House"]
}
const policies = ["flexible", "moderate", "strict"] as const
const refundShare: Record<(typeof policies)[number], number> = { flexible: 1, moderate: 0.5, strict: 0 }

const listing = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(listingTypes),
  location: z.object({ city: z.string(), neighbourhood: z.string(), lat: z.number(), lon: z.number() }),
  /** Guests' rating, 3 to 5. */
  rating: z.number(),
  /** The official star class: hotels 3–5, guesthouses 2–4, none for the other types. */
  stars: z.int().min(1).max(5).optional(),
  review_count: z.number(),
  nightly_price: money,
  max_guests: z.number(),
  bedrooms: z.number(),
  amenities: z.array(z.string()),
  cancellation_policy: z.enum(policies),
  /** How many stays it takes at once: a hotel's rooms, a hostel's beds, 1 for a place let whole. */
  units: z.int().min(1)
})
type Listing = z.infer<typeof listing>

const reservation = z.object({
  id: z.string(),
  confirmation_code: z.string(),
  status: z.enum(["confirmed", "cancelled"]),
  listing_id: z.string(),
  listing_name: z.string(),
  check_in: z.string(),
  check_out: z.string(),
  nights: z.number(),
  guests: z.number(),
  guest_name: z.string(),
  total_price: money,
  created_at: z.string(),
  cancelled_at: z.string().optional()
})

/** @since 0.1.0 @category models */
export type AccommodationReservation = z.infer<typeof reservation>

/** @since 0.1.0 @category models */
export interface AccommodationsState {
  readonly reservations: ReadonlyArray<AccommodationReservation>
}

const perPlace = 14

const encodeId = (place: string, index: number) => "lst_" + Buffer.from(JSON.stringify([place, index])).toString("base64url")

const decodeId = (id: string): { readonly place: string; readonly index: number } | undefined => {
  if (!id.startsWith("lst_")) return undefined
  try {
    const parsed = z.tuple([z.string(), z.int().min(0).max(perPlace - 1)])
      .safeParse(JSON.parse(Buffer.from(id.slice(4), "base64url").toString("utf8")))
    return parsed.success ? { place: parsed.data[0], index: parsed.data[1] } : undefined
  } catch {
    return undefined
  }
}

// A class follows the price here, drawn from what the price was drawn from,
// so adding it left every other field of every listing as it was.
const starsOf = (type: (typeof listingTypes)[number], priceLevel: number) => {
  const above = (priceLevel >= 1 ? 1 : 0) + (priceLevel >= 1.4 ? 1 : 0)
  if (type === "hotel") return 3 + above
  if (type === "guesthouse") return 2 + above
  return undefined
}

// How many stays a listing takes at once: a hotel's rooms, a hostel's beds,
// a guesthouse's rooms; a flat or a villa is let whole. Drawn on a generator
// of its own, so every other field of every listing is as it was.
const unitsOf = (seed: number, id: string, type: (typeof listingTypes)[number]): number => {
  const prng = Prng.derive(seed, "units", id)
  switch (type) {
    case "hotel":
      return prng.int(60, 240)
    case "hostel":
      return prng.int(30, 120)
    case "guesthouse":
      return prng.int(4, 12)
    default:
      return 1
  }
}

const makeListing = (seed: number, placeName: string, index: number, curr: Currency): Listing => {
  const place = Places.resolve(placeName)
  const prng = Prng.derive(seed, "listing", place.name.toLowerCase(), index)
  const type = prng.pick(listingTypes)
  const bedrooms = type === "hostel" ? 1 : prng.int(1, type === "villa" ? 5 : 3)
  const priceLevel = prng.between(0.6, 1.8)
  const usd = { hotel: 160, apartment: 120, hostel: 35, guesthouse: 90, villa: 320 }[type] * priceLevel
  const stars = starsOf(type, priceLevel)
  const id = encodeId(place.name, index)
  return {
    id,
    name: `${prng.pick(namePrefix)} ${place.name} ${prng.pick(nameNoun[type])}`,
    type,
    location: {
      city: place.name,
      neighbourhood: prng.pick(neighbourhoods),
      lat: Math.round((place.lat + prng.between(-0.05, 0.05)) * 1e5) / 1e5,
      lon: Math.round((place.lon + prng.between(-0.05, 0.05)) * 1e5) / 1e5
    },
    rating: Math.round(prng.between(3, 5) * 10) / 10,
    ...(stars === undefined ? {} : { stars }),
    review_count: prng.int(3, 2400),
    nightly_price: convert(usd, curr),
    max_guests: type === "hostel" ? 1 : bedrooms * 2,
    bedrooms,
    amenities: amenityPool.filter(() => prng.chance(0.45)),
    cancellation_policy: prng.pick(policies),
    units: unitsOf(seed, id, type)
  }
}


const stayProblem = (checkIn: string, checkOut: string) => {
  const nights = daysBetween(checkIn, checkOut)
  if (nights < 1) return "check_out must be after check_in"
  if (nights > 30) return "stays are limited to 30 nights"
  return undefined
}

const make = ({ seed, now }: MockServiceContext) => {
  // By id, in booking order: a Map keeps its keys in insertion order, and
  // replacing a value keeps its place.
  const reservations = new Map<string, AccommodationReservation>()
  const calendar = StayCalendar.make()
  const idempotency = Idempotency.make()

  const lookup = (listingId: string, curr: Currency) => {
    const decoded = decodeId(listingId)
    return decoded === undefined ? undefined : makeListing(seed, decoded.place, decoded.index, curr)
  }
  const unknownListing = (listingId: string) => failure(`Unknown listing "${listingId}". Search again with search.`)

  const register = (server: McpServer) => {
    server.registerTool("search", {
      title: "Search stays",
      description: "Search places to stay in a city for given dates and guests.",
      inputSchema: {
        location: z.string().min(2),
        check_in: isoDate,
        check_out: isoDate,
        guests: z.int().min(1).max(16).default(1),
        max_price: z.number().positive().optional().describe("Highest nightly price, in `currency`"),
        min_rating: z.number().min(0).max(5).optional(),
        min_stars: z.int().min(1).max(5).optional().describe("Lowest star class; listings without one are left out"),
        currency: currency.default("USD")
      },
      outputSchema: {
        location: z.object({ name: z.string(), country: z.string() }),
        check_in: z.string(),
        check_out: z.string(),
        nights: z.number(),
        listings: z.array(listing.extend({ total_price: money }))
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, async (args, extra) => {
      const problem = stayProblem(args.check_in, args.check_out)
      if (problem !== undefined) return failure(problem)
      const place = Places.resolve(args.location)
      const nights = daysBetween(args.check_in, args.check_out)
      await report(extra, ["Checking availability", "Pricing stays"])
      const listings = Array.from({ length: perPlace }, (_, i) => makeListing(seed, place.name, i, args.currency))
        .filter((l) => l.max_guests >= args.guests)
        .filter((l) => args.max_price === undefined || l.nightly_price.amount <= args.max_price)
        .filter((l) => args.min_rating === undefined || l.rating >= args.min_rating)
        .filter((l) => args.min_stars === undefined || (l.stars ?? 0) >= args.min_stars)
        .filter((l) => calendar.isFree(l.id, l.units, args.check_in, args.check_out))
        .sort((a, b) => b.rating - a.rating)
        .map((l) => ({ ...l, total_price: times(l.nightly_price, nights) }))
      return ok({
        location: { name: place.name, country: place.country },
        check_in: args.check_in,
        check_out: args.check_out,
        nights,
        listings
      })
    })

    server.registerTool("get_listing", {
      title: "Listing details",
      description: "The full details of a listing: description, amenities, rules and check-in times.",
      inputSchema: { listing_id: z.string(), currency: currency.default("USD") },
      outputSchema: {
        listing: listing.extend({
          description: z.string(),
          house_rules: z.array(z.string()),
          check_in_time: z.string(),
          check_out_time: z.string()
        })
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ listing_id, currency: curr }) => {
      const found = lookup(listing_id, curr)
      if (found === undefined) return unknownListing(listing_id)
      const prng = Prng.derive(seed, "listing-details", listing_id)
      return ok({
        listing: {
          ...found,
          description: `A ${found.stars === undefined ? "" : `${found.stars}-star `}${found.type} with ${found.bedrooms} ` +
            `bedroom(s) in ${found.location.neighbourhood}, ` +
            `${found.location.city}. Rated ${found.rating} by ${found.review_count} guests.`,
          house_rules: ["No smoking", ...(prng.chance(0.5) ? ["No parties or events"] : []), "Quiet hours 22:00-07:00"],
          check_in_time: `${prng.int(14, 16)}:00`,
          check_out_time: `${prng.int(10, 11)}:00`
        }
      })
    })

    server.registerTool("reserve", {
      title: "Reserve a stay",
      description: "Reserve a listing for given dates. Retrying with the same idempotency_key returns the same " +
        "reservation and never books twice.",
      inputSchema: {
        listing_id: z.string(),
        check_in: isoDate,
        check_out: isoDate,
        guests: z.int().min(1).max(16),
        guest_name: z.string().min(1),
        currency: currency.default("USD"),
        idempotency_key: idempotencyKey
      },
      outputSchema: { reservation },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    }, ({ idempotency_key, ...args }) =>
      idempotency.once(idempotency_key, args, () => {
        const problem = stayProblem(args.check_in, args.check_out)
        if (problem !== undefined) return failure(problem)
        const found = lookup(args.listing_id, args.currency)
        if (found === undefined) return unknownListing(args.listing_id)
        if (args.guests > found.max_guests) return failure(`"${found.name}" sleeps at most ${found.max_guests} guest(s).`)
        if (!calendar.isFree(found.id, found.units, args.check_in, args.check_out)) {
          return failure(`"${found.name}" is not available from ${args.check_in} to ${args.check_out}.`)
        }
        const number = reservations.size + 1
        const nights = daysBetween(args.check_in, args.check_out)
        const booked: AccommodationReservation = {
          id: `stay_${String(number).padStart(5, "0")}`,
          confirmation_code: reference(Prng.derive(seed, "stay", number).next, 8),
          status: "confirmed",
          listing_id: found.id,
          listing_name: found.name,
          check_in: args.check_in,
          check_out: args.check_out,
          nights,
          guests: args.guests,
          guest_name: args.guest_name,
          total_price: times(found.nightly_price, nights),
          created_at: iso(now())
        }
        reservations.set(booked.id, booked)
        calendar.book(booked.listing_id, booked.check_in, booked.check_out)
        return ok({ reservation: booked })
      }))

    server.registerTool("cancel", {
      title: "Cancel a stay",
      description: "Cancel a reservation; the refund follows the listing's cancellation policy. Cancelling twice " +
        "changes nothing.",
      inputSchema: { reservation_id: z.string() },
      outputSchema: { reservation, refund: money },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
    }, ({ reservation_id }) => {
      const current = reservations.get(reservation_id)
      if (current === undefined) return failure(`Unknown reservation "${reservation_id}".`)
      const policy = lookup(current.listing_id, "USD")?.cancellation_policy ?? "strict"
      const refund = times(current.total_price, refundShare[policy])
      if (current.status === "cancelled") return ok({ reservation: current, refund })
      const cancelled: AccommodationReservation = { ...current, status: "cancelled", cancelled_at: iso(now()) }
      reservations.set(reservation_id, cancelled)
      calendar.release(current.listing_id, current.check_in, current.check_out)
      return ok({ reservation: cancelled, refund })
    })
  }

  return { register, state: (): AccommodationsState => ({ reservations: [...reservations.values()] }) }
}

/**
 * Places to stay: `search`, `get_listing`, `reserve`, `cancel`.
 *
 * @since 0.1.0 @category services
 */
export const accommodations: MockService<AccommodationsState> = {
  name: "accommodations",
  version: "1.0.0",
  description: "Hotels, apartments and other stays, with reservations",
  make
}
