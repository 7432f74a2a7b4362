import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as AgentRegistry from "../src/AgentRegistry.js"
import { HandoffDepthExceeded, HandoffRejected } from "../src/Errors.js"
import * as Handoff from "../src/Handoff.js"
import * as HandoffApproval from "../src/HandoffApproval.js"
import { HandoffContext } from "../src/HandoffContext.js"
import type { HandoffMode } from "../src/HandoffRequest.js"
import * as Ids from "../src/Ids.js"
import type { SessionState } from "../src/SessionState.js"
import {
  agent,
  booking,
  encodeTrip,
  flights,
  hotels,
  messagesOf,
  recordingAudit,
  sessionAt,
  tagsOf,
  triage,
  TripState
} from "./fixtures.js"

const registry = AgentRegistry.make([
  agent(triage, ["help"], { handoffTargets: [flights, hotels, booking] }),
  agent(flights, ["flight"], {
    handoffTargets: [hotels, booking, triage],
    requiredContext: ["destination"],
    contextBudget: { maxTokens: 20, recentMessages: 2 }
  }),
  agent(hotels, ["hotel"], { handoffTargets: [booking] }),
  agent(booking, ["book"], { requiredContext: ["destination", "departure"] })
])

const ready = encodeTrip({
  destination: "Lisbon",
  departure: new Date("2030-05-01T08:00:00.000Z"),
  budget: 1200,
  travellers: ["Ada", "Grace"]
})

const handoff = Handoff.make({ registry, stateSchema: TripState })

const run = (
  session: SessionState,
  request: { readonly from: Ids.AgentId; readonly to: Ids.AgentId; readonly mode: HandoffMode },
  options: { readonly handoff?: Handoff.Handoff; readonly chain?: ReadonlyArray<Ids.AgentId>; readonly attempt?: number } = {}
) => {
  const { audit, events } = recordingAudit()
  const execute = (options.handoff ?? handoff).execute(
    {
      session,
      request: { ...request, initiator: "agent", reason: `${request.from} asks ${request.to}` },
      chain: options.chain ?? [request.from],
      attempt: options.attempt ?? 0
    },
    audit
  )
  return Effect.map(Effect.either(execute), (outcome) => ({ outcome, events }))
}

/** The reasons of a validation rejection; fails the test on any other outcome. */
const rejectionOf = (
  session: SessionState,
  request: { readonly from: Ids.AgentId; readonly to: Ids.AgentId; readonly mode: HandoffMode }
) =>
  Effect.map(run(session, request), ({ events, outcome }) => {
    if (outcome._tag === "Right" || !(outcome.left instanceof HandoffRejected)) {
      throw new Error(`expected a rejection, got ${JSON.stringify(outcome)}`)
    }
    expect(outcome.left.stage).toBe("validation")
    expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffRejected"])
    expect(events[1]).toMatchObject({ stage: "validation", by: "protocol", reasons: outcome.left.reasons })
    return outcome.left.reasons
  })

