import { type Conversation, type HandoffResult, Ids, Message, type Scenario } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import type { FailedTurn, PlayedTurn, Summary } from "../src/ScenarioPlayer.js"
import * as Style from "../src/Style.js"
import * as Transcript from "../src/Transcript.js"

const sessionId = Ids.sessionId("s")

const said = (index: number, agent: string, content: string): Message.Message => ({
  id: Message.idAt(sessionId, index),
  role: "agent",
  agent: Ids.agentId(agent),
  content,
  time: 0
})

const handoff = (
  from: string,
  to: string,
  options: Partial<Pick<HandoffResult.HandoffResult, "mode" | "initiator" | "success" | "contextPreserved" | "errors">> = {}
): HandoffResult.HandoffResult => ({
  handoffId: `s/v0/h-${from}-${to}`,
  success: options.success ?? true,
  from: Ids.agentId(from),
  to: Ids.agentId(to),
  newAgentId: Ids.agentId(options.success === false ? from : to),
  mode: options.mode ?? "transfer",
  initiator: options.initiator ?? "agent",
  reason: `${from} wants ${to}`,
  contextPreserved: options.contextPreserved ?? true,
  executionTimeMs: 0.1234,
  errors: options.errors ?? []
})

// A turn result from its timeline, in the order things happened.
const result = (timeline: ReadonlyArray<Message.Message | HandoffResult.HandoffResult>): Conversation.TurnResult => {
  const messages = timeline.filter((entry): entry is Message.Message => "content" in entry)
  return {
    sessionId,
    reply: messages[messages.length - 1]?.content ?? "",
    agent: messages[messages.length - 1]?.agent ?? Ids.agentId("booking"),
    messages,
    timeline: timeline.map((entry) =>
      "content" in entry ? { _tag: "Message", message: entry } : { _tag: "Handoff", handoff: entry }
    ),
    route: { agent: Ids.agentId("booking"), confidence: 1, reasoning: "", alternatives: [], strategy: "test", sticky: true, fallback: false },
    handoffs: timeline.filter((entry): entry is HandoffResult.HandoffResult => "handoffId" in entry),
    degradations: [],
    version: 1,
    durationMs: 1.5
  }
}

// The demo's nested turn: the router moves to booking, booking delegates to budget, budget returns.
const nested = result([
  handoff("accommodations", "booking", { initiator: "router" }),
  said(1, "booking", "Let me check the budget."),
  handoff("booking", "budget", { mode: "delegate" }),
  said(2, "budget", "Within budget."),
  handoff("budget", "booking", { mode: "return" }),
  said(3, "booking", "Booked!")
])

const names = new Map([["booking", "Booking"], ["budget", "Budget"], ["accommodations", "Accommodations"]])

describe("Transcript.handoffLine", () => {
  it("shows direction, mode, reason, time and a preserved context", () => {
    expect(Transcript.handoffLine(handoff("booking", "budget", { mode: "delegate" }))).toBe(
      "  ↪ handoff booking → budget (delegate) — booking wants budget — 0.123 ms — context preserved ✓"
    )
  })

  it("says who decided when the router moved the conversation", () => {
    expect(Transcript.handoffLine(handoff("a", "b", { initiator: "router" }))).toContain("— router: a wants b —")
  })

  it("marks a lost context and a refused handoff", () => {
    expect(Transcript.handoffLine(handoff("a", "b", { contextPreserved: false }))).toMatch(/— context NOT preserved ✗$/)
    expect(Transcript.handoffLine(handoff("a", "b", { success: false, errors: ["b needs x", "b needs y"] }))).toBe(
      "  ↪ handoff a → b (transfer) — a wants b — refused ✗: b needs x; b needs y"
    )
  })
})

