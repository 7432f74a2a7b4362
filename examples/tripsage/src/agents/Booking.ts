/**
 * Booking: books the chosen flight and stay and takes payment. With a budget
 * set it first delegates a budget check to Budget — a nested handoff — and
 * books only when the check comes back within budget.
 *
 * @since 0.1.0
 */
import { Agent } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Format from "../Format.js"
import * as Pricing from "../Pricing.js"
import * as Tools from "../Tools.js"
import type { FlightOption, HotelOption, TripState } from "../TripState.js"
import * as Roster from "./Roster.js"

interface Chosen {
  readonly flight: FlightOption
  readonly hotel: HotelOption
  readonly checkIn: string
  readonly checkOut: string
}

// Idempotency keys are per session and choice: a retried turn does not book twice.
const book = (sessionId: string, state: TripState, chosen: Chosen, total: number) =>
  Effect.gen(function*() {
    const { checkIn, checkOut, flight, hotel } = chosen
    const [flightReservation, hotelReservation] = yield* Effect.all([
      Tools.call(Tools.reserveFlight, { optionId: flight.id, passengers: state.travellers }, {
        idempotencyKey: `${sessionId}/flight/${flight.id}`
      }),
      Tools.call(Tools.reserveStay, { hotelId: hotel.id, checkIn, checkOut, guests: state.travellers }, {
        idempotencyKey: `${sessionId}/stay/${hotel.id}`
      })
    ], { concurrency: "unbounded" })
    const payment = yield* Tools.call(
      Tools.processPayment,
      { amount: total, currency: "GBP", reference: `${sessionId}/${flightReservation.reservationId}/${hotelReservation.reservationId}` },
      { idempotencyKey: `${sessionId}/payment` }
    )
    return Agent.reply<TripState>(
      `Booked! ${flight.airline} ${flight.flightNumber} (reservation ${flightReservation.reservationId}) and ` +
        `${hotel.name} (reservation ${hotelReservation.reservationId}). ${Format.money(total)} charged, ` +
        `payment ${payment.paymentId}. Have a wonderful time in ${state.destination?.name ?? "your destination"}!`,
      {
        state: {
          ...state,
          booking: {
            flightReservation: flightReservation.reservationId,
            hotelReservation: hotelReservation.reservationId,
            paymentId: payment.paymentId,
            total
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
    }
  ],
  handoffTargets: [Roster.budget, Roster.flights, Roster.accommodations, Roster.triage],
  requiredServices: ["flights", "accommodations", "payments"],
  requiredContext: Roster.needs.booking,
  handle: (input) => {
    const { state } = input
    const { booking, departDate, returnDate, selectedFlight, selectedHotel } = state
    if (booking !== undefined) {
      return Effect.succeed(
        Agent.reply(`You're all booked: reservations ${booking.flightReservation} and ${booking.hotelReservation}.`, { state })
      )
    }
    const price = Pricing.of(state)
    if (!selectedFlight || !selectedHotel || !departDate || !returnDate || price === undefined) {
      const gaps = Roster.missing(state, [...Roster.needs.booking, "departDate", "returnDate"])
      return Effect.succeed(Agent.reply(`Before I can book I need ${Roster.describe(gaps)}.`, { state }))
    }
    const chosen: Chosen = { flight: selectedFlight, hotel: selectedHotel, checkIn: departDate, checkOut: returnDate }
    const checked = Option.exists(input.returned, (returned) => returned.from === Roster.budget)
    if (!checked && state.budget !== undefined) {
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
    return book(input.sessionId, state, chosen, price.total)
  }
})
