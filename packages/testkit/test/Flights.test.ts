import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText, flightSearch, twoAdults } from "./support.js"

const setup = Effect.gen(function*() {
  const mock = yield* MockServer.make(MockServices.flights, { seed: 7 })
  const client = yield* connect(yield* mock.connect)
  const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
  return { mock, client, offer }
})

describe("flights mock", () => {
  it.scoped("validates airport codes and dates as the API would", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      expect(errorText(yield* call(client, "search_flights", { ...flightSearch, origin: "lhr" }))).toContain(
        "3-letter uppercase IATA airport code"
      )
      expect(errorText(yield* call(client, "search_flights", { ...flightSearch, departure_date: "2026-02-30" }))).toContain(
        "not a calendar date"
      )
      expect(errorText(yield* call(client, "search_flights", { ...flightSearch, return_date: "2026-05-01" }))).toContain(
        "return_date must not be before departure_date"
      )
      expect(errorText(yield* call(client, "search_flights", { ...flightSearch, destination: "LHR" }))).toContain("must differ")
    }))

  it.scoped("returns priced offers with segments, filtered by connections and airline", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const all = data(yield* call(client, "search_flights", { ...flightSearch, cabin_class: "business", currency: "EUR" }))
      expect(all.offers.length).toBeGreaterThan(0)
      for (const offer of all.offers) {
        expect(offer.price.currency).toBe("EUR")
        expect(offer.slices[0].segments[0].origin).toBe("LHR")
        expect(offer.slices[0].segments.at(-1).destination).toBe("JFK")
        expect(offer.stops).toBe(offer.slices[0].segments.length - 1)
      }
      const prices = all.offers.map((o: any) => o.price.amount)
      expect(prices).toEqual([...prices].sort((a, b) => a - b))
      const direct = data(yield* call(client, "search_flights", { ...flightSearch, max_connections: 0 }))
      expect(direct.offers.every((o: any) => o.stops === 0)).toBe(true)
      const airline = all.offers[0].airline.code
      const one = data(yield* call(client, "search_flights", { ...flightSearch, airline_codes: [airline] }))
      expect(one.offers.every((o: any) => o.airline.code === airline)).toBe(true)
    }))

  it.scoped("reserves once per idempotency key and takes the seats", () =>
    Effect.gen(function*() {
      const { client, mock, offer } = yield* setup
      const request = { offer_id: offer.id, passengers: twoAdults, idempotency_key: "booking-0001" }
      const first = data(yield* call(client, "reserve", request)).reservation
      const again = data(yield* call(client, "reserve", request)).reservation
      expect(again).toEqual(first)
      expect(first.status).toBe("confirmed")
      expect((yield* mock.state).reservations).toHaveLength(1)
      const seats = data(yield* call(client, "check_availability", { offer_id: offer.id })).seats_left
      expect(seats).toBe(Math.max(0, offer.seats_left - 2))
      const reused = yield* call(client, "reserve", { ...request, passengers: twoAdults.slice(0, 1) })
      expect(errorText(reused)).toContain("already used with different arguments")
    }))

  it.scoped("refuses passengers that do not match the priced offer", () =>
    Effect.gen(function*() {
      const { client, offer } = yield* setup
      const result = yield* call(client, "reserve", {
        offer_id: offer.id,
        passengers: twoAdults.slice(0, 1),
        idempotency_key: "booking-0002"
      })
      expect(errorText(result)).toContain("priced for 2 adult(s)")
    }))

  it.scoped("cancels a reservation, visibly in the state, and cancelling again changes nothing", () =>
    Effect.gen(function*() {
      const { client, mock, offer } = yield* setup
      const booked = data(
        yield* call(client, "reserve", { offer_id: offer.id, passengers: twoAdults, idempotency_key: "booking-0003" })
      ).reservation
      const cancelled = data(yield* call(client, "cancel_reservation", { reservation_id: booked.id }))
      expect(cancelled.reservation.status).toBe("cancelled")
      expect(data(yield* call(client, "cancel_reservation", { reservation_id: booked.id })).reservation).toEqual(
        cancelled.reservation
      )
      expect((yield* mock.state).reservations.map((r) => r.status)).toEqual(["cancelled"])
      expect(data(yield* call(client, "check_availability", { offer_id: offer.id })).seats_left).toBe(offer.seats_left)
    }))

  it.scoped("looks offers up by id and reports unknown ones", () =>
    Effect.gen(function*() {
      const { client, offer } = yield* setup
      const details = data(yield* call(client, "get_offer_details", { offer_id: offer.id }))
      expect(details.offer).toEqual(offer)
      expect(details.passengers).toEqual({ adults: 2, children: 0, infants: 0 })
      expect(errorText(yield* call(client, "get_offer_details", { offer_id: "off_nope" }))).toContain("Unknown offer")
    }))

  it.scoped("reports search progress when asked for it", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const progress: Array<number> = []
      yield* Effect.promise(() =>
        client.callTool({ name: "search_flights", arguments: flightSearch }, undefined, {
          onprogress: (p) => void progress.push(p.progress)
        })
      )
      expect(progress).toEqual([1, 2, 3])
    }))
})