describe("Transcript.turn", () => {
  const played: PlayedTurn = {
    index: 5,
    text: "Book it",
    sessionId: "s",
    userId: "ana",
    newSession: false,
    result: nested,
    checks: [
      { expectation: "agent", expected: "booking", actual: "booking", met: true },
      { expectation: "replyContains", expected: "Booked!", actual: "Booked!", met: true }
    ]
  }

  it("labels the user and each agent by name, aligned", () => {
    const lines = Transcript.turn(played, { agentNames: names })
    expect(lines.slice(0, 5)).toEqual([
      "",
      "Turn 5 · 1.50 ms",
      "  you             Book it",
      "  ↪ handoff accommodations → booking (transfer) — router: accommodations wants booking — 0.123 ms — context preserved ✓",
      "  Booking         Let me check the budget."
    ])
    expect(lines[lines.length - 1]).toBe("  ✓ agent booking · reply mentions \"Booked!\"")
  })

  it("opens a turn sent in another session with a divider naming the session and the user", () => {
    const lines = Transcript.turn({ ...played, sessionId: "s-2", newSession: true }, { agentNames: names })
    expect(lines.slice(0, 4)).toEqual(["", "— new session s-2 for ana —", "", "Turn 5 · 1.50 ms"])
    expect(Transcript.turn(played, { agentNames: names })).not.toContain("— new session s for ana —")
  })

  it("shows the faults injected for the turn before what was said", () => {
    const lines = Transcript.turn({ ...played, faults: { weather: "error:rpc(-32050)@1" } }, { agentNames: names })
    expect(lines.slice(1, 4)).toEqual([
      "Turn 5 · 1.50 ms",
      "  ⚡ fault injected into weather for this turn: error:rpc(-32050)@1",
      "  you             Book it"
    ])
  })

  it("lists each unmet expectation", () => {
    const lines = Transcript.turn({
      ...played,
      checks: [
        { expectation: "agent", expected: "budget", actual: "booking", met: false },
        { expectation: "replyContains", expected: "Lisbon", actual: "Booked!", met: false }
      ]
    })
    expect(lines.slice(-2)).toEqual(["  ✗ expected agent budget, got booking", "  ✗ expected the reply to mention \"Lisbon\""])
  })

  it("indents the continuation lines of a message under its first line, and wraps to a width", () => {
    const lines = Transcript.turn(
      { ...played, result: result([said(1, "booking", "1) one\n2) two")]), checks: [] },
      { agentNames: names }
    )
    expect(lines.slice(-2)).toEqual(["  Booking         1) one", "                  2) two"])
    // 30 columns less the 7 of the label column leave 23 for the text.
    const wrapped = Transcript.turn({ ...played, text: "one two three four five six", checks: [] }, { width: 30 })
    expect(wrapped.slice(2, 4)).toEqual(["  you  one two three four five", "       six"])
  })

  it("colours only when asked to", () => {
    expect(Transcript.turn(played, { style: Style.plain }).join("\n")).not.toContain("\u001b[")
    expect(Transcript.turn(played, { style: Style.ansi }).join("\n")).toContain("\u001b[32mcontext preserved ✓\u001b[39m")
  })
})

describe("Transcript.summary", () => {
  const summary: Summary = {
    turns: 5,
    handoffs: 6,
    refused: 0,
    nested: 1,
    contextsPreserved: true,
    expectationsMet: 23,
    expectations: 23,
    durationMs: 12.345,
    passed: true
  }

  it("counts turns, handoffs, nested ones, preserved contexts, met expectations and time", () => {
    expect(Transcript.summary(summary, Option.none())).toEqual([
      "",
      "Summary",
      "  turns               5",
      "  handoffs            6 (1 nested)",
      "  contexts preserved  yes ✓",
      "  expectations        23 of 23 met ✓",
      "  total time          12.3 ms",
      "  result              PASS"
    ])
  })

  it("fails on a lost context or a missed expectation", () => {
    const failed = Transcript.summary(
      { ...summary, refused: 1, contextsPreserved: false, expectationsMet: 22, passed: false },
      Option.none()
    )
    expect(failed).toContain("  handoffs            6 (1 nested), 1 refused")
    expect(failed).toContain("  contexts preserved  no ✗")
    expect(failed).toContain("  expectations        22 of 23 met ✗")
    expect(failed).toContain("  result              FAIL")
  })
})

