/**
 * The flights mock: searches offers between airports (see `flightOffers.ts`),
 * and reserves and cancels them. Reservations live in the instance and take
 * seats from their offer. The seats each offer has sold are counted as
 * reservations are made and cancelled, so pricing an offer costs the same
 * after ten reservations as after ten thousand (a load run measures Baton,
 * not a scan of the mock's bookings).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext } from "../MockService.js"
import * as Prng from "../Prng.js"
import { idempotencyKey, isoDate, reference, timestamp as iso } from "../internal/fields.js"
import * as Idempotency from "../internal/idempotency.js"
import { convert, currency, money } from "../internal/money.js"
import { report } from "../internal/progress.js"
import { failure, ok } from "../internal/toolResult.js"
import {
  cabinClass,
  decodeId,
  type GeneratedOffer,
  iata,
  makeOffer,
  type Offer,
  offer,
  offerCount,
  type Query
} from "./flightOffers.js"

const passengerCounts = z.object({ adults: z.number(), children: z.number(), infants: z.number() })

const passenger = z.object({
  given_name: z.string().min(1),
  family_name: z.string().min(1),
  type: z.enum(["adult", "child", "infant"]).default("adult"),
  date_of_birth: isoDate.optional()
})

const reservation = z.object({
  id: z.string(),
  booking_reference: z.string(),
  status: z.enum(["confirmed", "cancelled"]),
  offer_id: z.string(),
  passengers: z.array(passenger),
  total_price: money,
  created_at: z.string(),
  cancelled_at: z.string().optional()
})

/** @since 0.1.0 @category models */
export type FlightReservation = z.infer<typeof reservation>

/** @since 0.1.0 @category models */
export interface FlightsState {
  readonly reservations: ReadonlyArray<FlightReservation>
}

const seatsTaken = (p: ReadonlyArray<{ readonly type: string }>) => p.filter((x) => x.type !== "infant").length

