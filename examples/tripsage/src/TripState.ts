/**
 * What TripSage remembers about a trip. It is the application state of the
 * conversation: it travels whole with every handoff, is checksummed, and is
 * decoded with this schema whenever an agent receives it. All prices are in
 * pounds sterling: TripSage asks every service to quote in GBP.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category schemas */
export const IsoDate = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "a date like 2026-12-10" }))

/** @since 0.1.0 @category schemas */
export const AirportCode = Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/, { message: () => "a three-letter IATA code" }))

/** @since 0.1.0 @category schemas */
export const Place = Schema.Struct({ code: AirportCode, name: Schema.String })
/** @since 0.1.0 @category models */
export type Place = typeof Place.Type

/**
 * A flight offer as TripSage shows it: the outbound flight, and the return
 * when the fare includes it.
 *
 * @since 0.1.0 @category schemas
 */
export const FlightOption = Schema.Struct({
  /** The flights service's offer id, which booking reserves. */
  id: Schema.String,
  airline: Schema.String,
  /** The outbound's first flight. */
  flightNumber: Schema.String,
  from: AirportCode,
  to: AirportCode,
  departDate: IsoDate,
  /** Local departure time, `HH:MM`. */
  departTime: Schema.String,
  /** Door to door on the way out, connections included. */
  durationMinutes: Schema.Number,
  stops: Schema.Number,
  /** The airports a connecting flight changes planes at. */
  via: Schema.optional(Schema.Array(AirportCode)),
  /** Set when the fare includes the flight home. */
  returnDate: Schema.optional(IsoDate),
  /** For every traveller, the flight home included. */
  price: Schema.Number
})
/** @since 0.1.0 @category models */
export type FlightOption = typeof FlightOption.Type

/** @since 0.1.0 @category schemas */
export const HotelOption = Schema.Struct({
  /** The accommodations service's listing id, which booking reserves. */
  id: Schema.String,
  name: Schema.String,
  /** "hotel", "apartment", "guesthouse"… */
  kind: Schema.String,
  area: Schema.String,
  /** Guests' rating, 0 to 5. */
  rating: Schema.Number,
  /** The official star class (1 to 5), which apartments and villas do not have. */
  stars: Schema.optional(Schema.Number),
  pricePerNight: Schema.Number,
  /** For every night of the trip, as the service quoted it. */
  total: Schema.Number
})
/** @since 0.1.0 @category models */
export type HotelOption = typeof HotelOption.Type

/**
 * A traveller's name as on their passport, which bookings need.
 *
 * @since 0.1.0 @category schemas
 */
export const Traveller = Schema.Struct({ givenName: Schema.NonEmptyString, familyName: Schema.NonEmptyString })
/** @since 0.1.0 @category models */
export type Traveller = typeof Traveller.Type

/**
 * The budget check's verdict on the chosen flight and stay.
 *
 * @since 0.1.0 @category schemas
 */
export const Quote = Schema.Struct({
  flights: Schema.Number,
  stay: Schema.Number,
  total: Schema.Number,
  budget: Schema.Number,
  withinBudget: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type Quote = typeof Quote.Type

/**
 * What was booked: the services' reservation ids (to cancel them), the
 * references travellers quote, and the payment.
 *
 * @since 0.1.0 @category schemas
 */
export const Booking = Schema.Struct({
  flightReservation: Schema.String,
  flightReference: Schema.String,
  hotelReservation: Schema.String,
  hotelConfirmation: Schema.String,
  paymentId: Schema.String,
  total: Schema.Number
})
/** @since 0.1.0 @category models */
export type Booking = typeof Booking.Type

/** @since 0.1.0 @category schemas */
export const TripState = Schema.Struct({
  origin: Schema.optional(Place),
  destination: Schema.optional(Place),
  departDate: Schema.optional(IsoDate),
  returnDate: Schema.optional(IsoDate),
  travellers: Schema.Number.pipe(Schema.int(), Schema.positive()),
  travellerNames: Schema.optional(Schema.Array(Traveller)),
  budget: Schema.optional(Schema.Number.pipe(Schema.positive())),
  flightOptions: Schema.optional(Schema.Array(FlightOption)),
  selectedFlight: Schema.optional(FlightOption),
  hotelOptions: Schema.optional(Schema.Array(HotelOption)),
  selectedHotel: Schema.optional(HotelOption),
  quote: Schema.optional(Quote),
  booking: Schema.optional(Booking)
})
/** @since 0.1.0 @category models */
export type TripState = typeof TripState.Type

/** @since 0.1.0 @category constructors */
export const initial = (): TripState => ({ travellers: 1 })
