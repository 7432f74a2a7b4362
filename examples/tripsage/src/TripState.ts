/**
 * What TripSage remembers about a trip. It is the application state of the
 * conversation: it travels whole with every handoff, is checksummed, and is
 * decoded with this schema whenever an agent receives it. All prices are in
 * pounds sterling, the currency every TripSage service quotes in.
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

/** @since 0.1.0 @category schemas */
export const FlightOption = Schema.Struct({
  id: Schema.String,
  airline: Schema.String,
  flightNumber: Schema.String,
  from: AirportCode,
  to: AirportCode,
  departDate: IsoDate,
  /** Local departure time, `HH:MM`. */
  departTime: Schema.String,
  durationMinutes: Schema.Number,
  stops: Schema.Number,
  /** The airport a one-stop flight changes planes at. */
  via: Schema.optional(AirportCode),
  /** Set when the fare includes the flight home. */
  returnDate: Schema.optional(IsoDate),
  pricePerPerson: Schema.Number
})
/** @since 0.1.0 @category models */
export type FlightOption = typeof FlightOption.Type

/** @since 0.1.0 @category schemas */
export const HotelOption = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  area: Schema.String,
  stars: Schema.Number,
  pricePerNight: Schema.Number
})
/** @since 0.1.0 @category models */
export type HotelOption = typeof HotelOption.Type

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

/** @since 0.1.0 @category schemas */
export const Booking = Schema.Struct({
  flightReservation: Schema.String,
  hotelReservation: Schema.String,
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
