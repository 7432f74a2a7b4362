import { Degradation, WorkflowCheckpoint, WorkflowExecutor } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Booking from "../src/agents/Booking.js"
import * as Flights from "../src/agents/Flights.js"
import * as Profile from "../src/Profile.js"
import * as Services from "../src/Services.js"
import type { TripState } from "../src/TripState.js"
import * as Workflows from "../src/Workflows.js"
import { anaFlight, chosenTotal, historicSuites, inputFor, lisbonTrip, sessionId, travellers } from "./fixtures.js"

// Fresh in-process mocks per test, with their control handles (faults, state, call stats).
// An empty profile: these tests are about the workflows, not about a returning traveller.
const mocks = Layer.merge(Layer.fresh(Services.inProcessWithMocks), Profile.layerEmpty)

const mock = (service: string) => Effect.map(Services.Mocks, (all) => all.get(service)!)

interface Reservation {
  readonly id: string
  readonly status: "confirmed" | "cancelled"
}
const reservations = (service: string) =>
  Effect.flatMap(mock(service), (control) =>
    Effect.map(control.state, (state) => (state as { readonly reservations: ReadonlyArray<Reservation> }).reservations))

const inFlight = (service: string, tool: string) =>
  Effect.flatMap(mock(service), (control) => Effect.map(control.stats, (stats) => stats.tools[tool]?.inFlight ?? 0))

/** Polls (bounded) until `condition` holds; the test fails if it never does. */
const eventually = <E, R>(condition: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 500; attempt++) {
      if (yield* condition) return true
      yield* Effect.sleep("5 millis")
    }
    return false
  })

const request: Workflows.SearchRequest = {
  origin: lisbonTrip.origin!,
  destination: lisbonTrip.destination!,
  departDate: "2026-12-10",
  returnDate: "2026-12-17",
  travellers: 2
}

const order = (cardToken: string): Workflows.Order => ({
  flight: anaFlight,
  hotel: historicSuites,
  checkIn: "2026-12-10",
  checkOut: "2026-12-17",
  travellers: [travellers[0], travellers[1]],
  cardToken,
  total: chosenTotal
})

const searches = [
  ["flights", "search_flights"],
  ["accommodations", "search"],
  ["weather", "forecast"],
  ["activities", "search"]
] as const

describe("the parallel search", () => {
  it.live("runs the four searches at the same time", () =>
    Effect.gen(function*() {
      // Every search is held for a while in its mock, so each stays in flight until the others have started —
      // if the searches ran one by one, the four would never be in flight together.
      yield* Effect.forEach(searches, ([service]) =>
        Effect.flatMap(mock(service), (control) => control.setFaults("latency:fixed(400)")), { discard: true })
      const fiber = yield* Effect.fork(WorkflowExecutor.execute(Workflows.search(request)))
      const together = yield* eventually(
        Effect.map(
          Effect.forEach(searches, ([service, tool]) => inFlight(service, tool)),
          (counts) => counts.every((count) => count === 1)
        )
      )
      expect(together).toBe(true)
      const result = yield* Fiber.join(fiber)
      expect(result.status).toBe("completed")
      expect([...result.completed].sort()).toEqual(["activities", "flights", "stays", "weather"])
    }).pipe(Effect.provide(mocks)))

  it.live("takes the forecast from the backup provider when the weather service fails, and says so", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(mock("weather"), (control) => control.setFaults("error:rpc(-32050)@1"))
      const [result, notes] = yield* Degradation.collect(WorkflowExecutor.execute(Workflows.search(request)))
      expect(result.status).toBe("completed")
      expect(result.outputs.weather).toBeDefined()
      expect(notes).toMatchObject([{ kind: "fallback", service: "weather", tool: "forecast", servedBy: "weather-backup" }])
      expect(yield* Effect.flatMap(mock("weather-backup"), (control) => control.stats)).toMatchObject({
        tools: { forecast: { calls: 1 } }
      })
      expect(Degradation.describe(notes[0]!)).toBe("weather is unavailable right now; forecast was answered by weather-backup instead.")
    }).pipe(Effect.provide(mocks)))

  it.live("comes back partial without the forecast when both weather providers fail, and says so in plain words", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(mock("weather"), (control) => control.setFaults("error:rpc(-32050)@1"))
      yield* Effect.flatMap(mock("weather-backup"), (control) => control.setFaults("error:rpc(-32050)@1"))
      const result = yield* WorkflowExecutor.execute(Workflows.search(request))
      expect(result.status).toBe("partial")
      expect(result.outputs.flights?.offers.length).toBeGreaterThan(0)
      expect(result.outputs.weather).toBeUndefined()
      expect(result.missing.map((missing) => [missing.step, missing.optional])).toEqual([["weather", true]])
      expect(Workflows.degradedNote(result.missing)).toBe(
        "Weather is unavailable right now; flights and hotels are shown without the forecast."
      )

      const outcome = yield* Flights.agent.handle(inputFor("Please find us flights.", lisbonTrip))
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringContaining("Weather is unavailable right now; flights and hotels are shown without the forecast.")
      })
      expect(outcome).toHaveProperty("text", expect.stringContaining("2) ANA NH90"))
      expect(outcome).toHaveProperty("text", expect.not.stringContaining("Weather, 10 Dec"))
    }).pipe(Effect.provide(mocks)))

  it("says nothing when only required steps are reported", () => {
    expect(Workflows.degradedNote([])).toBe("")
    expect(Workflows.degradedNote([{ step: "activities", optional: true, reason: "failed" }])).toBe(
      "Things to do are unavailable right now; flights and hotels are shown without things to do."
    )
  })
})

