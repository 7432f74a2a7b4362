/**
 * The cities TripSage knows, each with the airport that serves it. Travellers
 * name a city ("Lisbon") or its airport code ("LIS"); both resolve here.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export interface City {
  /** IATA code of the city's main airport. */
  readonly code: string
  readonly name: string
  readonly lat: number
  readonly lon: number
  /** Other names travellers use, lower case. */
  readonly aliases: ReadonlyArray<string>
}

/** @since 0.1.0 @category constants */
export const all: ReadonlyArray<City> = [
  { code: "LHR", name: "London", lat: 51.47, lon: -0.45, aliases: [] },
  { code: "LIS", name: "Lisbon", lat: 38.77, lon: -9.13, aliases: ["lisboa"] },
  { code: "CDG", name: "Paris", lat: 49.01, lon: 2.55, aliases: [] },
  { code: "FCO", name: "Rome", lat: 41.8, lon: 12.25, aliases: ["roma"] },
  { code: "BCN", name: "Barcelona", lat: 41.3, lon: 2.08, aliases: [] },
  { code: "AMS", name: "Amsterdam", lat: 52.31, lon: 4.76, aliases: [] },
  { code: "BER", name: "Berlin", lat: 52.36, lon: 13.5, aliases: [] },
  { code: "JFK", name: "New York", lat: 40.64, lon: -73.78, aliases: ["nyc"] },
  { code: "HND", name: "Tokyo", lat: 35.55, lon: 139.78, aliases: [] },
  { code: "KEF", name: "Reykjavik", lat: 63.98, lon: -22.61, aliases: ["reykjavík"] }
]

/** @since 0.1.0 @category accessors */
export const byCode = (code: string): City | undefined => all.find((city) => city.code === code)

/**
 * A city by its name, an alias or its airport code, ignoring case.
 *
 * @since 0.1.0 @category accessors
 */
export const find = (name: string): City | undefined => {
  const wanted = name.trim().toLowerCase()
  return all.find((city) =>
    city.name.toLowerCase() === wanted || city.code.toLowerCase() === wanted || city.aliases.includes(wanted)
  )
}

const radians = (degrees: number) => (degrees * Math.PI) / 180

/**
 * Great-circle distance in kilometres; the interim flight service prices and
 * times flights from it.
 *
 * @since 0.1.0 @category accessors
 */
export const distanceKm = (a: City, b: City): number => {
  const dLat = radians(b.lat - a.lat)
  const dLon = radians(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(h))
}