const make = ({ seed, now }: MockServiceContext) => {
  // By id, in booking order: a Map keeps its keys in insertion order, and
  // replacing a value keeps its place.
  const reservations = new Map<string, FlightReservation>()
  // Seats of confirmed reservations, by the offer id they were made with.
  const seatsSold = new Map<string, number>()
  const addSeats = (offerId: string, seats: number) => seatsSold.set(offerId, (seatsSold.get(offerId) ?? 0) + seats)
  const idempotency = Idempotency.make()

  const seatsLeft = (generated: GeneratedOffer) =>
    Math.max(0, generated.seats - (seatsSold.get(generated.offer.id) ?? 0))

  const withSeats = (generated: GeneratedOffer): Offer => ({ ...generated.offer, seats_left: seatsLeft(generated) })

  const lookup = (offerId: string) => {
    const decoded = decodeId(offerId)
    if (decoded === undefined || decoded.index >= offerCount(seed, decoded.query)) return undefined
    return { query: decoded.query, generated: makeOffer(seed, decoded.query, decoded.index) }
  }
  const unknownOffer = (offerId: string) => failure(`Unknown offer "${offerId}". Search again with search_flights.`)

  const register = (server: McpServer) => {
    server.registerTool("search_flights", {
      title: "Search flights",
      description: "Search flight offers between two airports on a date, optionally with a return date.",
      inputSchema: {
        origin: iata,
        destination: iata,
        departure_date: isoDate,
        return_date: isoDate.optional(),
        adults: z.int().min(1).max(9).default(1),
        children: z.int().min(0).max(8).default(0),
        infants: z.int().min(0).max(4).default(0),
        cabin_class: cabinClass.default("economy"),
        max_connections: z.int().min(0).max(2).optional(),
        airline_codes: z.array(z.string().regex(/^[A-Z0-9]{2}$/, "expected a 2-character IATA airline code")).optional(),
        currency: currency.default("USD")
      },
      outputSchema: { offers: z.array(offer), currency: z.string(), passengers: passengerCounts },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, async (args, extra) => {
      if (args.origin === args.destination) return failure("origin and destination must differ")
      if (args.return_date !== undefined && args.return_date < args.departure_date) {
        return failure("return_date must not be before departure_date")
      }
      if (args.infants > args.adults) return failure("each infant must travel on an adult's lap: infants <= adults")
      const query: Query = {
        origin: args.origin,
        destination: args.destination,
        departureDate: args.departure_date,
        returnDate: args.return_date,
        cabin: args.cabin_class,
        adults: args.adults,
        children: args.children,
        infants: args.infants,
        currency: args.currency
      }
      await report(extra, ["Querying airlines", "Pricing offers", "Sorting results"])
      const offers = Array.from({ length: offerCount(seed, query) }, (_, i) => withSeats(makeOffer(seed, query, i)))
        // Only offers with a seat for everyone who needs one, as airlines' searches answer.
        .filter((o) => o.seats_left >= args.adults + args.children)
        .filter((o) => args.max_connections === undefined || o.stops <= args.max_connections)
        .filter((o) => args.airline_codes === undefined || args.airline_codes.includes(o.airline.code))
        .sort((a, b) => a.price.amount - b.price.amount)
      return ok({
        offers,
        currency: args.currency,
        passengers: { adults: args.adults, children: args.children, infants: args.infants }
      })
    })

    server.registerTool("get_offer_details", {
      title: "Offer details",
      description: "The full details of an offer: itinerary, fare rules and baggage.",
      inputSchema: { offer_id: z.string() },
      outputSchema: {
        offer,
        passengers: passengerCounts,
        fare_rules: z.object({ refundable: z.boolean(), change_fee: money, cancellation_fee: money }),
        baggage: z.object({ cabin_bags: z.number(), checked_bags: z.number() })
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ offer_id }) => {
      const found = lookup(offer_id)
      if (found === undefined) return unknownOffer(offer_id)
      const { generated, query } = found
      const o = generated.offer
      const premium = query.cabin !== "economy"
      const fee = (usd: number) => convert(premium ? 0 : usd, query.currency)
      return ok({
        offer: withSeats(generated),
        passengers: { adults: query.adults, children: query.children, infants: query.infants },
        fare_rules: { refundable: o.refundable, change_fee: fee(75), cancellation_fee: o.refundable ? fee(0) : o.price },
        baggage: { cabin_bags: 1, checked_bags: premium ? 2 : Prng.derive(seed, "bags", o.id).int(0, 1) }
      })
    })

    server.registerTool("check_availability", {
      title: "Check availability",
      description: "Whether an offer can still be booked, and how many seats are left.",
      inputSchema: { offer_id: z.string() },
      outputSchema: { offer_id: z.string(), available: z.boolean(), seats_left: z.number(), price: money },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ offer_id }) => {
      const found = lookup(offer_id)
      if (found === undefined) return unknownOffer(offer_id)
      const { generated, query } = found
      const seats = seatsLeft(generated)
      return ok({
        offer_id,
        available: seats >= query.adults + query.children,
        seats_left: seats,
        price: generated.offer.price
      })
    })

    server.registerTool("reserve", {
      title: "Reserve a flight",
      description: "Reserve an offer for its passengers. Retrying with the same idempotency_key returns the " +
        "same reservation and never books twice.",
      inputSchema: {
        offer_id: z.string(),
        passengers: z.array(passenger).min(1).max(21),
        contact_email: z.email().optional(),
        idempotency_key: idempotencyKey
      },
      outputSchema: { reservation },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    }, (args) =>
      idempotency.once(args.idempotency_key, { offer_id: args.offer_id, passengers: args.passengers }, () => {
        const found = lookup(args.offer_id)
        if (found === undefined) return unknownOffer(args.offer_id)
        const { generated, query } = found
        const count = (type: string) => args.passengers.filter((p) => p.type === type).length
        if (count("adult") !== query.adults || count("child") !== query.children || count("infant") !== query.infants) {
          return failure(
            `The offer was priced for ${query.adults} adult(s), ${query.children} child(ren) and ${query.infants} ` +
              `infant(s); the passengers given are ${count("adult")}, ${count("child")} and ${count("infant")}. ` +
              `Search again with the right passenger counts.`
          )
        }
        const left = seatsLeft(generated)
        if (left < seatsTaken(args.passengers)) {
          return failure(`Only ${left} seat(s) left on this offer; choose another offer.`)
        }
        const number = reservations.size + 1
        const booked: FlightReservation = {
          id: `rsv_${String(number).padStart(5, "0")}`,
          booking_reference: reference(Prng.derive(seed, "pnr", number).next),
          status: "confirmed",
          offer_id: args.offer_id,
          passengers: args.passengers,
          total_price: generated.offer.price,
          created_at: iso(now())
        }
        reservations.set(booked.id, booked)
        addSeats(booked.offer_id, seatsTaken(booked.passengers))
        return ok({ reservation: booked })
      }))

    server.registerTool("cancel_reservation", {
      title: "Cancel a reservation",
      description: "Cancel a reservation. Cancelling an already cancelled reservation changes nothing.",
      inputSchema: { reservation_id: z.string() },
      outputSchema: { reservation, refund: money },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
    }, ({ reservation_id }) => {
      const current = reservations.get(reservation_id)
      if (current === undefined) return failure(`Unknown reservation "${reservation_id}".`)
      const refundable = lookup(current.offer_id)?.generated.offer.refundable ?? false
      const refund = refundable ? current.total_price : { amount: 0, currency: current.total_price.currency }
      if (current.status === "cancelled") return ok({ reservation: current, refund })
      const cancelled: FlightReservation = { ...current, status: "cancelled", cancelled_at: iso(now()) }
      reservations.set(reservation_id, cancelled)
      addSeats(current.offer_id, -seatsTaken(current.passengers))
      return ok({ reservation: cancelled, refund })
    })
  }

  return { register, state: (): FlightsState => ({ reservations: [...reservations.values()] }) }
}

/**
 * Flight search and booking: `search_flights`, `get_offer_details`,
 * `check_availability`, `reserve`, `cancel_reservation`.
 *
 * @since 0.1.0 @category services
 */
export const flights: MockService<FlightsState> = {
  name: "flights",
  version: "1.0.0",
  description: "Flight offers, availability and reservations",
  make
}
