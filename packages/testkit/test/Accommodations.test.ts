import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText } from "./support.js"

const stay = { location: "Paris", check_in: "2026-06-01", check_out: "2026-06-05", guests: 2 }

const setup = Effect.gen(function*() {
  const mock = yield* MockServer.make(MockServices.accommodations, { seed: 3 })
  const client = yield* connect(yield* mock.connect)
  const listing = data(yield* call(client, "search", stay)).listings[0]
  return { mock, client, listing }
})

describe("accommodations mock", () => {
  it.scoped("filters by guests, price and rating and prices the whole stay", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const found = data(yield* call(client, "search", { ...stay, guests: 3, max_price: 200, min_rating: 4 }))
      expect(found.nights).toBe(4)
      for (const listing of found.listings) {
        expect(listing.max_guests).toBeGreaterThanOrEqual(3)
        expect(listing.nightly_price.amount).toBeLessThanOrEqual(200)
        expect(listing.rating).toBeGreaterThanOrEqual(4)
        expect(listing.total_price.amount).toBeCloseTo(listing.nightly_price.amount * 4, 1)
      }
      expect(errorText(yield* call(client, "search", { ...stay, check_out: "2026-06-01" }))).toContain(
        "check_out must be after check_in"
      )
    }))

  it.scoped("gives hotels and guesthouses a star class, and min_stars keeps only stays of that class or above", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const all = data(yield* call(client, "search", stay)).listings as Array<{ type: string; stars?: number }>
      const range = { hotel: [3, 5], guesthouse: [2, 4] } as Record<string, [number, number] | undefined>
      for (const listing of all) {
        const bounds = range[listing.type]
        if (bounds === undefined) expect(listing.stars).toBeUndefined()
        else expect(listing.stars).toSatisfy((stars: number) => stars >= bounds[0] && stars <= bounds[1])
      }
      const classed = all.filter((l) => (l.stars ?? 0) >= 4)
      expect(classed.length).toBeGreaterThan(0)
      const found = data(yield* call(client, "search", { ...stay, min_stars: 4 })).listings as Array<{ stars?: number }>
      expect(found).toEqual(classed)
      expect(errorText(yield* call(client, "search", { ...stay, min_stars: 6 }))).toContain("min_stars")
    }))

  it.scoped("reserves once per key, refuses overlapping dates and stops offering the booked dates", () =>
    Effect.gen(function*() {
      const { client, mock, listing } = yield* setup
      const request = { listing_id: listing.id, ...stay, guest_name: "Ada Lovelace", idempotency_key: "stay-0001" }
      const { location: _, ...dates } = request
      const first = data(yield* call(client, "reserve", dates)).reservation
      expect(data(yield* call(client, "reserve", dates)).reservation).toEqual(first)
      const overlap = yield* call(client, "reserve", {
        ...dates,
        check_in: "2026-06-04",
        check_out: "2026-06-06",
        idempotency_key: "stay-0002"
      })
      expect(errorText(overlap)).toContain("is not available")
      const again = data(yield* call(client, "search", stay))
      expect(again.listings.map((l: any) => l.id)).not.toContain(listing.id)
      expect((yield* mock.state).reservations).toHaveLength(1)
    }))

  it.scoped("cancels with the policy's refund and frees the dates", () =>
    Effect.gen(function*() {
      const { client, mock, listing } = yield* setup
      const { location: _, ...dates } = stay
      const booked = data(
        yield* call(client, "reserve", { listing_id: listing.id, ...dates, guest_name: "Ada", idempotency_key: "stay-0003" })
      ).reservation
      const cancelled = data(yield* call(client, "cancel", { reservation_id: booked.id }))
      const share = { flexible: 1, moderate: 0.5, strict: 0 }[listing.cancellation_policy as "flexible"]
      expect(cancelled.refund.amount).toBeCloseTo(booked.total_price.amount * share, 2)
      expect((yield* mock.state).reservations[0]!.status).toBe("cancelled")
      expect(data(yield* call(client, "search", stay)).listings.map((l: any) => l.id)).toContain(listing.id)
    }))
})
