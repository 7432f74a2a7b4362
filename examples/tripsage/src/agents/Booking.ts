/**
 * Booking: books the chosen flight and stay and takes payment. With a budget
 * set it first delegates a budget check to Budget — a nested handoff — and
 * books only when the check comes back within budget. Reservations need
 * every traveller's name; payment uses the traveller's card token, never a
 * card number. Booking is a saga (`Workflows.booking`): check availability,
 * reserve the flight, reserve the stay, pay, confirm; a declined card undoes
 * both reservations, and the reply says what was undone.
 *
 * @since 0.1.0
 */
import { Agent, WorkflowExecutor } from "@baton/core"
import type { ToolGateway } from "@baton/core"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Format from "../Format.js"
import * as Pricing from "../Pricing.js"
import * as Tools from "../Tools.js"
import * as TripRequest from "../TripRequest.js"
import type { TripState } from "../TripState.js"
import * as Workflows from "../Workflows.js"
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

/** "visa" → "Visa". */
const brandName = (brand: string) => `${brand.charAt(0).toUpperCase()}${brand.slice(1)}`

/** What each undone step was, in words, in the order the saga took them. */
const undoneLabels: ReadonlyArray<readonly [string, string]> = [["reserveFlight", "the flight"], ["reserveHotel", "the stay"]]

const list = (items: ReadonlyArray<string>) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`

/** What the saga undid and what it could not, in plain words. */
const undone = (result: Workflows.BookingResult): string => {
  const released = undoneLabels.filter(([step]) => result.compensated.includes(step as never))
  const ids = released.flatMap(([step]) => {
    const output = result.outputs[step as "reserveFlight" | "reserveHotel"]
    return output === undefined ? [] : [output.reservation.id]
  })
  const stuck = undoneLabels.filter(([step]) => result.compensationFailures.some((failure) => failure.step === step))
  return (released.length === 0 ? "nothing was reserved" : `I've released ${list(released.map(([, what]) => what))}`) +
    (ids.length === 0 ? "" : ` (reservation${ids.length === 1 ? "" : "s"} ${list(ids)} cancelled)`) +
    (stuck.length === 0 ? "" : `, but I couldn't release ${list(stuck.map(([, what]) => what))}: please contact support`)
}

const book = (sessionId: string, state: TripState, order: Workflows.Order) =>
  Effect.gen(function*() {
    const runId = Workflows.bookingRunId(sessionId, order)
    const result = yield* Effect.orDie(WorkflowExecutor.execute(Workflows.booking(order), { runId }))
    const confirmed = result.outputs.confirm
    if (result.status !== "completed" || confirmed === undefined) {
      const failure = result.failed.find((failed) => !failed.optional)
      if (failure !== undefined && failure.error instanceof Workflows.PaymentDeclined) {
        const declined = failure.error
        return Agent.reply<TripState>(
          `Your ${brandName(declined.brand)} card ending ${declined.last4} was declined (${declined.reason}), ` +
            `so nothing was charged and ${undone(result)}. Save another card and ask me to book again.`,
          { state }
        )
      }
      const why = result.missing.find((missing) => !missing.optional)?.reason ?? "the booking did not finish"
      return Agent.reply<TripState>(
        `I couldn't complete the booking (${why}). Nothing was charged, and ${undone(result)}. ` +
          "Ask me to book again in a moment.",
        { state }
      )
    }
    const destination = state.destination?.name ?? "your destination"
    return Agent.reply<TripState>(
      `Booked! ${order.flight.airline} ${order.flight.flightNumber}, booking reference ${confirmed.flightReference} ` +
        `(reservation ${confirmed.flightReservation}), and ${order.hotel.name}, confirmation ${confirmed.hotelConfirmation} ` +
        `(reservation ${confirmed.hotelReservation}). ${Format.money(order.total)} charged to your ${
          brandName(confirmed.brand)
        } card ending ${confirmed.last4}, payment ${confirmed.paymentId}. Have a wonderful time in ${destination}!`,
      {
        state: {
          ...state,
          booking: {
            flightReservation: confirmed.flightReservation,
            flightReference: confirmed.flightReference,
            hotelReservation: confirmed.hotelReservation,
            hotelConfirmation: confirmed.hotelConfirmation,
            paymentId: confirmed.paymentId,
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