describe("the booking saga", () => {
  it.live("with a declined card, cancels both reservations and tells the traveller what was undone", () =>
    Effect.gen(function*() {
      const result = yield* WorkflowExecutor.execute(Workflows.booking(order("tok_declined")), {
        runId: Workflows.bookingRunId(sessionId, order("tok_declined"))
      })
      expect(result.status).toBe("failed")
      expect(result.failed.map((failed) => failed.step)).toEqual(["confirm"])
      expect(result.failed[0]?.error).toBeInstanceOf(Workflows.PaymentDeclined)
      expect(result.compensated).toEqual(["reserveHotel", "reserveFlight"])
      expect(result.compensationFailures).toEqual([])
      expect(yield* reservations("flights")).toMatchObject([{ id: "rsv_00001", status: "cancelled" }])
      expect(yield* reservations("accommodations")).toMatchObject([{ id: "stay_00001", status: "cancelled" }])

      // The agent says it in words.
      const state: TripState = {
        ...lisbonTrip,
        selectedFlight: anaFlight,
        selectedHotel: historicSuites,
        travellerNames: travellers,
        quote: { flights: 452.6, stay: 1500.1, total: chosenTotal, budget: 2500, withinBudget: true }
      }
      const outcome = yield* Booking.agent.handle(
        inputFor("book", state, { preferences: { [Booking.cardTokenPreference]: "tok_declined" } })
      )
      expect(outcome).toMatchObject({
        _tag: "Reply",
        text: expect.stringMatching(
          /^Your Visa card ending \d{4} was declined \(card_declined\), so nothing was charged and I've released the flight and the stay \(reservations rsv_00001 and stay_00001 cancelled\)\./
        )
      })
    }).pipe(Effect.provide(mocks)))

  it.live("resumed after an interruption after the reservations, reserves nothing twice", () =>
    Effect.gen(function*() {
      const checkpoint = WorkflowCheckpoint.makeMemory()
      const runId = Workflows.bookingRunId(sessionId, order("tok_visa"))
      const payments = yield* mock("payments")
      // The payment hangs: the run is interrupted once both reservations are made and payment has begun.
      yield* payments.setFaults("tool=process:hang")
      const first = yield* Effect.fork(WorkflowExecutor.execute(Workflows.booking(order("tok_visa")), { runId, checkpoint }))
      expect(yield* eventually(Effect.map(inFlight("payments", "process"), (count) => count === 1))).toBe(true)
      yield* Fiber.interrupt(first)
      expect(yield* reservations("flights")).toHaveLength(1)
      expect(yield* reservations("accommodations")).toHaveLength(1)

      yield* payments.clearFaults
      const resumed = yield* WorkflowExecutor.execute(Workflows.booking(order("tok_visa")), { runId, checkpoint })
      expect(resumed.status).toBe("completed")
      expect(resumed.reused).toEqual(expect.arrayContaining(["availability", "reserveFlight", "reserveHotel"]))
      expect(resumed.outputs.confirm).toMatchObject({ flightReservation: "rsv_00001", hotelReservation: "stay_00001" })
      // One reservation each in the mocks, still confirmed.
      expect(yield* reservations("flights")).toMatchObject([{ id: "rsv_00001", status: "confirmed" }])
      expect(yield* reservations("accommodations")).toMatchObject([{ id: "stay_00001", status: "confirmed" }])
    }).pipe(Effect.provide(mocks)))

  it.live("run again with the same run id and no checkpoint, repeats no reservation: the idempotency keys match", () =>
    Effect.gen(function*() {
      const runId = Workflows.bookingRunId(sessionId, order("tok_visa"))
      const first = yield* WorkflowExecutor.execute(Workflows.booking(order("tok_visa")), { runId })
      const again = yield* WorkflowExecutor.execute(Workflows.booking(order("tok_visa")), { runId })
      expect(again.outputs.confirm).toEqual(first.outputs.confirm)
      expect(yield* reservations("flights")).toHaveLength(1)
      expect(yield* reservations("accommodations")).toHaveLength(1)
    }).pipe(Effect.provide(mocks)))
})
