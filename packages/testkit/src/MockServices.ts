/**
 * The mock services of the TripSage world, and lookup by name for the
 * command line.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { UnknownMockService } from "./Errors.js"
import type { MockService } from "./MockService.js"
import { accommodations } from "./services/accommodations.js"
import { activities } from "./services/activities.js"
import { flights } from "./services/flights.js"
import { maps } from "./services/maps.js"
import { payments } from "./services/payments.js"
import { weather, weatherBackup } from "./services/weather.js"

export {
  /** @since 0.1.0 @category services */
  accommodations,
  /** @since 0.1.0 @category services */
  activities,
  /** @since 0.1.0 @category services */
  flights,
  /** @since 0.1.0 @category services */
  maps,
  /** @since 0.1.0 @category services */
  payments,
  /** @since 0.1.0 @category services */
  weather,
  /** @since 0.2.0 @category services */
  weatherBackup
}
export type { AccommodationReservation, AccommodationsState } from "./services/accommodations.js"
export type { FlightReservation, FlightsState } from "./services/flights.js"
export type { Payment, PaymentsState, Refund } from "./services/payments.js"

/**
 * Every mock service, by name.
 *
 * @since 0.1.0 @category services
 */
export const all: ReadonlyArray<MockService> = [flights, accommodations, weather, weatherBackup, maps, activities, payments]

/**
 * The mock service called `name`.
 *
 * @since 0.1.0 @category services
 */
export const lookup = (name: string): Either.Either<MockService, UnknownMockService> => {
  const found = all.find((service) => service.name === name)
  return found === undefined
    ? Either.left(new UnknownMockService({ name, known: all.map((service) => service.name) }))
    : Either.right(found)
}
