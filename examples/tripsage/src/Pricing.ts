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
 * Rounded to pence, so sums of prices do not carry binary fractions.
 *
 * @since 0.1.0 @category arithmetic
 */
export const pence = (amount: number): number => Math.round(amount * 100) / 100

/**
 * The chosen flight's fare for the party plus the chosen stay for its
 * nights, as the services quoted them; undefined until both are chosen and
 * the dates are known.
 *
 * @since 0.1.0 @category accessors
 */
export const of = (state: TripState): Price | undefined => {
  const { departDate, returnDate, selectedFlight, selectedHotel } = state
  if (!selectedFlight || !selectedHotel || !departDate || !returnDate) return undefined
  return {
    flights: selectedFlight.price,
    stay: selectedHotel.total,
    nights: Dates.nightsBetween(departDate, returnDate),
    total: pence(selectedFlight.price + selectedHotel.total)
  }
}