describe("Handoff.execute: success", () => {
  it.effect("a transfer moves the active role and carries the state whole, with the context preserved", () =>
    Effect.gen(function*() {
      const session = sessionAt({ active: triage, state: ready })
      const { events, outcome } = yield* run(session, { from: triage, to: flights, mode: "transfer" })
      if (outcome._tag === "Left") throw outcome.left
      const { context, result } = outcome.right
      expect(result).toMatchObject({
        handoffId: "s-1/v3/h0",
        success: true,
        from: triage,
        newAgentId: flights,
        mode: "transfer",
        initiator: "agent",
        contextPreserved: true,
        errors: []
      })
      expect(outcome.right.session.currentAgent).toBe(flights)
      expect(outcome.right.session.agentStack).toEqual([])
      expect(outcome.right.session.context.state).toEqual(ready)
      expect(outcome.right.session.context.history).toBe(session.context.history)
      expect(context.currentState).toEqual(ready)
      expect(context.checksum).toBe(Handoff.checksum(ready, session.context.history))
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffApproved", "HandoffCompleted"])
      expect(events[2]).toMatchObject({ from: triage, to: flights, mode: "transfer", contextPreserved: true })
    }))

  it.effect("the history is compressed to the target's budget while the state travels untouched", () =>
    Effect.gen(function*() {
      const history = messagesOf(30, (i) => `Turn ${i}: we talked about Lisbon hotels and cheap flights at length.`)
      const session = sessionAt({ active: triage, state: ready, history })
      const { outcome } = yield* run(session, { from: triage, to: flights, mode: "transfer" })
      if (outcome._tag === "Left") throw outcome.left
      const compressed = outcome.right.context.conversationHistory
      expect(compressed.recent.length).toBeLessThanOrEqual(2)
      expect(compressed.summarisedCount).toBeGreaterThan(0)
      expect(compressed.totalMessages).toBe(30)
      expect(compressed.lastMessageId).toBe(history[29]!.id)
      expect(outcome.right.context.currentState).toEqual(ready)
      expect(outcome.right.session.context.history).toEqual(history)
    }))

  it.effect("a delegation pushes the caller on the stack, and the context announces the stack to come", () =>
    Effect.gen(function*() {
      const session = sessionAt({ active: triage, state: ready })
      const { outcome } = yield* run(session, { from: triage, to: hotels, mode: "delegate" })
      if (outcome._tag === "Left") throw outcome.left
      expect(outcome.right.session.currentAgent).toBe(hotels)
      expect(outcome.right.session.agentStack).toEqual([triage])
      expect(outcome.right.context.agentStack).toEqual([triage])
    }))

  it.effect("a return pops the caller back, needing neither an edge nor approval", () =>
    Effect.gen(function*() {
      const denyAll = Handoff.make({
        registry,
        stateSchema: TripState,
        defaultApproval: HandoffApproval.rule("never", () => "no handoffs today")
      })
      const session = sessionAt({ active: hotels, stack: [triage, flights], state: ready })
      const { events, outcome } = yield* run(session, { from: hotels, to: flights, mode: "return" }, {
        handoff: denyAll
      })
      if (outcome._tag === "Left") throw outcome.left
      expect(outcome.right.session.currentAgent).toBe(flights)
      expect(outcome.right.session.agentStack).toEqual([triage])
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffCompleted"])
    }))

  it.effect("the handoff id names the session version and the attempt", () =>
    Effect.gen(function*() {
      const session = sessionAt({ active: triage, state: ready })
      const { outcome } = yield* run(session, { from: triage, to: hotels, mode: "transfer" }, { attempt: 2 })
      if (outcome._tag === "Left") throw outcome.left
      expect(outcome.right.result.handoffId).toBe("s-1/v3/h2")
      expect(outcome.right.context.handoffId).toBe("s-1/v3/h2")
    }))
})

