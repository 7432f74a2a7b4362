import { type Conversation, type HandoffResult, Ids, Message } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Run from "../src/commands/Run.js"
import type { FailedTurn, Played } from "../src/ScenarioPlayer.js"

const sessionId = Ids.sessionId("s")
const card = "4111 1111 1111 1111"
const dotted = "4111.1111.1111.1111"

const handoff: HandoffResult.HandoffResult = {
  handoffId: "s/v0/h-1",
  success: false,
  from: Ids.agentId("triage"),
  to: Ids.agentId("booking"),
  newAgentId: Ids.agentId("triage"),
  mode: "transfer",
  initiator: "agent",
  reason: `pay with ${dotted}`,
  contextPreserved: true,
  executionTimeMs: 0.1,
  errors: [`declined ${card}, CVV 123`]
}

const reply = `Charged ${card} (CVV 123)\u001b[2J and \u202eback`

const result: Conversation.TurnResult = {
  sessionId,
  reply,
  agent: Ids.agentId("booking"),
  messages: [{ id: Message.idAt(sessionId, 1), role: "agent", agent: Ids.agentId("booking"), content: reply, time: 0 }],
  timeline: [],
  route: { agent: Ids.agentId("booking"), confidence: 1, reasoning: "", alternatives: [], strategy: "t", sticky: true, fallback: false },
  handoffs: [handoff],
  degradations: [],
  version: 1,
  durationMs: 1
}

const played: Played = {
  scenario: { name: "cards", userId: "ana", sessionId: "s", turns: [{ text: `pay with ${card} CVV 123` }] },
  agentNames: new Map(),
  turns: [{
    index: 1,
    text: `pay with ${card} CVV 123`,
    sessionId: "s",
    userId: "ana",
    newSession: false,
    result,
    checks: [{ expectation: "replyContains", expected: dotted, actual: reply, met: false }]
  }],
  failure: Option.some({
    index: 2,
    text: `and ${dotted}`,
    sessionId: "s",
    error: { _tag: "Forbidden", message: `refused ${card}` } as unknown as FailedTurn["error"]
  }),
  summary: {
    turns: 1,
    handoffs: 0,
    refused: 1,
    nested: 0,
    contextsPreserved: true,
    expectationsMet: 0,
    expectations: 1,
    durationMs: 1,
    passed: false
  }
}

describe("baton run --json", () => {
  const json = Run.asJson("App", "memory", played)

  it("masks card numbers and verification codes in the turn's text, reply, handoffs, checks and failure", () => {
    expect(json).not.toMatch(/4111[ .]?1111[ .]?1111|CVV 123/)
    const parsed = JSON.parse(json)
    expect(parsed.turns[0].text).toBe("pay with **** **** **** 1111 CVV ***")
    expect(parsed.turns[0].handoffs[0].errors).toEqual(["declined **** **** **** 1111, CVV ***"])
    expect(parsed.failure.message).toBe("refused **** **** **** 1111")
  })

  it("keeps control characters in the text as they are: JSON escapes them", () => {
    const parsed = JSON.parse(json)
    expect(parsed.turns[0].reply).toBe("Charged **** **** **** 1111 (CVV ***)\u001b[2J and \u202eback")
    expect(json).not.toContain("\u001b")
  })
})
