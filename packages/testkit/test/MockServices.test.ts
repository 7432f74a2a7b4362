import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as MockServer from "../src/MockServer.js"
import type { MockService } from "../src/MockService.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, flightSearch } from "./support.js"

/** A typical session per service; every answer passes the client's output-schema validation. */
const forecastTour = (client: Client) =>
  Effect.map(
    call(client, "forecast", { location: "Reykjavik", start_date: "2026-01-10", end_date: "2026-01-16" }),
    (result) => [data(result)]
  )

const tours: Record<string, (client: Client) => Effect.Effect<ReadonlyArray<unknown>, Error>> = {
  flights: (client) =>
    Effect.gen(function*() {
      const search = data(yield* call(client, "search_flights", { ...flightSearch, return_date: "2026-06-09" }))
      const offerId = search.offers[0].id
      const details = data(yield* call(client, "get_offer_details", { offer_id: offerId }))
      const availability = data(yield* call(client, "check_availability", { offer_id: offerId }))
      return [search, details, availability]
    }),
  accommodations: (client) =>
    Effect.gen(function*() {
      const search = data(
        yield* call(client, "search", { location: "Lisbon", check_in: "2026-06-01", check_out: "2026-06-04", guests: 2 })
      )
      const listing = data(yield* call(client, "get_listing", { listing_id: search.listings[0].id, currency: "EUR" }))
      return [search, listing]
    }),
  weather: (client) => forecastTour(client),
  "weather-backup": (client) => forecastTour(client),
  maps: (client) =>
    Effect.gen(function*() {
      const geocode = data(yield* call(client, "geocode", { query: "CDG" }))
      const route = data(yield* call(client, "route", { origin: "Paris", destination: "Amsterdam", mode: "transit" }))
      return [geocode, route]
    }),
  activities: (client) =>
    Effect.map(call(client, "search", { location: "Rome", date: "2026-06-02", limit: 5 }), (result) => [data(result)]),
  payments: (client) =>
    Effect.gen(function*() {
      const paid = data(
        yield* call(client, "process", { amount: 120.5, currency: "EUR", card_token: "tok_visa", idempotency_key: "order-0001" })
      )
      const refunded = data(yield* call(client, "refund", { payment_id: paid.payment.id, amount: 20.5 }))
      return [paid, refunded]
    })
}

const readOnly: Record<string, Record<string, boolean>> = {
  flights: { search_flights: true, get_offer_details: true, check_availability: true, reserve: false, cancel_reservation: false },
  accommodations: { search: true, get_listing: true, reserve: false, cancel: false },
  weather: { forecast: true },
  "weather-backup": { forecast: true },
  maps: { geocode: true, route: true },
  activities: { search: true },
  payments: { process: false, refund: false }
}

const tour = (service: MockService, seed: number) =>
  Effect.scoped(Effect.gen(function*() {
    const mock = yield* MockServer.make(service, { seed })
    const client = yield* connect(yield* mock.connect)
    // Listing the tools makes the SDK client validate structured content against each output schema.
    yield* Effect.promise(() => client.listTools())
    return yield* tours[service.name]!(client)
  }))

describe.each(MockServices.all.map((service) => [service.name, service] as const))("mock service %s", (name, service) => {
  it.scoped("lists its tools, marking exactly the reads as read-only, plus the control tool", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(service)
      const client = yield* connect(yield* mock.connect)
      const { tools } = yield* Effect.promise(() => client.listTools())
      const hints = Object.fromEntries(
        tools.filter((tool) => tool.name !== "_control").map((tool) => [tool.name, tool.annotations?.readOnlyHint])
      )
      expect(hints).toEqual(readOnly[name])
      expect(tools.map((tool) => tool.name)).toContain("_control")
      for (const tool of tools.filter((t) => t.name !== "_control")) expect(tool.outputSchema).toBeDefined()
    }))

  it.effect("answers a typical session with valid data, the same for the same seed", () =>
    Effect.gen(function*() {
      const first = yield* tour(service, 42)
      expect(yield* tour(service, 42)).toEqual(first)
      expect(yield* tour(service, 43)).not.toEqual(first)
    }))
})

describe("MockServices.lookup", () => {
  it("finds services by name and lists them when the name is unknown", () => {
    expect(MockServices.lookup("weather")).toEqual(Either.right(MockServices.weather))
    const missing = MockServices.lookup("trains")
    expect(Either.isLeft(missing) && missing.left.message).toBe(
      `There is no mock service "trains". Available: flights, accommodations, weather, weather-backup, maps, activities, payments.`
    )
  })
})
