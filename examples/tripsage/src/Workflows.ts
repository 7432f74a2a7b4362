/**
 * TripSage's workflows, as core `Workflow` DAGs run by `WorkflowExecutor`:
 *
 * - `search`: flights, places to stay, the forecast and things to do,
 *   searched at once. Weather and activities are optional: when either
 *   fails the result is `partial` and `degradedNote` says, in plain words,
 *   what is missing.
 * - `booking`: a saga — check availability → reserve the flight → reserve
 *   the stay → pay → confirm. A failure after a reservation (a declined
 *   card) undoes the reservations (`cancel_reservation`, `cancel`). The run
 *   id is the session id and a hash of the order, so every step's
 *   idempotency key (`<runId>/<step>`) is the same on a retried or resumed
 *   run, and nothing is reserved or charged twice.
 *
 * `baton plan trip-search` / `baton plan booking` explain them.
 *
 * @since 0.1.0
 */
import { Workflow, type WorkflowResult } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"
import * as Dates from "./internal/dates.js"
import * as Tools from "./Tools.js"
import type { FlightOption, HotelOption, Place, Traveller } from "./TripState.js"

const encode = <A, I>(tool: Tools.Tool<A, I, any, any>, args: NoInfer<A>): Readonly<Record<string, unknown>> =>
  Schema.encodeSync(tool.args)(args) as Readonly<Record<string, unknown>>

// ---------------------------------------------------------------------------
// The parallel search
// ---------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface SearchRequest {
  readonly origin: Place
  readonly destination: Place
  readonly departDate: string
  readonly returnDate?: string | undefined
  readonly travellers: number
  /** Economy unless the traveller prefers another cabin. */
  readonly cabin?: "economy" | "premium_economy" | "business" | "first"
}

/**
 * The four searches, independent of each other so they run concurrently.
 *
 * @since 0.1.0 @category workflows
 */
export const search = (request: SearchRequest) => {
  const checkOut = request.returnDate ?? Dates.addDays(request.departDate, 1)
  // A forecast covers a bounded range: a longer trip gets its first days.
  const last = Dates.addDays(request.departDate, Tools.forecastMaxDays - 1)
  const forecastEnd = checkOut < last ? checkOut : last
  return Workflow.make("trip-search", { deadline: "30 seconds" })
    .tool("flights", {
      service: Tools.searchFlights.service,
      tool: Tools.searchFlights.name,
      args: encode(Tools.searchFlights, {
        origin: request.origin.code,
        destination: request.destination.code,
        departure_date: request.departDate,
        ...(request.returnDate === undefined ? {} : { return_date: request.returnDate }),
        adults: request.travellers,
        cabin_class: request.cabin ?? "economy",
        currency: "GBP"
      }),
      output: Tools.searchFlights.result
    })
    .tool("stays", {
      service: Tools.searchStays.service,
      tool: Tools.searchStays.name,
      args: encode(Tools.searchStays, {
        location: request.destination.name,
        check_in: request.departDate,
        check_out: checkOut,
        guests: request.travellers,
        currency: "GBP"
      }),
      output: Tools.searchStays.result
    })
    .tool("weather", {
      optional: true,
      service: Tools.forecast.service,
      tool: Tools.forecast.name,
      args: encode(Tools.forecast, {
        location: request.destination.name,
        start_date: request.departDate,
        end_date: forecastEnd,
        units: "metric"
      }),
      output: Tools.forecast.result
    })
    .tool("activities", {
      optional: true,
      service: Tools.searchActivities.service,
      tool: Tools.searchActivities.name,
      args: encode(Tools.searchActivities, { location: request.destination.name, limit: 3, currency: "GBP" }),
      output: Tools.searchActivities.result
    })
}

/** @since 0.1.0 @category models */
export type SearchWorkflow = ReturnType<typeof search>
/** @since 0.1.0 @category models */
export type SearchResult = WorkflowResult.WorkflowResult<Workflow.Outputs<SearchWorkflow>, Workflow.Error<SearchWorkflow>>

