/**
 * How TripSage words prices, dates, flights and stays in its replies.
 *
 * @since 0.1.0
 */
import * as Dates from "./internal/dates.js"
import type { FlightOption, HotelOption, Place } from "./TripState.js"

const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" })
const wholePounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", maximumFractionDigits: 0 })

/**
 * "£2,500", or with pence when there are any: "£1,952.70".
 *
 * @since 0.1.0 @category formatting
 */
export const money = (amount: number): string =>
  Math.round(amount * 100) % 100 === 0 ? wholePounds.format(amount) : pounds.format(amount)

/** "10 Dec 2026". @since 0.1.0 @category formatting */
export const day = Dates.display

/** "2h 35m". @since 0.1.0 @category formatting */
export const duration = (minutes: number): string => `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`

/** "Lisbon (LIS)". @since 0.1.0 @category formatting */
export const place = (where: Place): string => `${where.name} (${where.code})`

const stops = (option: FlightOption) =>
  option.stops === 0
    ? "direct"
    : `${option.stops} stop${option.stops === 1 ? "" : "s"}${option.via ? ` via ${option.via.join(", ")}` : ""}`

/** @since 0.1.0 @category formatting */
export const flight = (option: FlightOption, travellers: number): string =>
  `${option.airline} ${option.flightNumber}, departs ${option.departTime}, ${duration(option.durationMinutes)}, ` +
  `${stops(option)} — ${money(option.price)} for ${travellers}${option.returnDate ? ", return" : ""}`

/** @since 0.1.0 @category formatting */
export const stay = (option: HotelOption, nights: number): string =>
  `${option.name}, ${option.stars === undefined ? "" : `${option.stars}★ `}${option.kind} in ${option.area}, ` +
  `rated ${option.rating.toFixed(1)} — ` +
  `${money(option.pricePerNight)} a night (${money(option.total)} for ${nights} night${nights === 1 ? "" : "s"})`

/** A numbered list, one item a line. @since 0.1.0 @category formatting */
export const numbered = (items: ReadonlyArray<string>): string => items.map((item, i) => `${i + 1}) ${item}`).join("\n")
