import { Conversation, type HandoffResult, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { app } from "../src/app.js"
import { demo } from "../src/Demo.js"

// The app as `baton demo` runs it by default: the mock MCP services in process.
const conversation = Layer.provide(app.layer({ transport: "in-process" }), SessionStore.layerMemory)

describe("the TripSage demo", () => {
  it("is the app's demo", () => {
    expect(app.demo).toBe(demo)
  })

  it.effect("meets every turn's expectations, and every handoff preserves context", () =>
    Effect.gen(function*() {
      const service = yield* Conversation.Conversation
      const handoffs: Array<HandoffResult.HandoffResult> = []
      for (const turn of demo.turns) {
        const result = yield* service.turn(demo.sessionId, demo.userId, turn.text)
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
      expect(handoffs.map((handoff) => handoff.mode)).toEqual(["transfer", "transfer", "transfer", "transfer", "delegate", "return"])
    }).pipe(Effect.provide(conversation)))

  it.effect("ends with the trip booked within budget, the delegation stack empty", () =>
    Effect.gen(function*() {
      const service = yield* Conversation.Conversation
      for (const turn of demo.turns) yield* service.turn(demo.sessionId, demo.userId, turn.text)
      const session = yield* service.session(demo.sessionId, demo.userId)
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
})