describe("Handoff.execute: validation", () => {
  it.effect("rejects an edge the sender does not declare", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: hotels, state: ready }), {
        from: hotels,
        to: triage,
        mode: "transfer"
      })
      expect(reasons).toEqual([`"hotels" may not hand off to "triage" (allowed: booking)`])
    }))

  it.effect("rejects an unknown target", () =>
    Effect.gen(function*() {
      const ghost = Ids.agentId("ghost")
      const reasons = yield* rejectionOf(sessionAt({ active: triage, state: ready }), {
        from: triage,
        to: ghost,
        mode: "transfer"
      })
      expect(reasons).toContain(`the target agent "ghost" is not registered`)
    }))

  it.effect("rejects an unknown sender", () =>
    Effect.gen(function*() {
      const ghost = Ids.agentId("ghost")
      const reasons = yield* rejectionOf(sessionAt({ active: ghost, state: ready }), {
        from: ghost,
        to: triage,
        mode: "transfer"
      })
      expect(reasons).toEqual([`the sending agent "ghost" is not registered`])
    }))

  it.effect("rejects a sender that is not the active agent", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: triage, state: ready }), {
        from: flights,
        to: hotels,
        mode: "transfer"
      })
      expect(reasons).toEqual([`"flights" is not the active agent (active: triage)`])
    }))

  it.effect("rejects a target whose required context keys are missing, one reason per key", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: triage, state: encodeTrip({ travellers: [] }) }), {
        from: triage,
        to: booking,
        mode: "transfer"
      })
      expect(reasons).toEqual([
        `"booking" needs "destination" in the conversation state, and it is missing`,
        `"booking" needs "departure" in the conversation state, and it is missing`
      ])
    }))

  it.effect("rejects a state that does not decode with the application's schema", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: triage, state: { ...ready, travellers: "Ada" } }), {
        from: triage,
        to: hotels,
        mode: "transfer"
      })
      expect(reasons).toHaveLength(1)
      expect(reasons[0]).toMatch(/^the conversation state does not decode: .*travellers/s)
    }))

  it.effect("rejects a delegation to an agent already on the stack", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: flights, stack: [triage], state: ready }), {
        from: flights,
        to: triage,
        mode: "delegate"
      })
      expect(reasons).toEqual(["triage is already on the agent stack; delegating to it would make a loop"])
    }))

  it.effect("rejects a transfer to an agent waiting on the stack", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: flights, stack: [triage], state: ready }), {
        from: flights,
        to: triage,
        mode: "transfer"
      })
      expect(reasons).toEqual([
        "triage is waiting on the agent stack for a delegated agent to return; transfer would make a loop"
      ])
    }))

  it.effect("rejects a return with an empty stack", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: flights, state: ready }), {
        from: flights,
        to: triage,
        mode: "return"
      })
      expect(reasons).toEqual(["there is no caller to return to: the agent stack is empty"])
    }))

  it.effect("rejects a return to an agent that is not the caller on top of the stack", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(sessionAt({ active: hotels, stack: [triage, flights], state: ready }), {
        from: hotels,
        to: triage,
        mode: "return"
      })
      expect(reasons).toEqual(["the caller on top of the stack is flights, not triage"])
    }))

  it.effect("lists every reason at once", () =>
    Effect.gen(function*() {
      // hotels is not active, may not reach flights, flights waits on the stack,
      // needs a destination, and the state does not decode.
      const session = sessionAt({ active: triage, stack: [flights], state: { travellers: 42 } })
      const reasons = yield* rejectionOf(session, { from: hotels, to: flights, mode: "transfer" })
      expect(reasons).toHaveLength(5)
      expect(reasons[0]).toBe(`"hotels" is not the active agent (active: triage)`)
      expect(reasons[1]).toBe(`"hotels" may not hand off to "flights" (allowed: booking)`)
      expect(reasons[2]).toContain("flights is waiting on the agent stack")
      expect(reasons[3]).toBe(`"flights" needs "destination" in the conversation state, and it is missing`)
      expect(reasons[4]).toMatch(/^the conversation state does not decode/)
    }))

  it.effect("rejects a state the JSON wire cannot carry instead of failing the turn", () =>
    Effect.gen(function*() {
      const reasons = yield* rejectionOf(
        sessionAt({ active: triage, state: { ...ready, budget: 10n } }),
        { from: triage, to: hotels, mode: "transfer" }
      )
      expect(reasons).toHaveLength(1)
      expect(reasons[0]).toMatch(/^the handoff context does not survive its JSON wire form: .*BigInt/s)
    }))

  it.effect("a rejection consults no approver", () =>
    Effect.gen(function*() {
      let asked = 0
      const counting = Handoff.make({
        registry,
        stateSchema: TripState,
        defaultApproval: { decide: () => Effect.sync(() => (asked++, { _tag: "Approved", by: "counter" } as const)) }
      })
      const { outcome } = yield* run(sessionAt({ active: hotels, state: ready }), {
        from: hotels,
        to: triage,
        mode: "transfer"
      }, { handoff: counting })
      expect(outcome._tag).toBe("Left")
      expect(asked).toBe(0)
    }))
})

