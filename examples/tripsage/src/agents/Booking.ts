/**
 * Booking: books the chosen flight and stay and takes payment. With a budget
 * set it first delegates a budget check to Budget — a nested handoff — and
 * books only when the check comes back within budget. Reservations need
 * every traveller's name; payment uses the traveller's card token, never a
 * card number. A declined card releases both reservations.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"
import * as Format from "../Format.js"
import * as Pricing from "../Pricing.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { FlightOption, HotelOption, Traveller, TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

/**
 * The card used when the traveller has saved none: the payment provider's
 * test token for a Visa card that is always accepted.
 *
 * @since 0.1.0 @category constants
 */
export const defaultCardToken = "tok_visa"

/**
 * The preference a payment page stores the traveller's card token under,
 * once the provider has tokenised the card. TripSage never sees the number.
 *
 * @since 0.1.0 @category constants
 */
export const cardTokenPreference = "cardToken"

const isCardToken = Schema.is(Tools.CardToken)

const cardTokenOf = (preferences: Readonly<Record<string, unknown>>): string => {
  const saved = preferences[cardTokenPreference]
  return isCardToken(saved) ? saved : defaultCardToken
}

interface Order {
  readonly flight: FlightOption
  readonly hotel: HotelOption
  readonly checkIn: string
  readonly checkOut: string
  readonly travellers: Arr.NonEmptyReadonlyArray<Traveller>
  readonly cardToken: string
  readonly total: number
}

const fullName = (traveller: Traveller) => `${traveller.givenName} ${traveller.familyName}`

/** "visa" → "Visa". */
const brandName = (brand: string) => `${brand.charAt(0).toUpperCase()}${brand.slice(1)}`

/**
 * One key per session and order: a retried turn repeats no reservation and
 * no charge, while a different order (other travellers, another card) is a
 * new request. Hashed, because offer ids are long and keys are bounded.
 */
const orderKey = (sessionId: string, order: Order) =>
  `${sessionId}/${
    createHash("sha256")
      .update(JSON.stringify([order.flight.id, order.hotel.id, order.checkIn, order.checkOut, order.travellers, order.cardToken]))
      .digest("base64url")
      .slice(0, 22)
  }`

const book = (sessionId: string, state: TripState, order: Order) =>
  Effect.gen(function*() {
    const key = orderKey(sessionId, order)
    const [{ reservation: flight }, { reservation: stay }] = yield* Effect.all([
      Tools.call(Tools.reserveFlight, {
        offer_id: order.flight.id,
        passengers: Arr.map(order.travellers, (traveller) => ({
          given_name: traveller.givenName,
          family_name: traveller.familyName,
          type: "adult" as const
        })),
        idempotency_key: `${key}/flight`
      }),
      Tools.call(Tools.reserveStay, {
        listing_id: order.hotel.id,
        check_in: order.checkIn,
        check_out: order.checkOut,
        guests: order.travellers.length,
        guest_name: fullName(order.travellers[0]),
        currency: "GBP",
        idempotency_key: `${key}/stay`
      })
    ], { concurrency: "unbounded" })
    const destination = state.destination?.name ?? "your destination"
    const { payment } = yield* Tools.call(Tools.processPayment, {
      amount: order.total,
      currency: "GBP",
      card_token: order.cardToken,
      description: `TripSage: ${order.flight.airline} ${order.flight.flightNumber} and ${order.hotel.name}`,
      idempotency_key: `${key}/payment`
    })
    if (payment.status === "declined") {
      // Nothing was charged, so nothing may stay held: release both reservations.
      yield* Effect.all([
        Tools.call(Tools.cancelFlight, { reservation_id: flight.id }),
        Tools.call(Tools.cancelStay, { reservation_id: stay.id })
      ], { concurrency: "unbounded" })
      return Agent.reply<TripState>(
        `Your ${brandName(payment.card.brand)} card ending ${payment.card.last4} was declined ` +
          `(${payment.decline_reason ?? "no reason given"}), so nothing was charged and I've released the flight and the ` +
          "stay. Save another card and ask me to book again.",
        { state }
      )
    }
    return Agent.reply<TripState>(
      `Booked! ${order.flight.airline} ${order.flight.flightNumber}, booking reference ${flight.booking_reference} ` +
        `(reservation ${flight.id}), and ${order.hotel.name}, confirmation ${stay.confirmation_code} ` +
        `(reservation ${stay.id}). ${Format.money(order.total)} charged to your ${brandName(payment.card.brand)} card ending ` +
        `${payment.card.last4}, payment ${payment.id}. Have a wonderful time in ${destination}!`,
      {
        state: {
          ...state,
          booking: {
            flightReservation: flight.id,
            flightReference: flight.booking_reference,
            hotelReservation: stay.id,
            hotelConfirmation: stay.confirmation_code,
            paymentId: payment.id,
            total: order.total
          }
        }
      }
    )
  })

