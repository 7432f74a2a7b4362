/**
 * How TripSage words prices, dates, flights and stays in its replies.
 *
 * @since 0.1.0
 */
import * as Dates from "./internal/dates.js"
import type { FlightOption, HotelOption, Place } from "./TripState.js"

/** "£2,500". @since 0.1.0 @category formatting */
export const money = (amount: number): string => `£${Math.round(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`

/** "10 Dec 2026". @since 0.1.0 @category formatting */
export const day = Dates.display

/** "2h 35m". @since 0.1.0 @category formatting */
export const duration = (minutes: number): string => `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`

/** "Lisbon (LIS)". @since 0.1.0 @category formatting */
export const place = (where: Place): string => `${where.name} (${where.code})`

/** @since 0.1.0 @category formatting */
export const flight = (option: FlightOption): string =>
  `${option.airline} ${option.flightNumber}, departs ${option.departTime}, ${duration(option.durationMinutes)}, ` +
  `${option.stops === 0 ? "direct" : `${option.stops} stop${option.via ? ` via ${option.via}` : ""}`} — ` +
  `${money(option.pricePerPerson)} per person${option.returnDate ? " return" : ""}`

/** @since 0.1.0 @category formatting */
export const stay = (option: HotelOption, nights: number): string =>
  `${option.name}, ${"★".repeat(option.stars)} in ${option.area} — ${money(option.pricePerNight)} a night` +
  ` (${money(option.pricePerNight * nights)} for ${nights} night${nights === 1 ? "" : "s"})`

/** A numbered list, one item a line. @since 0.1.0 @category formatting */
export const numbered = (items: ReadonlyArray<string>): string => items.map((item, i) => `${i + 1}) ${item}`).join("\n")
