/**
 * The small world the mock services share: airports and their cities, and
 * a resolver that also accepts places it does not know (with stable made-up
 * coordinates), so an agent asking about anywhere still gets an answer.
 */
import * as Prng from "../Prng.js"

export interface Place {
  readonly name: string
  readonly country: string
  readonly lat: number
  readonly lon: number
  /** The city's main airport. */
  readonly airport: string | undefined
  /** False for a place resolved by hashing its name. */
  readonly known: boolean
}

const airports: ReadonlyArray<readonly [code: string, city: string, country: string, lat: number, lon: number]> = [
  ["LHR", "London", "GB", 51.47, -0.4543],
  ["CDG", "Paris", "FR", 49.0097, 2.5479],
  ["AMS", "Amsterdam", "NL", 52.3105, 4.7683],
  ["FRA", "Frankfurt", "DE", 50.0379, 8.5622],
  ["MAD", "Madrid", "ES", 40.4983, -3.5676],
  ["BCN", "Barcelona", "ES", 41.2974, 2.0833],
  ["FCO", "Rome", "IT", 41.8003, 12.2389],
  ["LIS", "Lisbon", "PT", 38.7742, -9.1342],
  ["ATH", "Athens", "GR", 37.9364, 23.9445],
  ["IST", "Istanbul", "TR", 41.2753, 28.7519],
  ["DXB", "Dubai", "AE", 25.2532, 55.3657],
  ["JFK", "New York", "US", 40.6413, -73.7781],
  ["LAX", "Los Angeles", "US", 33.9416, -118.4085],
  ["SFO", "San Francisco", "US", 37.6213, -122.379],
  ["ORD", "Chicago", "US", 41.9742, -87.9073],
  ["MIA", "Miami", "US", 25.7959, -80.287],
  ["YYZ", "Toronto", "CA", 43.6777, -79.6248],
  ["MEX", "Mexico City", "MX", 19.4361, -99.0719],
  ["GRU", "Sao Paulo", "BR", -23.4356, -46.4731],
  ["EZE", "Buenos Aires", "AR", -34.8222, -58.5358],
  ["NRT", "Tokyo", "JP", 35.772, 140.3929],
  ["ICN", "Seoul", "KR", 37.4602, 126.4407],
  ["PEK", "Beijing", "CN", 40.0799, 116.6031],
  ["HKG", "Hong Kong", "HK", 22.308, 113.9185],
  ["SIN", "Singapore", "SG", 1.3644, 103.9915],
  ["BKK", "Bangkok", "TH", 13.69, 100.7501],
  ["DEL", "Delhi", "IN", 28.5562, 77.1],
  ["SYD", "Sydney", "AU", -33.9399, 151.1753],
  ["AKL", "Auckland", "NZ", -37.0082, 174.785],
  ["JNB", "Johannesburg", "ZA", -26.1367, 28.2411],
  ["CAI", "Cairo", "EG", 30.1219, 31.4056],
  ["CPH", "Copenhagen", "DK", 55.618, 12.656],
  ["DUB", "Dublin", "IE", 53.4264, -6.2499],
  ["ZRH", "Zurich", "CH", 47.4582, 8.5555],
  ["VIE", "Vienna", "AT", 48.1103, 16.5697],
  ["KEF", "Reykjavik", "IS", 63.985, -22.6056]
]

const byCode = new Map(airports.map(([code, city, country, lat, lon]) => [
  code,
  { name: city, country, lat, lon, airport: code, known: true } satisfies Place
]))
const byCity = new Map([...byCode.values()].map((place) => [place.name.toLowerCase(), place]))

/** The airport `code`, or a stable made-up one for a code the table lacks. */
export const airport = (code: string): Place =>
  byCode.get(code) ?? { ...unknownPlace(code), airport: code }

const unknownPlace = (name: string): Place => {
  const prng = Prng.derive(0, "place", name.toLowerCase())
  return {
    name,
    country: "ZZ",
    lat: Math.round(prng.between(-50, 60) * 1e4) / 1e4,
    lon: Math.round(prng.between(-170, 170) * 1e4) / 1e4,
    airport: undefined,
    known: false
  }
}

/** A place named by a city ("Paris", "paris, fr"), an airport code ("CDG") or "lat,lon". */
export const resolve = (query: string): Place => {
  const trimmed = query.trim()
  const coordinates = /^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$/.exec(trimmed)
  if (coordinates !== null) {
    return { name: trimmed, country: "ZZ", lat: Number(coordinates[1]), lon: Number(coordinates[2]), airport: undefined, known: true }
  }
  const city = trimmed.split(",")[0]!.trim().toLowerCase()
  return byCity.get(city) ?? byCode.get(trimmed.toUpperCase()) ?? unknownPlace(trimmed)
}

/** Great-circle distance in kilometres. */
export const distanceKm = (a: Pick<Place, "lat" | "lon">, b: Pick<Place, "lat" | "lon">): number => {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(h))
}

/** Hubs for connecting flights. */
export const hubs: ReadonlyArray<string> = ["LHR", "CDG", "FRA", "AMS", "IST", "DXB", "JFK", "ORD", "SIN", "HKG"]