describe("Handoff.execute: transfer verification", () => {
  it.effect("a state that changes on the wire fails the checksum and is rejected at transfer", () =>
    Effect.gen(function*() {
      // A decoded Date stored where its encoded string belongs: JSON turns it into a string.
      const session = sessionAt({
        active: triage,
        state: { destination: "Lisbon", departure: new Date("2030-05-01T08:00:00.000Z"), travellers: [] }
      })
      const { events, outcome } = yield* run(session, { from: triage, to: hotels, mode: "transfer" })
      if (outcome._tag === "Right") throw new Error("expected the transfer to be rejected")
      expect(outcome.left).toBeInstanceOf(HandoffRejected)
      expect(outcome.left).toMatchObject({
        stage: "transfer",
        reasons: ["the state that arrived does not match the checksum the sender computed"]
      })
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffApproved", "HandoffRejected"])
      expect(events[2]).toMatchObject({ stage: "transfer", by: "protocol" })
    }))
})

// Corruptions of a context's wire form (its JSON), each of something the
// receiver reads; `false` when it does not apply to this context.
type Wire = {
  currentState: Record<string, unknown>
  conversationHistory: { summary: string | null; summarisedCount: number; recent: Array<{ content: string; role: string }>; totalMessages: number; lastMessageId: string | null }
  preferences: Record<string, unknown>
  agentStack: Array<string>
  searchContext: Record<string, unknown>
  checksum: string
  to: string
}
const corruptions: ReadonlyArray<(wire: Wire, index: number, text: string) => boolean> = [
  (wire, _, text) => wire.currentState.destination !== text && ((wire.currentState.destination = text), true),
  (wire, index) => ((wire.currentState.budget = Number(wire.currentState.budget ?? 0) + 1 + index), true),
  (wire, index, text) => {
    const message = wire.conversationHistory.recent[index % Math.max(1, wire.conversationHistory.recent.length)]
    return message !== undefined && message.content !== text && ((message.content = text), true)
  },
  (wire, index) => wire.conversationHistory.recent.splice(index % Math.max(1, wire.conversationHistory.recent.length), 1).length > 0,
  (wire, index) => {
    const message = wire.conversationHistory.recent[index % Math.max(1, wire.conversationHistory.recent.length)]
    return message !== undefined && ((message.role = message.role === "user" ? "agent" : "user"), true)
  },
  (wire, index) => ((wire.conversationHistory.totalMessages += 1 + index), true),
  (wire, _, text) => wire.conversationHistory.lastMessageId !== text && ((wire.conversationHistory.lastMessageId = text), true),
  (wire, index) => ((wire.conversationHistory.summarisedCount += 1 + index), true),
  (wire, _, text) => wire.conversationHistory.summary !== text && ((wire.conversationHistory.summary = text), true),
  (wire, _, text) => ((wire.preferences[`added-${text}`] = text), true),
  (wire) => (wire.agentStack.push("hotels"), true),
  (wire, _, text) => ((wire.searchContext[`added-${text}`] = text), true),
  (wire, _, text) => wire.checksum !== text && ((wire.checksum = text), true),
  (wire) => ((wire.to = wire.to === "hotels" ? "booking" : "hotels"), true)
]