describe("Style.detect", () => {
  it("colours a terminal unless NO_COLOR or --no-color says otherwise", () => {
    expect(Style.detect({ isTTY: true, env: {} })).toBe(Style.ansi)
    expect(Style.detect({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(Style.plain)
    expect(Style.detect({ isTTY: true, env: {}, color: false })).toBe(Style.plain)
    expect(Style.detect({ isTTY: false, env: {} })).toBe(Style.plain)
  })
})

describe("Transcript.header", () => {
  const scenario: Scenario.Scenario = { name: "trip", userId: "ana", sessionId: "first", turns: [{ text: "hi" }, { text: "flights" }] }

  it("names the session, the user, the turns and how the tools are reached", () => {
    expect(Transcript.header("App", scenario, Style.plain, "stdio")).toEqual([
      "App — trip",
      "session first · user ana · 2 turns · tools over stdio"
    ])
  })

  it("counts the sessions when turns move to others", () => {
    const two: Scenario.Scenario = { ...scenario, turns: [...scenario.turns, { text: "back again", sessionId: "second" }] }
    expect(Transcript.header("App", two)[1]).toBe("session first · user ana · 3 turns in 2 sessions")
  })
})

describe("Transcript on stored or remote text", () => {
  const hostile = "\u001b[2J\u001b]0;owned\u0007gone\u0000 \u202eevil"
  const visible = "\\x1b[2J\\x1b]0;owned\\x07gone\\x00 \\u202eevil"
  const agentNames = new Map([["booking", `Book\u001b[31ming`]])
  const played: PlayedTurn = {
    index: 1,
    text: `you said ${hostile}`,
    sessionId: "s\u001b[1m",
    userId: "ana\u202e",
    newSession: true,
    result: result([
      { ...handoff("triage", "booking"), reason: `because ${hostile}` },
      said(1, "booking", `replied ${hostile}\nsecond line`),
      handoff("booking", "budget", { success: false, errors: [`no ${hostile}`] })
    ]),
    checks: [{ expectation: "agent", expected: `budget${hostile}`, actual: `booking\n${hostile}`, met: false }],
    faults: { [`weather${hostile}`]: `hang${hostile}` }
  }

  it("writes control characters in the user's text, replies, names, reasons, errors, checks and faults as visible escapes", () => {
    const lines = Transcript.turn(played, { agentNames })
    const text = lines.join("\n")
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    // The escaped name is 15 characters wide: labels pad to it, continuation lines indent past it.
    expect(lines).toContain(`  ${"you".padEnd(15)}  you said ${visible}`)
    expect(lines).toContain(`  Book\\x1b[31ming  replied ${visible}`)
    expect(lines).toContain(`${" ".repeat(19)}second line`)
    expect(text).toContain(`— because ${visible} —`)
    expect(text).toContain(`refused ✗: no ${visible}`)
    expect(text).toContain(`expected agent budget${visible}, got booking\\x0a${visible}`)
    expect(text).toContain(`fault injected into weather${visible} for this turn: hang${visible}`)
    expect(text).toContain("— new session s\\x1b[1m for ana\\u202e —")
  })

  it("writes control characters in a failed turn's text and error, and in the header, as visible escapes", () => {
    const failed = Transcript.failure({
      index: 2,
      text: `hello ${hostile}`,
      sessionId: "s",
      error: { _tag: "Forbidden", message: `denied ${hostile}` } as unknown as FailedTurn["error"]
    })
    expect(failed.join("\n")).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(failed).toContain(`  you  hello ${visible}`)
    expect(failed.at(-1)).toContain(`the turn failed: denied ${visible}`)
    const header = Transcript.header(`App${hostile}`, { name: `trip${hostile}`, userId: "ana\u0000", sessionId: "s", turns: [{ text: "hi" }] })
    expect(header).toEqual([`App${visible} — trip${visible}`, "session s · user ana\\x00 · 1 turns"])
  })

  it("masks card numbers and verification codes wherever the transcript shows text", () => {
    const card = "4111 1111 1111 1111 CVV 123"
    const dotted = "4111.1111.1111.1111"
    const { faults: _, ...withoutFaults } = played
    const withCards: PlayedTurn = {
      ...withoutFaults,
      text: `pay with ${card}`,
      result: result([
        { ...handoff("triage", "booking"), reason: `card ${dotted}` },
        said(1, "booking", `charged ${card}`),
        handoff("booking", "budget", { success: false, errors: [`declined ${card}`] })
      ]),
      checks: [{ expectation: "replyContains", expected: card, actual: `charged ${card}`, met: false }]
    }
    const lines = [
      ...Transcript.turn(withCards, { agentNames: names }),
      ...Transcript.failure({ index: 2, text: `again ${dotted}`, sessionId: "s", error: { _tag: "Forbidden", message: `no ${card}` } as unknown as FailedTurn["error"] })
    ].join("\n")
    expect(lines).toContain("pay with **** **** **** 1111 CVV ***")
    expect(lines).not.toMatch(/4111[ .]?1111[ .]?1111|CVV 123/)
  })
})
