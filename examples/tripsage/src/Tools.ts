/**
 * The tools TripSage's agents call, as contracts: the service and tool name,
 * the arguments and the result, each an `effect/Schema`. Agents reach tools
 * only through core's `ToolGateway` port with `call`; whoever serves the
 * gateway (the interim in-process services, MCP later) implements the same
 * contracts.
 *
 * @since 0.1.0
 */
import { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AirportCode, FlightOption, HotelOption, IsoDate } from "./TripState.js"

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

/** @since 0.1.0 @category tools */
export const searchFlights = tool(
  "flights",
  "search_flights",
  Schema.Struct({ origin: AirportCode, destination: AirportCode, departDate: IsoDate, returnDate: Schema.optional(IsoDate), passengers: Count }),
  Schema.Struct({ options: Schema.Array(FlightOption) })
)

/** @since 0.1.0 @category tools */
export const reserveFlight = tool(
  "flights",
  "reserve",
  Schema.Struct({ optionId: Schema.NonEmptyString, passengers: Count }),
  Schema.Struct({ reservationId: Schema.String })
)

/** @since 0.1.0 @category tools */
export const searchStays = tool(
  "accommodations",
  "search",
  Schema.Struct({ city: Schema.NonEmptyString, checkIn: IsoDate, checkOut: IsoDate, guests: Count }),
  Schema.Struct({ options: Schema.Array(HotelOption) })
)

/** @since 0.1.0 @category tools */
export const reserveStay = tool(
  "accommodations",
  "reserve",
  Schema.Struct({ hotelId: Schema.NonEmptyString, checkIn: IsoDate, checkOut: IsoDate, guests: Count }),
  Schema.Struct({ reservationId: Schema.String })
)

/** @since 0.1.0 @category schemas */
export const Forecast = Schema.Struct({
  city: Schema.String,
  summary: Schema.String,
  highC: Schema.Number,
  lowC: Schema.Number,
  rainChance: Schema.Number
})

/** @since 0.1.0 @category tools */
export const forecast = tool(
  "weather",
  "forecast",
  Schema.Struct({ city: Schema.NonEmptyString, from: IsoDate, to: IsoDate }),
  Forecast
)

/** @since 0.1.0 @category tools */
export const searchActivities = tool(
  "activities",
  "search",
  Schema.Struct({ city: Schema.NonEmptyString, limit: Schema.optional(Count) }),
  Schema.Struct({ activities: Schema.Array(Schema.String) })
)

/** @since 0.1.0 @category tools */
export const processPayment = tool(
  "payments",
  "process",
  Schema.Struct({ amount: Schema.Number.pipe(Schema.positive()), currency: Schema.Literal("GBP"), reference: Schema.NonEmptyString }),
  Schema.Struct({ paymentId: Schema.String, status: Schema.Literal("approved"), amount: Schema.Number })
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
 * Calls `tool` through the `ToolGateway` and decodes its answer.
 *
 * @since 0.1.0 @category calls
 */
export const call = <A, I extends Readonly<Record<string, unknown>>, O, OI>(
  tool: Tool<A, I, O, OI>,
  args: NoInfer<A>,
  options?: { readonly idempotencyKey?: string }
): Effect.Effect<O, TripError, ToolGateway.ToolGateway> =>
  Effect.gen(function*() {
    const gateway = yield* ToolGateway.ToolGateway
    const raw = yield* gateway.invoke({
      service: tool.service,
      tool: tool.name,
      args: Schema.encodeSync(tool.args)(args),
      ...(options?.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey })
    })
    return yield* Schema.decodeUnknown(tool.result)(raw).pipe(
      Effect.mapError((error) => new UnexpectedToolResult({ service: tool.service, tool: tool.name, issues: issuesOf(error) }))
    )
  }).pipe(Effect.withSpan("tripsage.tool", { attributes: { service: tool.service, tool: tool.name } }))
