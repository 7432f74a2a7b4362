/**
 * The tools TripSage's agents call, as contracts: the service and tool name,
 * the arguments and the part of the result TripSage reads, each an
 * `effect/Schema` in the services' own (snake_case) shapes. Agents reach
 * tools only through core's `ToolGateway` port with `call`; `Services`
 * serves the port with the testkit's mock MCP services.
 *
 * Prices are asked for in pounds sterling, and payments take a card token
 * (`tok_…`) from the payment provider, never a card number: the argument
 * schema refuses anything else before it is sent.
 *
 * @since 0.1.0
 */
import { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AirportCode, IsoDate } from "./TripState.js"

/** @since 0.1.0 @category models */
export interface Tool<A, I, O, OI> {
  readonly service: string
  readonly name: string
  readonly args: Schema.Schema<A, I>
  readonly result: Schema.Schema<O, OI>
}

const tool = <A, I, O, OI>(
  service: string,
  name: string,
  args: Schema.Schema<A, I>,
  result: Schema.Schema<O, OI>
): Tool<A, I, O, OI> => ({ service, name, args, result })

const Count = Schema.Number.pipe(Schema.int(), Schema.positive())

/** TripSage quotes, budgets and pays in pounds. */
const Currency = Schema.Literal("GBP")

/** @since 0.1.0 @category schemas */
export const Money = Schema.Struct({ amount: Schema.Number, currency: Schema.String })

/**
 * Side-effecting tools take one: repeating a request with the same key
 * returns its first result and never books or charges twice.
 *
 * @since 0.1.0 @category schemas
 */
export const IdempotencyKey = Schema.String.pipe(Schema.minLength(8), Schema.maxLength(255))

/**
 * A payment provider's card token.
 *
 * @since 0.1.0 @category schemas
 */
export const CardToken = Schema.String.pipe(
  Schema.pattern(/^tok_\w+$/, { message: () => "a card token such as tok_visa, never a card number" })
)

const Segment = Schema.Struct({ flight_number: Schema.String, destination: AirportCode })

/** One way of an offer: out, or back. @since 0.1.0 @category schemas */
export const Slice = Schema.Struct({
  origin: AirportCode,
  destination: AirportCode,
  /** ISO 8601, e.g. `2026-12-10T07:25:00Z`. */
  departure_time: Schema.String,
  duration_minutes: Schema.Number,
  stops: Schema.Number,
  segments: Schema.NonEmptyArray(Segment)
})

/** @since 0.1.0 @category schemas */
export const Offer = Schema.Struct({
  id: Schema.String,
  airline: Schema.Struct({ code: Schema.String, name: Schema.String }),
  slices: Schema.NonEmptyArray(Slice),
  /** For all the passengers searched for. */
  price: Money
})
/** @since 0.1.0 @category models */
export type Offer = typeof Offer.Type

/** Offers come back cheapest first. @since 0.1.0 @category tools */
export const searchFlights = tool(
  "flights",
  "search_flights",
  Schema.Struct({
    origin: AirportCode,
    destination: AirportCode,
    departure_date: IsoDate,
    return_date: Schema.optional(IsoDate),
    adults: Count,
    cabin_class: Schema.Literal("economy", "premium_economy", "business", "first"),
    currency: Currency
  }),
  Schema.Struct({ offers: Schema.Array(Offer) })
)

const Passenger = Schema.Struct({
  given_name: Schema.NonEmptyString,
  family_name: Schema.NonEmptyString,
  type: Schema.Literal("adult")
})

/** @since 0.1.0 @category tools */
export const reserveFlight = tool(
  "flights",
  "reserve",
  Schema.Struct({ offer_id: Schema.String, passengers: Schema.NonEmptyArray(Passenger), idempotency_key: IdempotencyKey }),
  Schema.Struct({ reservation: Schema.Struct({ id: Schema.String, booking_reference: Schema.String }) })
)

/** Whether an offer can still be booked. @since 0.1.0 @category tools */
export const checkAvailability = tool(
  "flights",
  "check_availability",
  Schema.Struct({ offer_id: Schema.String }),
  Schema.Struct({ offer_id: Schema.String, available: Schema.Boolean, seats_left: Schema.Number })
)

/** @since 0.1.0 @category tools */
export const cancelFlight = tool(
  "flights",
  "cancel_reservation",
  Schema.Struct({ reservation_id: Schema.String }),
  Schema.Struct({ reservation: Schema.Struct({ id: Schema.String, status: Schema.Literal("cancelled") }) })
)

/** @since 0.1.0 @category schemas */
export const Listing = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  type: Schema.String,
  location: Schema.Struct({ city: Schema.String, neighbourhood: Schema.String }),
  rating: Schema.Number,
  /** The official star class, for hotels and guesthouses. */
  stars: Schema.optional(Schema.Number),
  nightly_price: Money,
  /** For every night searched for. */
  total_price: Money
})
/** @since 0.1.0 @category models */
export type Listing = typeof Listing.Type

