/**
 * The weather mock: a daily forecast per place and date, derived from the
 * seed and a rough climate (latitude and season), so Lisbon in July is warm
 * and Reykjavik in January is not.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext, Stateless } from "../MockService.js"
import * as Prng from "../Prng.js"
import { addDays, daysBetween, isoDate } from "../internal/fields.js"
import * as Places from "../internal/places.js"
import { failure, ok } from "../internal/toolResult.js"

const conditions = ["sunny", "partly_cloudy", "cloudy", "light_rain", "rain", "thunderstorm", "snow", "fog"] as const

const day = z.object({
  date: z.string(),
  condition: z.enum(conditions),
  temp_min: z.number(),
  temp_max: z.number(),
  precipitation: z.number(),
  precipitation_chance: z.number(),
  wind_speed: z.number(),
  humidity: z.number()
})

const maxDays = 16

const round1 = (n: number) => Math.round(n * 10) / 10

const forecastDay = (seed: number, place: Places.Place, date: string, imperial: boolean) => {
  const prng = Prng.derive(seed, "weather", place.name.toLowerCase(), date)
  const month = Number(date.slice(5, 7))
  // Warmest in July up north, in January down south.
  const season = Math.cos(((month - 7) / 12) * 2 * Math.PI) * (place.lat >= 0 ? 1 : -1)
  const mean = 29 - 0.35 * Math.abs(place.lat) + season * Math.min(9, Math.abs(place.lat) / 6) + prng.normal(0, 2.5)
  const spread = prng.between(4, 11)
  const chance = Math.round(Math.min(95, Math.max(0, prng.normal(35, 25))))
  const raining = prng.next() * 100 < chance
  const tMin = mean - spread / 2
  const condition = raining
    ? tMin < 0 ? "snow" : prng.pick(["light_rain", "light_rain", "rain", "thunderstorm"] as const)
    : prng.pick(["sunny", "sunny", "partly_cloudy", "cloudy", "fog"] as const)
  const rainMm = raining ? prng.between(0.5, 25) : 0
  const windKph = Math.max(0, prng.normal(15, 8))
  return {
    date,
    condition,
    temp_min: round1(imperial ? tMin * 9 / 5 + 32 : tMin),
    temp_max: round1(imperial ? (mean + spread / 2) * 9 / 5 + 32 : mean + spread / 2),
    precipitation: round1(imperial ? rainMm / 25.4 : rainMm),
    precipitation_chance: chance,
    wind_speed: round1(imperial ? windKph / 1.609 : windKph),
    humidity: Math.round(Math.min(100, Math.max(15, prng.normal(raining ? 80 : 60, 12))))
  }
}

const make = ({ seed }: MockServiceContext) => ({
  state: () => ({}),
  register: (server: McpServer) => {
    server.registerTool("forecast", {
      title: "Weather forecast",
      description: `Daily forecast for a place over a date range of up to ${maxDays} days.`,
      inputSchema: {
        location: z.string().min(2),
        start_date: isoDate,
        end_date: isoDate,
        units: z.enum(["metric", "imperial"]).default("metric")
      },
      outputSchema: {
        location: z.object({ name: z.string(), country: z.string(), lat: z.number(), lon: z.number() }),
        units: z.object({ temperature: z.string(), precipitation: z.string(), wind_speed: z.string() }),
        days: z.array(day)
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ location, start_date, end_date, units }) => {
      const span = daysBetween(start_date, end_date) + 1
      if (span < 1) return failure("end_date must not be before start_date")
      if (span > maxDays) return failure(`a forecast covers at most ${maxDays} days; got ${span}`)
      const place = Places.resolve(location)
      const imperial = units === "imperial"
      return ok({
        location: { name: place.name, country: place.country, lat: place.lat, lon: place.lon },
        units: imperial
          ? { temperature: "F", precipitation: "in", wind_speed: "mph" }
          : { temperature: "C", precipitation: "mm", wind_speed: "km/h" },
        days: Array.from({ length: span }, (_, i) => forecastDay(seed, place, addDays(start_date, i), imperial))
      })
    })
  }
})

/**
 * Weather: `forecast`.
 *
 * @since 0.1.0 @category services
 */
export const weather: MockService<Stateless> = {
  name: "weather",
  version: "1.0.0",
  description: "Daily weather forecasts",
  make
}

/**
 * A second weather provider: the same forecasts under another name, so an
 * app can fall back from one provider to the other, and a fault or a crash
 * can hit one of them alone.
 */
export const weatherBackup: MockService<Stateless> = {
  ...weather,
  name: "weather-backup",
  description: "Daily weather forecasts from a second provider"
}