describe("Handoff.verifyTransfer (properties)", () => {
  const wireForm = Schema.encodeSync(HandoffContext)
  const fromWire = Schema.decodeUnknownSync(HandoffContext)
  const handedOver = (length: number, to: Ids.AgentId) =>
    Effect.runSync(Effect.gen(function*() {
      const session = sessionAt({ active: triage, state: ready, history: messagesOf(length, (i) => `said ${i}`) })
      const { outcome } = yield* run(session, { from: triage, to, mode: "transfer" })
      if (outcome._tag === "Left") throw outcome.left
      return { context: outcome.right.context, history: session.context.history }
    }))
  const contexts = fc.record({ length: fc.nat({ max: 12 }), to: fc.constantFrom(flights, hotels) })

  it("a context that arrives as it was sent is preserved", () =>
    fc.assert(fc.property(contexts, ({ length, to }) => {
      const { context, history } = handedOver(length, to)
      const wire = JSON.parse(JSON.stringify(wireForm(context)))
      expect(Handoff.verifyTransfer(context, fromWire(wire), history)).toEqual([])
    })))

  it("any corruption of what the receiver reads, on the wire, is caught", () =>
    fc.assert(fc.property(
      contexts,
      fc.nat({ max: corruptions.length - 1 }),
      fc.nat({ max: 20 }),
      fc.string({ minLength: 1, maxLength: 12 }),
      ({ length, to }, which, index, text) => {
        const { context, history } = handedOver(length, to)
        const wire = JSON.parse(JSON.stringify(wireForm(context))) as Wire
        fc.pre(corruptions[which]!(wire, index, text))
        expect(Handoff.verifyTransfer(context, fromWire(wire), history)).not.toEqual([])
      }
    )))
})

describe("Handoff.execute: depth bounds", () => {
  it.effect("more handoffs in one turn than the bound fail with a turn bound", () =>
    Effect.gen(function*() {
      const looping = Handoff.make({ registry, stateSchema: TripState, maxHandoffsPerTurn: 3 })
      const chain = [triage, flights, triage, flights]
      const { events, outcome } = yield* run(
        sessionAt({ active: flights, state: ready }),
        { from: flights, to: triage, mode: "transfer" },
        { handoff: looping, chain }
      )
      if (outcome._tag === "Right") throw new Error("expected the loop to be cut")
      expect(outcome.left).toBeInstanceOf(HandoffDepthExceeded)
      expect(outcome.left).toMatchObject({ bound: "turn", limit: 3, chain: [...chain, triage] })
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffRejected"])
      expect(events[1]).toMatchObject({ stage: "depth", by: "protocol", reasons: [outcome.left.message] })
    }))

  it.effect("the last handoff within the turn bound still goes through", () =>
    Effect.gen(function*() {
      const looping = Handoff.make({ registry, stateSchema: TripState, maxHandoffsPerTurn: 3 })
      const { outcome } = yield* run(
        sessionAt({ active: flights, state: ready }),
        { from: flights, to: triage, mode: "transfer" },
        { handoff: looping, chain: [triage, flights, triage] }
      )
      expect(outcome._tag).toBe("Right")
    }))

  it.effect("a delegation deeper than the stack bound fails with a stack bound", () =>
    Effect.gen(function*() {
      const shallow = Handoff.make({ registry, stateSchema: TripState, maxDepth: 2 })
      const session = sessionAt({ active: hotels, stack: [triage, flights], state: ready })
      const { outcome } = yield* run(session, { from: hotels, to: booking, mode: "delegate" }, { handoff: shallow })
      if (outcome._tag === "Right") throw new Error("expected the delegation to be cut")
      expect(outcome.left).toBeInstanceOf(HandoffDepthExceeded)
      expect(outcome.left).toMatchObject({ bound: "stack", limit: 2, chain: [triage, flights, hotels, booking] })
    }))

  it.effect("a transfer at the stack bound is not a delegation and goes through", () =>
    Effect.gen(function*() {
      const shallow = Handoff.make({ registry, stateSchema: TripState, maxDepth: 2 })
      const session = sessionAt({ active: hotels, stack: [triage, flights], state: ready })
      const { outcome } = yield* run(session, { from: hotels, to: booking, mode: "transfer" }, { handoff: shallow })
      if (outcome._tag === "Left") throw outcome.left
      expect(outcome.right.session.agentStack).toEqual([triage, flights])
      expect(outcome.right.session.currentAgent).toBe(booking)
    }))
})
