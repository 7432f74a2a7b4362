import { Ids } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Struct from "effect/Struct"
import * as Booking from "../src/agents/Booking.js"
import { alfamaHotel, chosenTotal, handle, inputFor, lisbonTrip, recordingGateway, stateOf, tapFlight } from "./fixtures.js"

const chosen = { ...lisbonTrip, selectedFlight: tapFlight, selectedHotel: alfamaHotel }
const fromBudget = { from: Ids.agentId("budget"), reason: "checked", text: undefined }

describe("Booking", () => {
  it.effect("delegates the budget check before taking payment", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Booking.agent, inputFor("please book everything", chosen))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "budget", mode: "delegate" })
    }))

  it.effect("books flight and stay and pays once Budget returns within budget", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const quoted = { ...chosen, quote: { flights: 730, stay: 833, total: chosenTotal, budget: 2500, withinBudget: true } }
      const outcome = yield* Booking.agent.handle(inputFor("please book everything", quoted, { returned: fromBudget })).pipe(
        Effect.provide(gateway.layer)
      )
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringMatching(/^Booked! TAP Air Portugal TP1407 \(reservation PNR-/) })
      expect(stateOf(outcome).booking).toMatchObject({ total: chosenTotal, paymentId: expect.stringMatching(/^PAY-/) })
      expect(gateway.calls.map((call) => `${call.service}.${call.tool}`).sort()).toEqual([
        "accommodations.reserve",
        "flights.reserve",
        "payments.process"
      ])
      expect(gateway.calls.every((call) => call.idempotencyKey?.startsWith("test-session/"))).toBe(true)
      expect(gateway.calls.find((call) => call.service === "payments")?.args).toMatchObject({ amount: chosenTotal, currency: "GBP" })
    }))

  it.effect("books nothing when Budget returns over budget", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const quoted = { ...chosen, quote: { flights: 730, stay: 833, total: chosenTotal, budget: 1500, withinBudget: false } }
      const outcome = yield* Booking.agent.handle(inputFor("book", quoted, { returned: fromBudget })).pipe(
        Effect.provide(gateway.layer)
      )
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("I haven't booked anything") })
      expect(gateway.calls).toEqual([])
    }))

  it.effect("books straight away when the trip has no budget to check", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Booking.agent, inputFor("book", Struct.omit(chosen, "budget")))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("Booked!") })
    }))
})
