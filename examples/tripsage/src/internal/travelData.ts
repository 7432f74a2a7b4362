/**
 * Seeded travel data behind the interim in-process services: flights priced
 * and timed from the great-circle distance, stays, forecasts from a small
 * climate table, activities. Every answer is a pure function of the query.
 */
import * as Cities from "../Cities.js"
import type { FlightOption, HotelOption } from "../TripState.js"
import * as Dates from "./dates.js"
import { codeOf, seeded } from "./seeded.js"

interface Guide {
  /** Average daily highs in °C in January and in July. */
  readonly highs: readonly [number, number]
  /** Relative price of a night's stay; 1 is a typical European capital. */
  readonly priceLevel: number
  readonly areas: readonly [string, string, string]
  readonly activities: ReadonlyArray<string>
}

const GUIDES: Readonly<Record<string, Guide>> = {
  LHR: {
    highs: [8, 24],
    priceLevel: 1.4,
    areas: ["Covent Garden", "South Bank", "Shoreditch"],
    activities: ["Borough Market food tour", "Tate Modern and a walk along the South Bank", "Evening show in the West End"]
  },
  LIS: {
    highs: [15, 28],
    priceLevel: 0.9,
    areas: ["Alfama", "Baixa", "Príncipe Real"],
    activities: ["Tram 28 through Alfama", "Belém Tower and pastéis de nata", "Day trip to Sintra's palaces", "Fado night in Mouraria"]
  },
  CDG: {
    highs: [7, 25],
    priceLevel: 1.3,
    areas: ["Le Marais", "Saint-Germain", "Montmartre"],
    activities: ["Musée d'Orsay", "Sunset from Montmartre", "Seine river cruise"]
  },
  FCO: {
    highs: [12, 31],
    priceLevel: 1.1,
    areas: ["Trastevere", "Monti", "Centro Storico"],
    activities: ["Colosseum and the Forum", "Vatican Museums at opening time", "Food walk in Trastevere"]
  },
  BCN: {
    highs: [14, 28],
    priceLevel: 1,
    areas: ["El Born", "Gràcia", "Eixample"],
    activities: ["Sagrada Família", "Park Güell", "Tapas in El Born"]
  },
  AMS: {
    highs: [6, 22],
    priceLevel: 1.3,
    areas: ["Jordaan", "De Pijp", "Canal Ring"],
    activities: ["Rijksmuseum", "Canal bike ride", "Anne Frank House"]
  },
  BER: {
    highs: [3, 24],
    priceLevel: 1,
    areas: ["Mitte", "Kreuzberg", "Prenzlauer Berg"],
    activities: ["Museum Island", "East Side Gallery", "Tempelhofer Feld by bike"]
  },
  JFK: {
    highs: [4, 29],
    priceLevel: 1.8,
    areas: ["Midtown", "Lower East Side", "Williamsburg"],
    activities: ["Walk the High Line", "Metropolitan Museum of Art", "Brooklyn Bridge at sunrise"]
  },
  HND: {
    highs: [10, 31],
    priceLevel: 1.2,
    areas: ["Shinjuku", "Asakusa", "Ginza"],
    activities: ["Sensō-ji at dawn", "Tsukiji outer market breakfast", "Day trip to Nikkō"]
  },
  KEF: {
    highs: [2, 14],
    priceLevel: 1.5,
    areas: ["Old Harbour", "Laugavegur", "Hlíðar"],
    activities: ["Golden Circle tour", "Blue Lagoon", "Northern lights hunt"]
  }
}

interface Airline {
  readonly name: string
  readonly prefix: string
  /** Where its connecting flights change planes; none for point-to-point carriers. */
  readonly hub: string | undefined
}

const AIRLINES: ReadonlyArray<Airline> = [
  { name: "British Airways", prefix: "BA", hub: "LHR" },
  { name: "TAP Air Portugal", prefix: "TP", hub: "LIS" },
  { name: "Air France", prefix: "AF", hub: "CDG" },
  { name: "ITA Airways", prefix: "AZ", hub: "FCO" },
  { name: "Vueling", prefix: "VY", hub: "BCN" },
  { name: "KLM", prefix: "KL", hub: "AMS" },
  { name: "Delta", prefix: "DL", hub: "JFK" },
  { name: "Japan Airlines", prefix: "JL", hub: "HND" },
  { name: "Icelandair", prefix: "FI", hub: "KEF" },
  { name: "easyJet", prefix: "U2", hub: undefined }
]

/** Low-cost carriers fly point to point only on short routes. */
const SHORT_HAUL_KM = 3000

export const guideOf = (code: string): Guide | undefined => GUIDES[code]

const pick = <A>(items: ReadonlyArray<A>, count: number, next: () => number): Array<A> => {
  const pool = [...items]
  const out: Array<A> = []
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!)
  return out
}