/** @since 0.1.0 @category agents */
export const agent = Agent.make<TripState, Tools.TripError, ToolGateway.ToolGateway>({
  id: Roster.booking,
  name: "Booking",
  description: "Books the chosen flight and place to stay and takes payment, after a budget check",
  capabilities: [
    {
      intent: "book-trip",
      description: "Reserve the chosen flight and stay and pay for them",
      keywords: ["book", "booking", "reserve", "reservation", "confirm", "pay", "payment", "checkout"],
      examples: ["Book it", "Please book the flight and the hotel", "Confirm and pay"]
    },
    {
      intent: "traveller-details",
      description: "The travellers' full names for the reservations",
      keywords: ["names", "passengers", "passport", "travellers"],
      examples: ["The travellers are Ana Sousa and Ben Carter", "Passengers: Ana Sousa, Ben Carter"]
    }
  ],
  handoffTargets: [Roster.budget, Roster.flights, Roster.accommodations, Roster.triage],
  requiredServices: ["flights", "accommodations", "payments"],
  requiredContext: Roster.needs.booking,
  handle: (input) => {
    const state = TripRequest.applyTo(input.state, TripRequest.read(input.message.content))
    const { booking, departDate, returnDate, selectedFlight, selectedHotel, travellerNames } = state
    if (booking !== undefined) {
      return Effect.succeed(
        Agent.reply(
          `You're all booked: flight ${booking.flightReference} and stay ${booking.hotelConfirmation}.`,
          { state }
        )
      )
    }
    const price = Pricing.of(state)
    if (!selectedFlight || !selectedHotel || !departDate || !returnDate || price === undefined) {
      const gaps = Roster.missing(state, [...Roster.needs.booking, "departDate", "returnDate"])
      return Effect.succeed(Agent.reply(`Before I can book I need ${Roster.describe(gaps)}.`, { state }))
    }
    // Choosing another flight or stay, or a new budget, drops the quote: a quote present is a fresh check.
    if (state.budget !== undefined && state.quote === undefined) {
      return Effect.succeed(
        Agent.delegate(Roster.budget, "check the total against the traveller's budget before taking payment", {
          state,
          text: "Before I take payment, I'll have Budget check the total."
        })
      )
    }
    if (state.quote !== undefined && !state.quote.withinBudget) {
      return Effect.succeed(
        Agent.reply("I haven't booked anything, as the trip is over your budget. Choose a cheaper flight or stay and ask me again.", {
          state
        })
      )
    }
    if (
      travellerNames === undefined || !Arr.isNonEmptyReadonlyArray(travellerNames) ||
      travellerNames.length !== state.travellers
    ) {
      return Effect.succeed(
        Agent.reply(
          `To book I need the full name of ${state.travellers === 1 ? "the traveller" : `each of the ${state.travellers} travellers`}, ` +
            `as on their passport, e.g. "The travellers are Ana Sousa and Ben Carter".`,
          { state }
        )
      )
    }
    return book(input.sessionId, state, {
      flight: selectedFlight,
      hotel: selectedHotel,
      checkIn: departDate,
      checkOut: returnDate,
      travellers: travellerNames,
      cardToken: cardTokenOf(input.preferences),
      total: price.total
    })
  }
})
