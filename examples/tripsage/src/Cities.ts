/**
 * The cities TripSage knows, each with the airport that serves it. Travellers
 * name a city ("Lisbon") or its airport code ("LIS"); `TripRequest` reads both. The
 * codes are those the flights service knows, so every search has real routes.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export interface City {
  /** IATA code of the city's main airport. */
  readonly code: string
  readonly name: string
  /** Other names travellers use, lower case. */
  readonly aliases: ReadonlyArray<string>
}

/** @since 0.1.0 @category constants */
export const all: ReadonlyArray<City> = [
  { code: "LHR", name: "London", aliases: [] },
  { code: "LIS", name: "Lisbon", aliases: ["lisboa"] },
  { code: "CDG", name: "Paris", aliases: [] },
  { code: "FCO", name: "Rome", aliases: ["roma"] },
  { code: "BCN", name: "Barcelona", aliases: [] },
  { code: "AMS", name: "Amsterdam", aliases: [] },
  { code: "MAD", name: "Madrid", aliases: [] },
  { code: "JFK", name: "New York", aliases: ["nyc"] },
  { code: "NRT", name: "Tokyo", aliases: [] },
  { code: "KEF", name: "Reykjavik", aliases: ["reykjavík"] }
]
