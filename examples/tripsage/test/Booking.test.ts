import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Struct from "effect/Struct"
import * as Booking from "../src/agents/Booking.js"
import type { TripState } from "../src/TripState.js"
import {
  anaFlight,
  chosenTotal,
  handle,
  historicSuites,
  inputFor,
  lisbonTrip,
  recordingGateway,
  stateOf,
  travellers
} from "./fixtures.js"

const chosen: TripState = { ...lisbonTrip, selectedFlight: anaFlight, selectedHotel: historicSuites, travellerNames: travellers }
const quoted = (budget: number): TripState => ({
  ...chosen,
  budget,
  quote: { flights: 452.6, stay: 1500.1, total: chosenTotal, budget, withinBudget: chosenTotal <= budget }
})

const toolsCalled = (calls: ReadonlyArray<{ readonly service: string; readonly tool: string }>) =>
  calls.map((call) => `${call.service}.${call.tool}`).sort()

// 13 to 19 digits, with or without spaces or dashes: what a card number looks like.
const cardNumber = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/

describe("Booking", () => {
  it.effect("delegates the budget check before taking payment", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Booking.agent, inputFor("please book everything", chosen))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "budget", mode: "delegate" })
    }))

  it.effect("reserves flight and stay for the named travellers and pays by card token once within budget", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const outcome = yield* Booking.agent.handle(inputFor("please book everything", quoted(2500))).pipe(
        Effect.provide(gateway.layer)
      )
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringMatching(
          /^Booked! ANA NH90, booking reference [A-Z0-9]{6} \(reservation rsv_00001\), and Historic Lisbon Suites, confirmation [A-Z0-9]{8} \(reservation stay_00001\)\. £1,952\.70 charged to your Visa card ending \d{4}, payment pay_00001\./
        )
      })
      expect(stateOf(outcome).booking).toMatchObject({ total: chosenTotal, flightReservation: "rsv_00001", paymentId: "pay_00001" })
      expect(toolsCalled(gateway.calls)).toEqual([
        "accommodations.reserve",
        "flights.check_availability",
        "flights.reserve",
        "payments.process"
      ])
      const args = (tool: string) => gateway.calls.find((call) => `${call.service}.${call.tool}` === tool)!.args
      expect(args("flights.reserve")).toMatchObject({
        offer_id: anaFlight.id,
        passengers: [
          { given_name: "Ana", family_name: "Sousa", type: "adult" },
          { given_name: "Ben", family_name: "Carter", type: "adult" }
        ]
      })
      expect(args("accommodations.reserve")).toMatchObject({ listing_id: historicSuites.id, guests: 2, guest_name: "Ana Sousa" })
      expect(args("payments.process")).toMatchObject({ amount: chosenTotal, currency: "GBP", card_token: "tok_visa" })
      for (const call of gateway.calls.filter((call) => call.tool !== "check_availability")) {
        expect(call.idempotencyKey).toMatch(/^test-session\//)
        expect(call.args["idempotency_key"]).toBe(call.idempotencyKey)
        const { idempotency_key: _, ...rest } = call.args
        expect(JSON.stringify(rest)).not.toMatch(cardNumber)
      }
    }))

  it.effect("repeats no reservation and no charge when the same booking is retried", () =>
    Effect.gen(function*() {
      const first = stateOf(yield* Booking.agent.handle(inputFor("book", quoted(2500))))
      const again = stateOf(yield* Booking.agent.handle(inputFor("book", quoted(2500))))
      expect(again.booking).toEqual(first.booking)
      expect(first.booking).toMatchObject({ flightReservation: "rsv_00001", hotelReservation: "stay_00001", paymentId: "pay_00001" })
    }).pipe(Effect.provide(recordingGateway().layer)))

  it.effect("releases both reservations when the card is declined, and records no booking", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const outcome = yield* Booking.agent.handle(
        inputFor("book", quoted(2500), { preferences: { [Booking.cardTokenPreference]: "tok_visa_declined" } })
      ).pipe(Effect.provide(gateway.layer))
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringContaining(
          "was declined (card_declined), so nothing was charged and I've released the flight and the stay " +
            "(reservations rsv_00001 and stay_00001 cancelled)"
        )
      })
      expect(stateOf(outcome).booking).toBeUndefined()
      expect(toolsCalled(gateway.calls)).toEqual([
        "accommodations.cancel",
        "accommodations.reserve",
        "flights.cancel_reservation",
        "flights.check_availability",
        "flights.reserve",
        "payments.process"
      ])
    }))

  it.effect("books nothing when the budget check came back over budget", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const outcome = yield* Booking.agent.handle(inputFor("book", quoted(1500))).pipe(Effect.provide(gateway.layer))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("I haven't booked anything") })
      expect(gateway.calls).toEqual([])
    }))

  it.effect("asks for every traveller's name before reserving anything", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const outcome = yield* Booking.agent.handle(inputFor("book", Struct.omit(quoted(2500), "travellerNames"))).pipe(
        Effect.provide(gateway.layer)
      )
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: "To book I need the full name of each of the 2 travellers, as on their passport, e.g. \"The travellers are Ana Sousa and Ben Carter\"."
      })
      expect(gateway.calls).toEqual([])
    }))

  it.effect("books straight away when the trip has no budget to check", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Booking.agent, inputFor("book", Struct.omit(chosen, "budget")))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("Booked!") })
    }))
})
