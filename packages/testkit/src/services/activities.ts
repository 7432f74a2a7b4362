/**
 * The activities mock: things to do in a place — tours, museums, outdoors,
 * food, nightlife, family — priced and rated, derived from the seed.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext, Stateless } from "../MockService.js"
import * as Prng from "../Prng.js"
import { isoDate } from "../internal/fields.js"
import { convert, currency, money } from "../internal/money.js"
import * as Places from "../internal/places.js"
import { ok } from "../internal/toolResult.js"

const categories = ["tour", "museum", "outdoor", "food", "nightlife", "family"] as const
type Category = (typeof categories)[number]

const titles: Record<Category, ReadonlyArray<string>> = {
  tour: ["Guided walking tour of {city}", "{city} by bike", "Hidden {city}: a local's tour", "{city} old town history walk"],
  museum: ["{city} Museum of Art, skip-the-line", "History Museum of {city}", "{city} Modern Gallery"],
  outdoor: ["Day hike near {city}", "Kayaking around {city}", "Sunset sailing from {city}"],
  food: ["{city} street food tasting", "Cooking class: flavours of {city}", "Market breakfast in {city}"],
  nightlife: ["{city} pub crawl", "Jazz night in {city}", "Rooftop bars of {city}"],
  family: ["{city} zoo day pass", "Science centre family ticket", "{city} aquarium visit"]
}
const baseUsd: Record<Category, number> = { tour: 35, museum: 22, outdoor: 70, food: 55, nightlife: 40, family: 28 }

const activity = z.object({
  id: z.string(),
  name: z.string(),
  category: z.enum(categories),
  description: z.string(),
  duration_minutes: z.number(),
  price: money,
  rating: z.number(),
  review_count: z.number(),
  meeting_point: z.object({ lat: z.number(), lon: z.number() }),
  languages: z.array(z.string()),
  available_times: z.array(z.string())
})

const perPlace = 18

const make = ({ seed }: MockServiceContext) => ({
  state: () => ({}),
  register: (server: McpServer) => {
    server.registerTool("search", {
      title: "Search activities",
      description: "Things to do in a place, optionally on a date, by category, price and rating.",
      inputSchema: {
        location: z.string().min(2),
        date: isoDate.optional(),
        category: z.enum(categories).optional(),
        max_price: z.number().positive().optional().describe("Highest price per person, in `currency`"),
        min_rating: z.number().min(0).max(5).optional(),
        limit: z.int().min(1).max(25).default(10),
        currency: currency.default("USD")
      },
      outputSchema: { location: z.object({ name: z.string(), country: z.string() }), activities: z.array(activity) },
      annotations: { readOnlyHint: true, openWorldHint: true }
    }, (args) => {
      const place = Places.resolve(args.location)
      const all = Array.from({ length: perPlace }, (_, i) => {
        const prng = Prng.derive(seed, "activity", place.name.toLowerCase(), i)
        const category = prng.pick(categories)
        const name = prng.pick(titles[category]).replace("{city}", place.name)
        const times = Prng.derive(seed, "activity-times", place.name.toLowerCase(), i, args.date ?? "")
        return {
          id: `act_${Prng.hash(seed, place.name.toLowerCase(), i).toString(36)}`,
          name,
          category,
          description: `${name}. Small groups, booked by ${prng.int(40, 5000)} travellers.`,
          duration_minutes: prng.pick([60, 90, 120, 180, 240, 480]),
          price: convert(baseUsd[category] * prng.between(0.6, 2.2), args.currency),
          rating: Math.round(prng.between(3.4, 5) * 10) / 10,
          review_count: prng.int(5, 8000),
          meeting_point: {
            lat: Math.round((place.lat + prng.between(-0.03, 0.03)) * 1e5) / 1e5,
            lon: Math.round((place.lon + prng.between(-0.03, 0.03)) * 1e5) / 1e5
          },
          languages: ["en", ...["es", "fr", "de", "it", "ja"].filter(() => prng.chance(0.3))],
          available_times: args.date === undefined
            ? []
            : ["09:00", "10:30", "13:00", "15:30", "19:00", "21:00"].filter(() => times.chance(0.5))
        }
      })
      const activities = all
        .filter((a) => args.category === undefined || a.category === args.category)
        .filter((a) => args.max_price === undefined || a.price.amount <= args.max_price)
        .filter((a) => args.min_rating === undefined || a.rating >= args.min_rating)
        .sort((a, b) => b.rating - a.rating)
        .slice(0, args.limit)
      return ok({ location: { name: place.name, country: place.country }, activities })
    })
  }
})

/**
 * Activities: `search`.
 *
 * @since 0.1.0 @category services
 */
export const activities: MockService<Stateless> = {
  name: "activities",
  version: "1.0.0",
  description: "Tours, museums and other things to do",
  make
}
