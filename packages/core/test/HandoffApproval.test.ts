import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as AgentRegistry from "../src/AgentRegistry.js"
import type { HandoffRejected } from "../src/Errors.js"
import * as Handoff from "../src/Handoff.js"
import * as HandoffApproval from "../src/HandoffApproval.js"
import type { HandoffContext } from "../src/HandoffContext.js"
import type { AgentId } from "../src/Ids.js"
import { agent, booking, encodeTrip, flights, hotels, recordingAudit, sessionAt, tagsOf, triage, TripState } from "./fixtures.js"

const registry = AgentRegistry.make([
  agent(triage, ["help"], { handoffTargets: [flights, hotels] }),
  agent(flights, ["flight"], { handoffTargets: [booking] }),
  agent(hotels, ["hotel"]),
  agent(booking, ["book"])
])

const withDestination = encodeTrip({ destination: "Lisbon", travellers: ["Ada"] })

const execute = (
  handoff: Handoff.Handoff,
  to: AgentId,
  options: { readonly state?: unknown; readonly from?: AgentId; readonly stack?: ReadonlyArray<AgentId> } = {}
) => {
  const { audit, events } = recordingAudit()
  const from = options.from ?? triage
  const session = sessionAt({ active: from, stack: options.stack ?? [], state: options.state ?? withDestination })
  return Effect.map(
    Effect.either(
      handoff.execute({
        session,
        request: { from, to, mode: "transfer", initiator: "agent", reason: "the user asked" },
        chain: [from],
        attempt: 0
      }, audit)
    ),
    (outcome) => ({ outcome, events })
  )
}

const approvalRejection = (outcome: { readonly _tag: "Left"; readonly left: unknown } | { readonly _tag: "Right" }) => {
  if (outcome._tag === "Right") throw new Error("expected the handoff to be denied")
  const error = outcome.left as HandoffRejected
  expect(error._tag).toBe("HandoffRejected")
  expect(error.stage).toBe("approval")
  return error.reasons
}

