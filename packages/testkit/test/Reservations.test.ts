/**
 * The flights and accommodations mocks keep indexes of their reservations
 * (seats sold per offer, stays per listing, reservations by id). Random
 * sequences of searches, bookings and cancellations are played against a
 * mock and against a model that keeps a plain list of reservations and
 * scans all of it for every answer, as the mocks once did; every answer,
 * and the state at the end, must be what the scan says.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import fc from "fast-check"
import { times } from "../src/internal/money.js"
import type { MockService } from "../src/MockService.js"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText } from "./support.js"

/** Plays `steps` against a fresh mock in a scope of its own, for each run of a property. */
const playEach = <S>(
  service: MockService<{ readonly reservations: ReadonlyArray<unknown> }>,
  play: (client: Client, steps: ReadonlyArray<S>) => Effect.Effect<ReadonlyArray<unknown>, Error>,
  steps: fc.Arbitrary<S>,
  numRuns: number
) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    yield* Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.array(steps, { minLength: 10, maxLength: 60, size: "max" }), (list) =>
          Runtime.runPromise(runtime)(Effect.scoped(Effect.gen(function*() {
            const mock = yield* MockServer.make(service, { seed: 7 })
            const expected = yield* play(yield* connect(yield* mock.connect), list)
            // The state lists the reservations in booking order, as the model does.
            expect((yield* mock.state).reservations).toEqual(expected)
          })))),
        { numRuns }
      )
    )
  })

// Mostly new keys, and now and then one used before: a replay, or a key
// reused for another booking.
const keys = fc.integer({ min: 0, max: 60 }).map((k) => `key-${String(k).padStart(4, "0")}`)

// Flights: three queries (passengers are part of an offer's id), the first
// three offers of each, of one to nine seats, bookings of two or three seats:
// offers sell out often.
const queries = [
  { origin: "LHR", destination: "JFK", departure_date: "2026-06-01", adults: 2 },
  { origin: "LHR", destination: "JFK", departure_date: "2026-06-01", adults: 1, children: 1, infants: 1 },
  { origin: "CDG", destination: "LIS", departure_date: "2026-07-01", return_date: "2026-07-08", adults: 3 }
] as const

const passengersFor = (query: (typeof queries)[number]) => {
  const person = (type: string, i: number) => ({ given_name: `${type}${i}`, family_name: "Model", type })
  const counts = { adult: query.adults, child: "children" in query ? query.children : 0, infant: "infants" in query ? query.infants : 0 }
  return Object.entries(counts).flatMap(([type, n]) => Array.from({ length: n }, (_, i) => person(type, i)))
}

const flightStep = fc.oneof(
  fc.record({ kind: fc.constant("search" as const), query: fc.nat(2) }),
  fc.record({ kind: fc.constant("check" as const), query: fc.nat(2), offer: fc.nat(2) }),
  fc.record({ kind: fc.constant("details" as const), query: fc.nat(2), offer: fc.nat(2) }),
  { arbitrary: fc.record({ kind: fc.constant("reserve" as const), query: fc.nat(2), offer: fc.nat(2), key: keys }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), number: fc.integer({ min: 1, max: 16 }) }), weight: 2 }
)

interface OfferSeen {
  readonly id: string
  readonly seats: number
  readonly refundable: boolean
}

type FlightStep = typeof flightStep extends fc.Arbitrary<infer S> ? S : never

