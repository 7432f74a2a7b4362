import { type BatonEvent, type Conversation, type HandoffResult, Ids, Message, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as ChatLines from "../../src/chat/ChatLines.js"
import * as ChatState from "../../src/chat/ChatState.js"

const sessionId = Ids.sessionId("s1")
const agents = [
  { id: "triage", name: "Triage", description: "" },
  { id: "flights", name: "Flights", description: "" }
]
const initial = ChatState.initial({ appName: "App", sessionId: "s1", userId: "ana", store: "memory", agents })

const handoff: HandoffResult.HandoffResult = {
  handoffId: "h1",
  success: true,
  from: Ids.agentId("triage"),
  to: Ids.agentId("flights"),
  newAgentId: Ids.agentId("flights"),
  mode: "transfer",
  initiator: "router",
  reason: "matched",
  contextPreserved: true,
  executionTimeMs: 1.25,
  errors: []
}

const message = (index: number, role: "user" | "agent", content: string, agent?: string): Message.Message => ({
  id: Message.idAt(sessionId, index),
  role,
  content,
  time: 0,
  ...(agent === undefined ? {} : { agent: Ids.agentId(agent) })
})

const called = (service: string, outcome: "ok" | "error", durationMs: number): BatonEvent.BatonEvent => ({
  _tag: "ToolCalled",
  at: 0,
  service,
  tool: "search",
  instance: "1",
  outcome,
  durationMs
})

describe("ChatState", () => {
  it("puts a turn's messages and handoffs in order, then the notes its events raised", () => {
    const result: Conversation.TurnResult = {
      sessionId,
      reply: "Here are flights",
      agent: Ids.agentId("flights"),
      messages: [],
      timeline: [
        { _tag: "Message", message: message(1, "agent", "Passing you on", "triage") },
        { _tag: "Handoff", handoff },
        { _tag: "Message", message: message(2, "agent", "Here are flights", "flights") }
      ],
      route: { agent: Ids.agentId("flights"), confidence: 1, strategy: "s", reasoning: "r", sticky: false, fallback: false, alternatives: [] },
      handoffs: [handoff],
      degradations: [],
      version: 1,
      durationMs: 3
    }
    const steps: Array<ChatState.Action> = [
      { _tag: "UserSent", text: "flights please" },
      { _tag: "Event", event: called("flights", "ok", 12.5) },
      {
        _tag: "Event",
        event: { _tag: "FallbackUsed", at: 0, service: "weather", error: "served a stale result (5 ms old): down" }
      },
      { _tag: "Event", event: called("weather", "error", 3) },
      { _tag: "TurnDone", result }
    ]
    const state = steps.reduce(ChatState.reduce, initial)
    expect(state.busy).toBe(false)
    expect(state.agent).toBe("flights")
    expect(state.entries.flatMap((entry) => ChatLines.entry(state, entry))).toEqual([
      "you: flights please",
      "Triage: Passing you on",
      "↪ handoff triage → flights (transfer) — router: matched — 1.250 ms — context preserved ✓",
      "Flights: Here are flights",
      "⚠ weather: served a stale result (5 ms old): down"
    ])
    expect(state.trail).toEqual([handoff])
    expect(state.notes).toEqual(["weather: served a stale result (5 ms old): down"])
    expect(state.services.map(({ calls, errors, lastMs, lastOutcome, name, recent }) => ({ name, calls, errors, recent, lastOutcome, lastMs })))
      .toEqual([
        { name: "flights", calls: 1, errors: 0, recent: [true], lastOutcome: "ok", lastMs: 12.5 },
        { name: "weather", calls: 1, errors: 1, recent: [false], lastOutcome: "error", lastMs: 3 }
      ])
  })

  it("tracks breaker states and health scores, and ignores the chat's own control calls", () => {
    const state = [
      { _tag: "Event", event: called("weather", "ok", 1) },
      { _tag: "Event", event: { ...called("weather", "ok", 1), tool: "_control" } },
      { _tag: "Event", event: { _tag: "BreakerTransition", at: 0, service: "weather", from: "closed", to: "open", reason: "5 failures" } },
      { _tag: "Health", scores: { weather: 0.25 } }
    ].reduce((state, action) => ChatState.reduce(state, action as ChatState.Action), initial)
    expect(state.services).toEqual([
      { name: "weather", calls: 1, errors: 0, recent: [true], lastOutcome: "ok", lastMs: 1, breaker: "open", health: 0.25 }
    ])
    // Outside a turn a note shows at once.
    expect(state.entries.at(-1)).toEqual({ _tag: "Note", text: "weather: circuit breaker opened (5 failures)" })
  })

  it("rebuilds a stored session's conversation and trail, handoffs after the message that caused them", () => {
    const events: Array<BatonEvent.BatonEvent> = [
      { _tag: "TurnStarted", sessionId, at: 0, userId: Ids.userId("ana"), text: "hi" },
      { _tag: "TurnCompleted", sessionId, at: 0, agent: Ids.agentId("triage"), handoffs: 0, durationMs: 1, version: 1 },
      { _tag: "TurnStarted", sessionId, at: 1, userId: Ids.userId("ana"), text: "flights" },
      {
        _tag: "HandoffRequested",
        sessionId,
        at: 1,
        handoffId: "h1",
        from: Ids.agentId("triage"),
        to: Ids.agentId("flights"),
        mode: "transfer",
        initiator: "router",
        reason: "matched"
      },
      {
        _tag: "HandoffCompleted",
        sessionId,
        at: 1,
        handoffId: "h1",
        from: Ids.agentId("triage"),
        to: Ids.agentId("flights"),
        mode: "transfer",
        contextPreserved: true,
        durationMs: 1.25
      }
    ]
    const byTurn = ChatState.handoffsFromEvents(events)
    expect(byTurn).toEqual([[], [handoff]])
    const stored: SessionState.SessionState = {
      ...SessionState.empty({ sessionId, userId: Ids.userId("ana"), state: {}, now: 0 }),
      currentAgent: Ids.agentId("flights"),
      context: {
        ...SessionState.empty({ sessionId, userId: Ids.userId("ana"), state: {}, now: 0 }).context,
        history: [
          message(0, "user", "hi", "triage"),
          message(1, "agent", "Hello", "triage"),
          message(2, "user", "flights", "triage"),
          message(3, "agent", "Here are flights", "flights")
        ]
      }
    }
    const state = ChatState.reduce(initial, { _tag: "Restored", sessionId: "s2", session: stored, handoffs: byTurn })
    expect(state.sessionId).toBe("s2")
    expect(state.agent).toBe("flights")
    expect(state.trail).toEqual([handoff])
    expect(state.entries.flatMap((entry) => ChatLines.entry(state, entry))).toEqual([
      "session s2: 4 earlier messages",
      "you: hi",
      "Triage: Hello",
      "you: flights",
      "↪ handoff triage → flights (transfer) — router: matched — 1.250 ms — context preserved ✓",
      "Flights: Here are flights"
    ])
  })

  it("a failed turn says its message was not saved, shows it to send again, and is counted", () => {
    const state = [
      { _tag: "UserSent", text: "book the 4111 1111 1111 1111 flight" },
      { _tag: "TurnFailed", reason: "Session \"s1\" changed concurrently", text: "book the 4111 1111 1111 1111 flight" },
      { _tag: "UserSent", text: "hello" },
      { _tag: "TurnFailed", reason: "Agent \"greeter\" failed: broke", text: "hello" }
    ].reduce((state, action) => ChatState.reduce(state, action as ChatState.Action), initial)
    expect(state.failedTurns).toBe(2)
    expect(state.busy).toBe(false)
    expect(state.entries.flatMap((entry) => ChatLines.entry(state, entry))).toEqual([
      "you: book the **** **** **** 1111 flight",
      "error: the turn failed: Session \"s1\" changed concurrently",
      "  your message was not saved — send it again: book the **** **** **** 1111 flight",
      "you: hello",
      "error: the turn failed: Agent \"greeter\" failed: broke",
      "  your message was not saved — send it again: hello"
    ])
  })

  it("names partial workflows, optional steps that failed and retries given up as degradation", () => {
    const base = { at: 0, workflow: "trip-search", runId: "r" }
    expect(ChatState.noteOf({ _tag: "StepFailed", ...base, step: "weather", optional: true, error: "down", durationMs: 1 }))
      .toBe("trip-search: optional step weather failed (down); carried on without it")
    expect(ChatState.noteOf({ _tag: "StepFailed", ...base, step: "flights", optional: false, error: "down", durationMs: 1 }))
      .toBeUndefined()
    expect(
      ChatState.noteOf({
        _tag: "WorkflowCompleted",
        ...base,
        status: "partial",
        completed: 3,
        failed: 1,
        skipped: 0,
        compensated: 0,
        durationMs: 1
      })
    ).toBe("trip-search: partial — 3 step(s) done, 1 failed")
    expect(
      ChatState.noteOf({ _tag: "RetryGaveUp", at: 0, service: "flights", retries: 2, reason: "schedule-exhausted", error: "503" })
    ).toBe("flights: gave up after 2 retries (schedule-exhausted): 503")
    expect(ChatState.noteOf(called("flights", "error", 1))).toBeUndefined()
  })
})