/** Listings come back best rated first. @since 0.1.0 @category tools */
export const searchStays = tool(
  "accommodations",
  "search",
  Schema.Struct({ location: Schema.NonEmptyString, check_in: IsoDate, check_out: IsoDate, guests: Count, currency: Currency }),
  Schema.Struct({ nights: Schema.Number, listings: Schema.Array(Listing) })
)

/** @since 0.1.0 @category tools */
export const reserveStay = tool(
  "accommodations",
  "reserve",
  Schema.Struct({
    listing_id: Schema.String,
    check_in: IsoDate,
    check_out: IsoDate,
    guests: Count,
    guest_name: Schema.NonEmptyString,
    currency: Currency,
    idempotency_key: IdempotencyKey
  }),
  Schema.Struct({ reservation: Schema.Struct({ id: Schema.String, confirmation_code: Schema.String }) })
)

/** @since 0.1.0 @category tools */
export const cancelStay = tool(
  "accommodations",
  "cancel",
  Schema.Struct({ reservation_id: Schema.String }),
  Schema.Struct({ reservation: Schema.Struct({ id: Schema.String, status: Schema.Literal("cancelled") }) })
)

/** @since 0.1.0 @category schemas */
export const ForecastDay = Schema.Struct({
  date: IsoDate,
  /** "sunny", "light_rain", "snow"… */
  condition: Schema.String,
  temp_min: Schema.Number,
  temp_max: Schema.Number
})
/** @since 0.1.0 @category models */
export type ForecastDay = typeof ForecastDay.Type

/**
 * The longest range one forecast covers.
 *
 * @since 0.1.0 @category constants
 */
export const forecastMaxDays = 16

/** Daily, in °C. @since 0.1.0 @category tools */
export const forecast = tool(
  "weather",
  "forecast",
  Schema.Struct({ location: Schema.NonEmptyString, start_date: IsoDate, end_date: IsoDate, units: Schema.Literal("metric") }),
  Schema.Struct({ days: Schema.Array(ForecastDay) })
)

/** @since 0.1.0 @category schemas */
export const Activity = Schema.Struct({
  name: Schema.String,
  category: Schema.String,
  duration_minutes: Schema.Number,
  price: Money,
  rating: Schema.Number
})
/** @since 0.1.0 @category models */
export type Activity = typeof Activity.Type

/** Best rated first. @since 0.1.0 @category tools */
export const searchActivities = tool(
  "activities",
  "search",
  Schema.Struct({ location: Schema.NonEmptyString, limit: Count, currency: Currency }),
  Schema.Struct({ activities: Schema.Array(Activity) })
)

/** @since 0.1.0 @category tools */
export const processPayment = tool(
  "payments",
  "process",
  Schema.Struct({
    amount: Schema.Number.pipe(Schema.positive()),
    currency: Currency,
    card_token: CardToken,
    description: Schema.String,
    idempotency_key: IdempotencyKey
  }),
  Schema.Struct({
    payment: Schema.Struct({
      id: Schema.String,
      status: Schema.Literal("succeeded", "declined"),
      card: Schema.Struct({ brand: Schema.String, last4: Schema.String }),
      decline_reason: Schema.optional(Schema.String)
    })
  })
)

/**
 * A service answered, but not in the shape its contract promises.
 *
 * @since 0.1.0 @category errors
 */
export class UnexpectedToolResult extends Schema.TaggedError<UnexpectedToolResult>(
  "@baton/example-tripsage/UnexpectedToolResult"
)("UnexpectedToolResult", { service: Schema.String, tool: Schema.String, issues: Schema.Array(Schema.String) }) {
  override get message() {
    return `${this.service}.${this.tool} answered in an unexpected shape: ${this.issues.join("; ")}`
  }
}

/** @since 0.1.0 @category errors */
export type TripError = ToolGateway.ToolError | UnexpectedToolResult

const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => `${issue.path.join(".") || "(result)"}: ${issue.message}`)

/**
 * Calls `tool` through the `ToolGateway` and decodes its answer. An
 * `idempotency_key` argument also goes with the request itself, where
 * gateways and resilience policies look for it.
 *
 * @since 0.1.0 @category calls
 */
export const call = <A, I extends Readonly<Record<string, unknown>>, O, OI>(
  tool: Tool<A, I, O, OI>,
  args: NoInfer<A>
): Effect.Effect<O, TripError, ToolGateway.ToolGateway> =>
  Effect.gen(function*() {
    const gateway = yield* ToolGateway.ToolGateway
    const encoded = Schema.encodeSync(tool.args)(args)
    const key = encoded["idempotency_key"]
    const raw = yield* gateway.invoke({
      service: tool.service,
      tool: tool.name,
      args: encoded,
      ...(typeof key === "string" ? { idempotencyKey: key } : {})
    })
    return yield* Schema.decodeUnknown(tool.result)(raw).pipe(
      Effect.mapError((error) => new UnexpectedToolResult({ service: tool.service, tool: tool.name, issues: issuesOf(error) }))
    )
  }).pipe(Effect.withSpan("tripsage.tool", { attributes: { service: tool.service, tool: tool.name } }))
