import { BatonApp, Conversation, type HandoffResult, Ids, Scenario, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import { PreferenceProfile } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { app, layer } from "../src/app.js"
import { demo } from "../src/Demo.js"

// The app as `baton demo` runs it by default: the mock MCP services in process.
// `layer` is `app.layer`, typed with the fault injector it provides next to the conversation.
// The store stays in the context so that tests can read what the app kept.
const conversation = Layer.provideMerge(layer({ transport: "in-process" }), SessionStore.layerMemory)

/** Sends a demo turn as `baton demo` does: with its faults injected for that turn only. */
const send = (turn: (typeof demo.turns)[number]) =>
  Effect.gen(function*() {
    const service = yield* Conversation.Conversation
    const faults = yield* BatonApp.FaultInjector
    const injected = Object.entries(turn.faults ?? {})
    yield* Effect.forEach(injected, ([name, spec]) => faults.set(name, spec), { discard: true })
    return yield* service.turn(Scenario.sessionOf(demo, turn), demo.userId, turn.text).pipe(
      Effect.ensuring(Effect.forEach(injected, ([name]) => Effect.ignore(faults.clear(name)), { discard: true }))
    )
  })

describe("the TripSage demo", () => {
  it("is the app's demo", () => {
    expect(app.demo).toBe(demo)
  })

  it.live("meets every turn's expectations, and every handoff preserves context", () =>
    Effect.gen(function*() {
      const handoffs: Array<HandoffResult.HandoffResult> = []
      for (const turn of demo.turns) {
        const result = yield* send(turn)
        const expected = turn.expect ?? {}
        if (expected.agent !== undefined) expect(result.agent, turn.text).toBe(expected.agent)
        if (expected.handoffs !== undefined) {
          expect(result.handoffs.map((handoff) => `${handoff.from}->${handoff.to}`), turn.text).toEqual(expected.handoffs)
        }
        for (const words of expected.replyContains ?? []) expect(result.reply, turn.text).toContain(words)
        handoffs.push(...result.handoffs)
      }
      expect(handoffs.length).toBeGreaterThanOrEqual(3)
      expect(handoffs.every((handoff) => handoff.success && handoff.contextPreserved)).toBe(true)
      expect(handoffs.map((handoff) => handoff.mode)).toEqual([
        "transfer",
        "transfer",
        "transfer",
        "transfer",
        "delegate",
        "return",
        "transfer",
        "transfer",
        "transfer"
      ])
    }).pipe(Effect.provide(conversation)))

  it.live("has a degraded turn: both weather providers fail for one turn and the reply says so in plain words", () =>
    Effect.gen(function*() {
      const degraded = demo.turns.filter((turn) => turn.faults !== undefined)
      expect(degraded.map((turn) => turn.faults)).toEqual([
        { weather: "error:rpc(-32050)@1", "weather-backup": "error:rpc(-32050)@1" }
      ])
      const replies: Array<string> = []
      for (const turn of demo.turns) replies.push((yield* send(turn)).reply)
      const index = demo.turns.findIndex((turn) => turn.faults !== undefined)
      expect(replies[index]).toContain("Weather is unavailable right now; flights and hotels are shown without the forecast.")
      expect(replies[index]).toContain("2) ANA NH90")
      // Only that turn: the search before it had the forecast.
      expect(replies[index - 1]).toContain("Weather, 10 Dec 2026 to 17 Dec 2026")
      expect(replies[index - 1]).not.toContain("unavailable")
    }).pipe(Effect.provide(conversation)))

  it.live("ends with the trip booked within budget, the delegation stack empty", () =>
    Effect.gen(function*() {
      const service = yield* Conversation.Conversation
      for (const turn of demo.turns) yield* send(turn)
      const session = yield* service.session(demo.sessionId, demo.userId)
      expect(Option.map(session, (found) => found.context.history.filter((m) => m.role === "user").length)).toEqual(
        Option.some(demo.turns.filter((turn) => turn.sessionId === undefined).length)
      )
      expect(session._tag).toBe("Some")
      if (session._tag === "Some") {
        expect(session.value.agentStack).toEqual([])
        expect(session.value.context.state).toMatchObject({
          quote: { withinBudget: true },
          travellerNames: [{ givenName: "Ana", familyName: "Sousa" }, { givenName: "Ben", familyName: "Carter" }],
          booking: { flightReservation: "rsv_00001", hotelReservation: "stay_00001", paymentId: "pay_00001", total: 1952.7 }
        })
      }
    }).pipe(Effect.provide(conversation)))

  it.live("has a second session of the same traveller, under a new session id, after the first", () => {
    expect(Scenario.sessions(demo)).toEqual(["tripsage-demo", "tripsage-demo-2"])
    const second = demo.turns.findIndex((turn) => turn.sessionId !== undefined)
    expect(second).toBeGreaterThan(5)
    expect(demo.turns.slice(second).every((turn) => turn.sessionId === "tripsage-demo-2")).toBe(true)
    return Effect.void
  })

  it.live("the first session teaches the traveller's profile; the second uses it without asking again", () =>
    Effect.gen(function*() {
      const service = yield* Conversation.Conversation
      const store = yield* SessionStore.SessionStore
      const second = demo.turns.findIndex((turn) => turn.sessionId !== undefined)
      for (const turn of demo.turns.slice(0, second)) yield* send(turn)
      const profile = yield* PreferenceProfile.make(store).get(Ids.userId(demo.userId))
      const values = Object.fromEntries(Object.entries(profile.preferences).map(([key, p]) => [key, [p.value, p.source]]))
      expect(values).toEqual({
        origin: ["LHR", "stated"],
        travellers: [2, "stated"],
        airline: ["ANA", "chosen"],
        neighbourhood: ["Old Town", "stated"],
        hotelClass: [4, "stated"],
        seat: ["aisle", "stated"],
        cabin: ["economy", "stated"],
        dietary: ["vegetarian", "stated"]
      })
      expect(profile.actions.map((action) => action.action)).toEqual(["flights", "hotels", "booking"])
      // The profile is a session of its own, owned by the traveller, next to the trip.
      expect([...(yield* store.listByUser(Ids.userId(demo.userId)))].sort()).toEqual(["profile:demo-traveller", "tripsage-demo"])

      const welcome = yield* send(demo.turns[second]!)
      expect(welcome.reply).toContain("From your earlier trips I know: leaving from London, 2 travellers")
      expect(welcome.reply).not.toContain("Where would you like to go, and from where?")
      const restored = yield* service.session("tripsage-demo-2", demo.userId)
      expect(Option.map(restored, (found) => found.context.state)).toEqual(Option.some(expect.objectContaining({
        origin: { code: "LHR", name: "London" },
        destination: { code: "BCN", name: "Barcelona" },
        travellers: 2
      })))
      const flights = yield* send(demo.turns[second + 1]!)
      expect(flights.reply).toMatch(/^1\) ANA /m)
    }).pipe(Effect.provide(conversation)))

  it.live("without the first session, the same opening is a first visit: nothing prefilled", () =>
    Effect.gen(function*() {
      const second = demo.turns.findIndex((turn) => turn.sessionId !== undefined)
      const opening = yield* send(demo.turns[second]!)
      expect(opening.reply).not.toContain("Welcome back")
      expect(opening.agent).toBe("destination")
      const service = yield* Conversation.Conversation
      const state = yield* service.session("tripsage-demo-2", demo.userId)
      expect(Option.map(state, (found) => found.context.state)).toEqual(Option.some(expect.objectContaining({ travellers: 1 })))
      expect(Option.map(state, (found) => (found.context.state as { origin?: unknown }).origin)).toEqual(Option.some(undefined))
    }).pipe(Effect.provide(conversation)))
})