const optionalLabels: Record<string, { readonly subject: string; readonly without: string }> = {
  weather: { subject: "Weather is", without: "the forecast" },
  activities: { subject: "Things to do are", without: "things to do" }
}

/**
 * A plain-words note for each optional search that is missing from a partial
 * result, e.g. "Weather is unavailable right now; flights and hotels are
 * shown without the forecast." Empty when nothing optional is missing.
 *
 * @since 0.1.0 @category formatting
 */
export const degradedNote = (missing: ReadonlyArray<WorkflowResult.Missing<string>>): string =>
  missing
    .filter((step) => step.optional)
    .map((step) => {
      const label = optionalLabels[step.step] ?? { subject: `${step.step} is`, without: step.step }
      return `${label.subject} unavailable right now; flights and hotels are shown without ${label.without}.`
    })
    .join(" ")

// ---------------------------------------------------------------------------
// The booking saga
// ---------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface Order {
  readonly flight: FlightOption
  readonly hotel: HotelOption
  readonly checkIn: string
  readonly checkOut: string
  readonly travellers: readonly [Traveller, ...Array<Traveller>]
  readonly cardToken: string
  readonly total: number
}

/**
 * The flight can no longer be booked.
 *
 * @since 0.1.0 @category errors
 */
export class FlightUnavailable extends Schema.TaggedError<FlightUnavailable>("@baton/example-tripsage/FlightUnavailable")(
  "FlightUnavailable",
  { offerId: Schema.String, seatsLeft: Schema.Number }
) {
  override get message() {
    return `the flight is no longer available (${this.seatsLeft} seats left)`
  }
}

/**
 * The card was declined: nothing was charged.
 *
 * @since 0.1.0 @category errors
 */
export class PaymentDeclined extends Schema.TaggedError<PaymentDeclined>("@baton/example-tripsage/PaymentDeclined")(
  "PaymentDeclined",
  { paymentId: Schema.String, brand: Schema.String, last4: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `the card ending ${this.last4} was declined (${this.reason})`
  }
}

/**
 * The saga's run id: one per session and order, so a retried turn or a
 * resumed run repeats no reservation and no charge, while a different order
 * (other travellers, another card) is a new run. Hashed, because offer ids
 * are long and idempotency keys are bounded.
 *
 * @since 0.1.0 @category accessors
 */
export const bookingRunId = (sessionId: string, order: Order): string =>
  `${sessionId}/${
    createHash("sha256")
      .update(JSON.stringify([order.flight.id, order.hotel.id, order.checkIn, order.checkOut, order.travellers, order.cardToken]))
      .digest("base64url")
      .slice(0, 22)
  }`

const fullName = (traveller: Traveller) => `${traveller.givenName} ${traveller.familyName}`

/**
 * The booking saga for `order`.
 *
 * @since 0.1.0 @category workflows
 */