describe("HandoffApproval policies in a handoff", () => {
  it.effect("without a policy the handoff is approved automatically, and the approval is audited", () =>
    Effect.gen(function*() {
      const { events, outcome } = yield* execute(Handoff.make({ registry }), flights)
      expect(outcome._tag).toBe("Right")
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffApproved", "HandoffCompleted"])
      expect(events[1]).toMatchObject({ by: "automatic", handoffId: "s-1/v3/h0" })
    }))

  it.effect("a rule denies with its reason, and the denial is audited with the rule's name", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        stateSchema: TripState,
        approval: {
          [HandoffApproval.edge(triage, flights)]: HandoffApproval.rule("has-destination", (context) =>
            (context.currentState as { destination?: string }).destination !== undefined || "pick a destination first")
        }
      })
      const { events, outcome } = yield* execute(handoff, flights, { state: encodeTrip({ travellers: [] }) })
      expect(approvalRejection(outcome)).toEqual(["pick a destination first"])
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffRejected"])
      expect(events[1]).toMatchObject({
        stage: "approval",
        by: "rule:has-destination",
        reasons: ["pick a destination first"]
      })
    }))

  it.effect("a rule that passes approves, audited with the rule's name", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        approval: { [HandoffApproval.edge(triage, flights)]: HandoffApproval.rule("always", () => true) }
      })
      const { events, outcome } = yield* execute(handoff, flights)
      expect(outcome._tag).toBe("Right")
      expect(events[1]).toMatchObject({ _tag: "HandoffApproved", by: "rule:always" })
    }))

  it.effect("a per-edge policy applies to its edge only; other edges use the default policy", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        approval: { [HandoffApproval.edge(triage, flights)]: HandoffApproval.rule("flights-closed", () => "closed") },
        defaultApproval: HandoffApproval.rule("default", () => true)
      })
      const toHotels = yield* execute(handoff, hotels)
      expect(toHotels.outcome._tag).toBe("Right")
      expect(toHotels.events[1]).toMatchObject({ _tag: "HandoffApproved", by: "rule:default" })
      const toFlights = yield* execute(handoff, flights)
      expect(approvalRejection(toFlights.outcome)).toEqual(["closed"])
    }))

  it.effect("the policy sees the context that is about to be sent", () =>
    Effect.gen(function*() {
      const seen: Array<HandoffContext> = []
      const handoff = Handoff.make({
        registry,
        defaultApproval: { decide: (context) => Effect.sync(() => (seen.push(context), { _tag: "Approved", by: "spy" })) }
      })
      const { outcome } = yield* execute(handoff, hotels)
      if (outcome._tag === "Left") throw outcome.left
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({ from: triage, to: hotels, mode: "transfer", currentState: withDestination })
      expect(seen[0]!.checksum).toBe(outcome.right.context.checksum)
    }))

  it.effect("an asynchronous approver that agrees approves; the wait is the handoff's duration", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        defaultApproval: HandoffApproval.approver("alice", () => Effect.as(Effect.sleep("5 seconds"), true), "1 minute")
      })
      const fiber = yield* Effect.fork(execute(handoff, hotels))
      yield* TestClock.adjust("5 seconds")
      const { events, outcome } = yield* Fiber.join(fiber)
      expect(outcome._tag).toBe("Right")
      expect(events[1]).toMatchObject({ _tag: "HandoffApproved", by: "approver:alice", durationMs: 5000 })
    }))

  it.effect("an approver that declines denies the handoff", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        defaultApproval: HandoffApproval.approver("bob", () => Effect.succeed(false), "1 minute")
      })
      const { events, outcome } = yield* execute(handoff, hotels)
      expect(approvalRejection(outcome)).toEqual(["the approver declined"])
      expect(events[1]).toMatchObject({ _tag: "HandoffRejected", by: "approver:bob", stage: "approval" })
    }))

  it.effect("an approver that answers with a reason denies with that reason", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        defaultApproval: HandoffApproval.approver("carol", () => Effect.succeed("hotels are out of budget"), "1 minute")
      })
      const { outcome } = yield* execute(handoff, hotels)
      expect(approvalRejection(outcome)).toEqual(["hotels are out of budget"])
    }))

  it.effect("an approver that does not answer in time rejects the handoff when the timeout elapses", () =>
    Effect.gen(function*() {
      const handoff = Handoff.make({
        registry,
        defaultApproval: HandoffApproval.approver("dave", () => Effect.never, "30 seconds")
      })
      const fiber = yield* Effect.fork(execute(handoff, hotels))
      yield* TestClock.adjust("29 seconds")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 second")
      const { events, outcome } = yield* Fiber.join(fiber)
      expect(approvalRejection(outcome)).toEqual(["no approval within 30s"])
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffRejected"])
      expect(events[1]).toMatchObject({ by: "approver:dave", stage: "approval", durationMs: 30_000 })
    }))

  it.effect("returns to a caller need no approval", () =>
    Effect.gen(function*() {
      let asked = 0
      const handoff = Handoff.make({
        registry,
        defaultApproval: { decide: () => Effect.sync(() => (asked++, { _tag: "Denied", by: "nobody", reason: "no" } as const)) }
      })
      const { audit, events } = recordingAudit()
      const done = yield* handoff.execute({
        session: sessionAt({ active: flights, stack: [triage], state: withDestination }),
        request: { from: flights, to: triage, mode: "return", initiator: "agent", reason: "done" },
        chain: [flights],
        attempt: 0
      }, audit)
      expect(done.session.currentAgent).toBe(triage)
      expect(asked).toBe(0)
      expect(tagsOf(events)).toEqual(["HandoffRequested", "HandoffCompleted"])
    }))
})

describe("HandoffApproval.edge", () => {
  it("names an edge as from->to", () => {
    expect(HandoffApproval.edge("triage", "flights")).toBe("triage->flights")
  })
})