const playFlights = (client: Client, steps: ReadonlyArray<FlightStep>) =>
  Effect.gen(function*() {
    // Each offer's seats before any booking, from a first search.
    const offers: Array<Array<OfferSeen>> = []
    for (const query of queries) {
      const found = data(yield* call(client, "search_flights", query)).offers as Array<any>
      offers.push(found.map((o) => ({ id: o.id, seats: o.seats_left, refundable: o.refundable })))
    }
    const booked: Array<any> = []
    const keysUsed = new Map<string, { readonly offerId: string; readonly reservation: unknown }>()
    const seatsOf = (passengers: ReadonlyArray<{ type: string }>) => passengers.filter((p) => p.type !== "infant").length
    const seatsLeft = (offer: OfferSeen) =>
      Math.max(0, offer.seats - booked
        .filter((r) => r.offer_id === offer.id && r.status === "confirmed")
        .reduce((sum, r) => sum + seatsOf(r.passengers), 0))

    for (const step of steps) {
      if (step.kind === "cancel") {
        const id = `rsv_${String(step.number).padStart(5, "0")}`
        const answer = yield* call(client, "cancel_reservation", { reservation_id: id })
        const index = booked.findIndex((r) => r.id === id)
        if (index === -1) {
          expect(errorText(answer)).toBe(`Unknown reservation "${id}".`)
          continue
        }
        const current = booked[index]
        const { refund, reservation } = data(answer)
        const offer = offers.flat().find((o) => o.id === current.offer_id)!
        expect(refund).toEqual(offer.refundable ? current.total_price : { amount: 0, currency: current.total_price.currency })
        if (current.status === "cancelled") {
          expect(reservation).toEqual(current)
        } else {
          expect(reservation).toEqual({ ...current, status: "cancelled", cancelled_at: expect.any(String) })
          booked[index] = reservation
        }
        continue
      }
      const query = queries[step.query]!
      if (step.kind === "search") {
        const found = data(yield* call(client, "search_flights", query)).offers as Array<any>
        // Offers without a seat for each passenger who needs one are not offered.
        const bookable = offers[step.query]!.filter((o) => seatsLeft(o) >= seatsOf(passengersFor(query)))
        expect(found.map((o) => [o.id, o.seats_left])).toEqual(expect.arrayContaining(bookable.map((o) => [o.id, seatsLeft(o)])))
        expect(found).toHaveLength(bookable.length)
        continue
      }
      const offer = offers[step.query]![step.offer % offers[step.query]!.length]!
      if (step.kind === "check") {
        const answer = data(yield* call(client, "check_availability", { offer_id: offer.id }))
        expect(answer.seats_left).toBe(seatsLeft(offer))
        expect(answer.available).toBe(seatsLeft(offer) >= query.adults + ("children" in query ? query.children : 0))
        continue
      }
      if (step.kind === "details") {
        expect(data(yield* call(client, "get_offer_details", { offer_id: offer.id })).offer.seats_left).toBe(seatsLeft(offer))
        continue
      }
      const passengers = passengersFor(query)
      const answer = yield* call(client, "reserve", { offer_id: offer.id, passengers, idempotency_key: step.key })
      const used = keysUsed.get(step.key)
      if (used !== undefined) {
        if (used.offerId === offer.id) expect(data(answer).reservation).toEqual(used.reservation)
        else expect(errorText(answer)).toContain("already used with different arguments")
        continue
      }
      const left = seatsLeft(offer)
      if (left < seatsOf(passengers)) {
        expect(errorText(answer)).toBe(`Only ${left} seat(s) left on this offer; choose another offer.`)
        continue
      }
      const { reservation } = data(answer)
      expect(reservation).toMatchObject({
        id: `rsv_${String(booked.length + 1).padStart(5, "0")}`,
        status: "confirmed",
        offer_id: offer.id,
        passengers
      })
      booked.push(reservation)
      keysUsed.set(step.key, { offerId: offer.id, reservation })
    }
    return booked
  })

// Accommodations: one city's fourteen listings, bookings for four of them
// (among them places let whole, of one unit, which fill at once), stays of
// up to five nights within three weeks, so stays meet, touch and overlap
// often.
const day = (n: number) => new Date(Date.UTC(2026, 6, 1 + n)).toISOString().slice(0, 10)
const dayOf = (iso: string) => Math.round((Date.parse(`${iso}T00:00:00Z`) - Date.UTC(2026, 6, 1)) / 86_400_000)
const stay = fc.record({ from: fc.nat(14), nights: fc.integer({ min: 0, max: 5 }), guests: fc.integer({ min: 1, max: 3 }) })
  .map(({ from, guests, nights }) => ({ check_in: day(from), check_out: day(from + nights), nights, guests }))

const stayStep = fc.oneof(
  fc.record({ kind: fc.constant("search" as const), stay }),
  { arbitrary: fc.record({ kind: fc.constant("reserve" as const), stay, listing: fc.nat(3), key: keys }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), number: fc.integer({ min: 1, max: 16 }) }), weight: 2 }
)

const refundShare: Record<string, number> = { flexible: 1, moderate: 0.5, strict: 0 }

type StayStep = typeof stayStep extends fc.Arbitrary<infer S> ? S : never