export const booking = (order: Order) =>
  Workflow.make("booking", { deadline: "60 seconds" })
    .step("availability", {
      run: () =>
        Effect.flatMap(Tools.call(Tools.checkAvailability, { offer_id: order.flight.id }), (answer) =>
          answer.available
            ? Effect.succeed({ seatsLeft: answer.seats_left })
            : Effect.fail(new FlightUnavailable({ offerId: order.flight.id, seatsLeft: answer.seats_left })))
    })
    .tool("reserveFlight", {
      dependsOn: ["availability"],
      service: Tools.reserveFlight.service,
      tool: Tools.reserveFlight.name,
      args: (_, { idempotencyKey }) =>
        encode(Tools.reserveFlight, {
          offer_id: order.flight.id,
          passengers: [order.travellers[0], ...order.travellers.slice(1)].map((traveller) => ({
            given_name: traveller.givenName,
            family_name: traveller.familyName,
            type: "adult" as const
          })) as [{ given_name: string; family_name: string; type: "adult" }],
          idempotency_key: idempotencyKey
        }),
      output: Tools.reserveFlight.result,
      compensate: {
        service: Tools.cancelFlight.service,
        tool: Tools.cancelFlight.name,
        args: (reserved) => ({ reservation_id: reserved.reservation.id })
      }
    })
    .tool("reserveHotel", {
      dependsOn: ["reserveFlight"],
      service: Tools.reserveStay.service,
      tool: Tools.reserveStay.name,
      args: (_, { idempotencyKey }) =>
        encode(Tools.reserveStay, {
          listing_id: order.hotel.id,
          check_in: order.checkIn,
          check_out: order.checkOut,
          guests: order.travellers.length,
          guest_name: fullName(order.travellers[0]),
          currency: "GBP",
          idempotency_key: idempotencyKey
        }),
      output: Tools.reserveStay.result,
      compensate: {
        service: Tools.cancelStay.service,
        tool: Tools.cancelStay.name,
        args: (reserved) => ({ reservation_id: reserved.reservation.id })
      }
    })
    .tool("pay", {
      dependsOn: ["reserveFlight", "reserveHotel"],
      service: Tools.processPayment.service,
      tool: Tools.processPayment.name,
      args: (_, { idempotencyKey }) =>
        encode(Tools.processPayment, {
          amount: order.total,
          currency: "GBP",
          card_token: order.cardToken,
          description: `TripSage: ${order.flight.airline} ${order.flight.flightNumber} and ${order.hotel.name}`,
          idempotency_key: idempotencyKey
        }),
      output: Tools.processPayment.result
    })
    .step("confirm", {
      dependsOn: ["pay", "reserveFlight", "reserveHotel"],
      run: ({ pay, reserveFlight, reserveHotel }) =>
        pay.payment.status === "declined"
          ? Effect.fail(
            new PaymentDeclined({
              paymentId: pay.payment.id,
              brand: pay.payment.card.brand,
              last4: pay.payment.card.last4,
              reason: pay.payment.decline_reason ?? "no reason given"
            })
          )
          : Effect.succeed({
            flightReservation: reserveFlight.reservation.id,
            flightReference: reserveFlight.reservation.booking_reference,
            hotelReservation: reserveHotel.reservation.id,
            hotelConfirmation: reserveHotel.reservation.confirmation_code,
            paymentId: pay.payment.id,
            brand: pay.payment.card.brand,
            last4: pay.payment.card.last4,
            total: order.total
          })
    })

/** @since 0.1.0 @category models */
export type BookingWorkflow = ReturnType<typeof booking>
/** @since 0.1.0 @category models */
export type BookingResult = WorkflowResult.WorkflowResult<Workflow.Outputs<BookingWorkflow>, Workflow.Error<BookingWorkflow>>

// ---------------------------------------------------------------------------
// The app's named workflows, for `baton plan`
// ---------------------------------------------------------------------------

const lisbon: SearchRequest = {
  origin: { code: "LHR", name: "London" },
  destination: { code: "LIS", name: "Lisbon" },
  departDate: "2026-12-10",
  returnDate: "2026-12-17",
  travellers: 2
}

const exampleOrder: Order = {
  flight: {
    id: "off_example",
    airline: "ANA",
    flightNumber: "NH90",
    from: "LHR",
    to: "LIS",
    departDate: "2026-12-10",
    departTime: "07:25",
    durationMinutes: 147,
    stops: 0,
    returnDate: "2026-12-17",
    price: 452.6
  },
  hotel: {
    id: "lst_example",
    name: "Historic Lisbon Suites",
    kind: "hotel",
    area: "Harbour",
    rating: 4.8,
    stars: 5,
    pricePerNight: 214.3,
    total: 1500.1
  },
  checkIn: "2026-12-10",
  checkOut: "2026-12-17",
  travellers: [{ givenName: "Ana", familyName: "Sousa" }, { givenName: "Ben", familyName: "Carter" }],
  cardToken: "tok_visa",
  total: 1952.7
}

/**
 * The workflows by name, shaped for the demo's Lisbon trip.
 *
 * @since 0.1.0 @category workflows
 */
export const named: Readonly<Record<string, Workflow.Any>> = {
  "trip-search": search(lisbon),
  booking: booking(exampleOrder)
}
