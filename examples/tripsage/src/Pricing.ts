/**
 * What the chosen flight and stay cost together.
 *
 * @since 0.1.0
 */
import * as Dates from "./internal/dates.js"
import type { TripState } from "./TripState.js"

/** @since 0.1.0 @category models */
export interface Price {
  readonly flights: number
  readonly stay: number
  readonly nights: number
  readonly total: number
}

/**
 * The price of the chosen flight for every traveller plus the chosen stay
 * for every night; undefined until both are chosen and the dates are known.
 *
 * @since 0.1.0 @category accessors
 */
export const of = (state: TripState): Price | undefined => {
  const { departDate, returnDate, selectedFlight, selectedHotel, travellers } = state
  if (!selectedFlight || !selectedHotel || !departDate || !returnDate) return undefined
  const nights = Dates.nightsBetween(departDate, returnDate)
  const flights = selectedFlight.pricePerPerson * travellers
  const stay = selectedHotel.pricePerNight * nights
  return { flights, stay, nights, total: flights + stay }
}