const playStays = (client: Client, steps: ReadonlyArray<StayStep>) =>
  Effect.gen(function*() {
    // Every listing of the city, from a search for dates nothing is booked on.
    const listings = data(yield* call(client, "search", {
      location: "Lisbon",
      check_in: "2030-01-01",
      check_out: "2030-01-02"
    })).listings as Array<any>
    expect(listings).toHaveLength(14)
    expect(listings.slice(0, 4).map((l) => l.units)).toContain(1)
    const booked: Array<any> = []
    const keysUsed = new Map<string, { readonly args: string; readonly reservation: unknown }>()
    // Free when, on every night of the range, fewer confirmed stays hold the listing than it has units.
    const isFree = (listingId: string, checkIn: string, checkOut: string) => {
      const units = listings.find((l) => l.id === listingId).units
      for (let night = checkIn; night < checkOut; night = day(dayOf(night) + 1)) {
        const taken = booked.filter((r) =>
          r.listing_id === listingId && r.status === "confirmed" && r.check_in <= night && night < r.check_out
        ).length
        if (taken >= units) return false
      }
      return true
    }

    for (const step of steps) {
      if (step.kind === "cancel") {
        const id = `stay_${String(step.number).padStart(5, "0")}`
        const answer = yield* call(client, "cancel", { reservation_id: id })
        const index = booked.findIndex((r) => r.id === id)
        if (index === -1) {
          expect(errorText(answer)).toBe(`Unknown reservation "${id}".`)
          continue
        }
        const current = booked[index]
        const { refund, reservation } = data(answer)
        const policy = listings.find((l) => l.id === current.listing_id).cancellation_policy
        expect(refund).toEqual(times(current.total_price, refundShare[policy]!))
        if (current.status === "cancelled") {
          expect(reservation).toEqual(current)
        } else {
          expect(reservation).toEqual({ ...current, status: "cancelled", cancelled_at: expect.any(String) })
          booked[index] = reservation
        }
        continue
      }
      const { check_in, check_out, guests, nights } = step.stay
      if (step.kind === "search") {
        const answer = yield* call(client, "search", { location: "Lisbon", check_in, check_out, guests })
        if (nights < 1) {
          expect(errorText(answer)).toBe("check_out must be after check_in")
          continue
        }
        const found = (data(answer).listings as Array<any>).map((l) => l.id).sort()
        expect(found).toEqual(
          listings.filter((l) => l.max_guests >= guests && isFree(l.id, check_in, check_out)).map((l) => l.id).sort()
        )
        continue
      }
      const listing = listings[step.listing]
      const args = { listing_id: listing.id, check_in, check_out, guests, guest_name: "Model" }
      const answer = yield* call(client, "reserve", { ...args, idempotency_key: step.key })
      const used = keysUsed.get(step.key)
      if (used !== undefined) {
        if (used.args === JSON.stringify(args)) expect(data(answer).reservation).toEqual(used.reservation)
        else expect(errorText(answer)).toContain("already used with different arguments")
        continue
      }
      if (nights < 1) {
        expect(errorText(answer)).toBe("check_out must be after check_in")
      } else if (guests > listing.max_guests) {
        expect(errorText(answer)).toBe(`"${listing.name}" sleeps at most ${listing.max_guests} guest(s).`)
      } else if (!isFree(listing.id, check_in, check_out)) {
        expect(errorText(answer)).toBe(`"${listing.name}" is not available from ${check_in} to ${check_out}.`)
      } else {
        const { reservation } = data(answer)
        expect(reservation).toMatchObject({
          id: `stay_${String(booked.length + 1).padStart(5, "0")}`,
          status: "confirmed",
          listing_id: listing.id,
          check_in,
          check_out,
          nights,
          guests
        })
        booked.push(reservation)
        keysUsed.set(step.key, { args: JSON.stringify(args), reservation })
      }
    }
    return booked
  })

describe("reservations", () => {
  it.effect("flights: seats left, availability, bookings and cancellations are what a scan of every reservation says (property)", () =>
    playEach(MockServices.flights, playFlights, flightStep, 60))

  it.effect("accommodations: free listings, bookings and cancellations are what a scan of every reservation says (property)", () =>
    playEach(MockServices.accommodations, playStays, stayStep, 60))
})
