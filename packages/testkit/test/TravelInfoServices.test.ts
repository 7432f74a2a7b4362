import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText } from "./support.js"

describe("weather, maps and activities mocks", () => {
  it.scoped("forecast covers the range asked, up to 16 days, in the units asked", () =>
    Effect.gen(function*() {
      const client = yield* connect(yield* (yield* MockServer.make(MockServices.weather)).connect)
      const week = data(
        yield* call(client, "forecast", { location: "Tokyo", start_date: "2026-03-30", end_date: "2026-04-05", units: "imperial" })
      )
      expect(week.days.map((d: any) => d.date)).toEqual([
        "2026-03-30",
        "2026-03-31",
        "2026-04-01",
        "2026-04-02",
        "2026-04-03",
        "2026-04-04",
        "2026-04-05"
      ])
      expect(week.units.temperature).toBe("F")
      for (const day of week.days) expect(day.temp_min).toBeLessThanOrEqual(day.temp_max)
      expect(errorText(yield* call(client, "forecast", { location: "Tokyo", start_date: "2026-03-01", end_date: "2026-03-31" })))
        .toContain("at most 16 days")
    }))

  it.scoped("geocodes cities, airports and unknown places, and refuses to drive across an ocean", () =>
    Effect.gen(function*() {
      const client = yield* connect(yield* (yield* MockServer.make(MockServices.maps)).connect)
      expect(data(yield* call(client, "geocode", { query: "lisbon" })).results[0]).toMatchObject({
        name: "Lisbon",
        kind: "city",
        airport: "LIS"
      })
      expect(data(yield* call(client, "geocode", { query: "NRT" })).results[0]).toMatchObject({ name: "Tokyo", kind: "airport" })
      expect(data(yield* call(client, "geocode", { query: "Atlantis" })).results[0].kind).toBe("approximate")
      expect(errorText(yield* call(client, "route", { origin: "Paris", destination: "New York" }))).toContain("consider a flight")
    }))

  it.scoped("activities respect category, price and limit", () =>
    Effect.gen(function*() {
      const client = yield* connect(yield* (yield* MockServer.make(MockServices.activities)).connect)
      const found = data(yield* call(client, "search", { location: "Rome", category: "food", max_price: 120, limit: 3 }))
      expect(found.activities.length).toBeLessThanOrEqual(3)
      for (const activity of found.activities) {
        expect(activity.category).toBe("food")
        expect(activity.price.amount).toBeLessThanOrEqual(120)
      }
    }))
})
