/**
 * The maps mock: geocoding of cities, airports and coordinates, and routes
 * between two places with a distance, a duration and turn-by-turn steps.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext, Stateless } from "../MockService.js"
import * as Prng from "../Prng.js"
import * as Places from "../internal/places.js"
import { failure, ok } from "../internal/toolResult.js"

const modes = ["driving", "walking", "cycling", "transit"] as const
type Mode = (typeof modes)[number]

/** Road distance over straight-line distance, and average speed in km/h. */
const profile: Record<Mode, { readonly detour: number; readonly kph: number; readonly maxKm: number }> = {
  driving: { detour: 1.25, kph: 75, maxKm: 4000 },
  walking: { detour: 1.15, kph: 4.8, maxKm: 150 },
  cycling: { detour: 1.2, kph: 16, maxKm: 600 },
  transit: { detour: 1.3, kph: 90, maxKm: 2500 }
}

const streets = ["Main Street", "Station Road", "High Street", "Harbour Avenue", "Park Lane", "Market Square", "Ring Road", "Bridge Street"]
const directions = ["north", "south", "east", "west", "northeast", "southwest"]

const point = z.object({ name: z.string(), lat: z.number(), lon: z.number() })
const round2 = (n: number) => Math.round(n * 100) / 100

const make = ({ seed }: MockServiceContext) => ({
  state: () => ({}),
  register: (server: McpServer) => {
    server.registerTool("geocode", {
      title: "Geocode",
      description: "Coordinates of a city, an airport (IATA code) or a \"lat,lon\" pair.",
      inputSchema: { query: z.string().min(2) },
      outputSchema: {
        results: z.array(z.object({
          name: z.string(),
          country: z.string(),
          lat: z.number(),
          lon: z.number(),
          kind: z.enum(["city", "airport", "coordinates", "approximate"]),
          airport: z.string().optional()
        }))
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ query }) => {
      const place = Places.resolve(query)
      const kind = !place.known
        ? "approximate"
        : place.airport === undefined
        ? "coordinates"
        : query.trim().toUpperCase() === place.airport
        ? "airport"
        : "city"
      return ok({
        results: [{
          name: place.name,
          country: place.country,
          lat: place.lat,
          lon: place.lon,
          kind,
          ...(place.airport !== undefined && { airport: place.airport })
        }]
      })
    })

    server.registerTool("route", {
      title: "Route",
      description: "A route between two places by car, on foot, by bike or by public transport.",
      inputSchema: {
        origin: z.string().min(2),
        destination: z.string().min(2),
        mode: z.enum(modes).default("driving")
      },
      outputSchema: {
        origin: point,
        destination: point,
        mode: z.enum(modes),
        distance_km: z.number(),
        duration_minutes: z.number(),
        steps: z.array(z.object({ instruction: z.string(), distance_km: z.number(), duration_minutes: z.number() }))
      },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, ({ origin, destination, mode }) => {
      const from = Places.resolve(origin)
      const to = Places.resolve(destination)
      const { detour, kph, maxKm } = profile[mode]
      const km = Places.distanceKm(from, to) * detour
      if (km > maxKm) return failure(`No ${mode} route from ${from.name} to ${to.name} (${Math.round(km)} km); consider a flight.`)
      const prng = Prng.derive(seed, "route", from.name, to.name, mode)
      const count = prng.int(3, 6)
      const shares = Array.from({ length: count }, () => prng.between(0.5, 2))
      const total = shares.reduce((a, b) => a + b, 0)
      const steps = shares.map((share, i) => {
        const legKm = (km * share) / total
        const instruction = i === 0
          ? `Head ${prng.pick(directions)} on ${prng.pick(streets)}`
          : i === count - 1
          ? `Arrive at ${to.name}`
          : `${prng.pick(["Turn left", "Turn right", "Continue"])} onto ${prng.pick(streets)}`
        return { instruction, distance_km: round2(legKm), duration_minutes: Math.max(1, Math.round((legKm / kph) * 60)) }
      })
      return ok({
        origin: { name: from.name, lat: from.lat, lon: from.lon },
        destination: { name: to.name, lat: to.lat, lon: to.lon },
        mode,
        distance_km: round2(km),
        duration_minutes: steps.reduce((sum, s) => sum + s.duration_minutes, 0),
        steps
      })
    })
  }
})

/**
 * Maps: `geocode`, `route`.
 *
 * @since 0.1.0 @category services
 */
export const maps: MockService<Stateless> = {
  name: "maps",
  version: "1.0.0",
  description: "Geocoding and routes",
  make
}