const minutesInAir = (km: number) => Math.round((km / 800) * 60 + 30)

/**
 * Up to three options: direct flights by the carriers based at either end (and a
 * low-cost carrier on short routes), then connections through other hubs.
 */
export const flightOptions = (query: {
  readonly origin: Cities.City
  readonly destination: Cities.City
  readonly departDate: string
  readonly returnDate?: string | undefined
}): Array<FlightOption> => {
  const { departDate, destination, origin, returnDate } = query
  const next = seeded(`flights/${origin.code}/${destination.code}/${departDate}/${returnDate ?? ""}`)
  const km = Cities.distanceKm(origin, destination)
  const direct = AIRLINES.filter((airline) =>
    airline.hub === undefined ? km < SHORT_HAUL_KM : airline.hub === origin.code || airline.hub === destination.code
  )
  // Connections only through hubs that do not lengthen the journey by more than half.
  const connecting = AIRLINES.filter((airline) => {
    const hub = airline.hub === undefined ? undefined : Cities.byCode(airline.hub)
    return hub !== undefined && hub.code !== origin.code && hub.code !== destination.code &&
      Cities.distanceKm(origin, hub) + Cities.distanceKm(hub, destination) <= km * 1.5
  })
  const chosen = pick(direct, 2, next)
  const carriers = [...chosen, ...pick(connecting, 3 - chosen.length, next)]
  const hours = pick([6, 7, 9, 11, 13, 15, 17, 19, 20], carriers.length, next).sort((a, b) => a - b)
  return carriers.map((airline, i) => {
    const via = airline.hub !== undefined && airline.hub !== origin.code && airline.hub !== destination.code
      ? Cities.byCode(airline.hub)
      : undefined
    const flownKm = via === undefined ? km : Cities.distanceKm(origin, via) + Cities.distanceKm(via, destination)
    const minutes = via === undefined
      ? minutesInAir(km)
      : minutesInAir(Cities.distanceKm(origin, via)) + minutesInAir(Cities.distanceKm(via, destination)) + 60 +
        Math.floor(next() * 60)
    // Connections sell cheaper per kilometre than direct flights.
    const oneWay = 35 + flownKm * 0.09 * (0.75 + next() * 0.6) * (via === undefined ? 1 : 0.7)
    return {
      id: `${origin.code}-${destination.code}-${departDate.replaceAll("-", "")}-${i + 1}`,
      airline: airline.name,
      flightNumber: `${airline.prefix}${100 + Math.floor(next() * 1800)}`,
      from: origin.code,
      to: destination.code,
      departDate,
      departTime: `${String(hours[i]).padStart(2, "0")}:${["05", "20", "35", "50"][Math.floor(next() * 4)]}`,
      durationMinutes: minutes,
      stops: via === undefined ? 0 : 1,
      ...(via === undefined ? {} : { via: via.code }),
      ...(returnDate === undefined ? {} : { returnDate }),
      pricePerPerson: Math.round(returnDate === undefined ? oneWay : oneWay * 1.85)
    }
  })
}

const STAY_NAMES = [(area: string) => `Hotel ${area}`, (area: string) => `${area} Suites`, (area: string) => `Casa ${area}`]

export const stayOptions = (city: Cities.City, guide: Guide, checkIn: string, checkOut: string): Array<HotelOption> => {
  const next = seeded(`stays/${city.code}/${checkIn}/${checkOut}`)
  return guide.areas.map((area, i) => {
    const stars = 3 + Math.floor(next() * 3)
    return {
      id: `${city.code}-H${i + 1}`,
      name: STAY_NAMES[i]!(area),
      area,
      stars,
      pricePerNight: Math.round((40 + stars * 25 + next() * 40) * guide.priceLevel)
    }
  })
}

const describe = (highC: number, rainChance: number) => {
  const feel = highC >= 26 ? "hot" : highC >= 19 ? "warm" : highC >= 13 ? "mild" : highC >= 6 ? "cool" : "cold"
  const sky = rainChance >= 45 ? "with frequent showers" : rainChance >= 25 ? "with the odd shower" : "and mostly dry"
  return `${feel} ${sky}`
}

export const forecastFor = (city: Cities.City, guide: Guide, from: string) => {
  const next = seeded(`weather/${city.code}/${from}`)
  // 0 in January, 1 in July: a cosine through the year.
  const season = (1 - Math.cos(((Dates.monthOf(from) - 1) / 12) * 2 * Math.PI)) / 2
  const highC = Math.round(guide.highs[0] + (guide.highs[1] - guide.highs[0]) * season + (next() * 4 - 2))
  const rainChance = Math.round(10 + next() * 50)
  return { city: city.name, summary: describe(highC, rainChance), highC, lowC: highC - 7, rainChance }
}

export const reservationId = (prefix: string, key: string): string => `${prefix}${codeOf(key, 6)}`
