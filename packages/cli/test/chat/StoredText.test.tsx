/**
 * A restored session whose messages, agent ids and handoff reasons hold
 * escape sequences, NUL and a bidi override: the chat shows them as visible
 * escapes, in the ink UI and in plain lines, and never writes them raw.
 */
import { type BatonEvent, Ids, Message, SessionState, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { render } from "ink-testing-library"
import { Readable } from "node:stream"
import { afterEach } from "vitest"
import { ChatApp } from "../../src/chat/components/ChatApp.js"
import * as Plain from "../../src/chat/Plain.js"
import { engine, until } from "./support.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const sessionId = Ids.sessionId("replayed")
const ana = Ids.userId("ana")
const clear = "\u001b[2J"
const retitle = "\u001b]0;pwned\u0007"
const red = "\u001b[31m"
const reverse = "\u202e"

/** What a hostile writer could have left in the store. */
const hostile = async () => {
  const sessions = SessionStore.makeMemory()
  const empty = SessionState.empty({ sessionId, userId: ana, state: {}, now: 0 })
  const message = (index: number, role: "user" | "agent", content: string, agent?: string): Message.Message => ({
    id: Message.idAt(sessionId, index),
    role,
    content,
    time: index,
    ...(agent === undefined ? {} : { agent: Ids.agentId(agent) })
  })
  const history = [
    message(0, "user", `hi${clear}${retitle} there\u0000 ${reverse}evil`),
    message(1, "agent", `line one\n${red}red\u001b[0m and ${reverse}gnirts`, "greeter"),
    message(2, "user", "who are you?"),
    message(3, "agent", "a stranger", `${red}mallory`)
  ]
  const at = 0
  const events: Array<BatonEvent.BatonEvent> = [
    { _tag: "TurnStarted", sessionId, userId: ana, text: "hi", at },
    { _tag: "TurnStarted", sessionId, userId: ana, text: "who are you?", at },
    {
      _tag: "HandoffRequested",
      sessionId,
      at,
      handoffId: "h1",
      from: Ids.agentId("greeter"),
      to: Ids.agentId("forecaster"),
      mode: "transfer",
      initiator: "router",
      reason: `matched${clear}${reverse} weather`
    },
    {
      _tag: "HandoffCompleted",
      sessionId,
      at,
      handoffId: "h1",
      from: Ids.agentId("greeter"),
      to: Ids.agentId("forecaster"),
      mode: "transfer",
      contextPreserved: true,
      durationMs: 1
    }
  ]
  await Effect.runPromise(
    sessions.commit({ state: { ...empty, context: { ...empty.context, history }, version: 1 }, expectedVersion: 0, events })
  )
  const made = await engine({ sessions, sessionId })
  cleanups.push(made.close)
  return made
}

const expectNothingRaw = (output: string) => {
  for (const raw of ["\u001b", "\u0000", "\u0007", reverse]) expect(output).not.toContain(raw)
  expect(output).toContain("hi\\x1b[2J\\x1b]0;pwned\\x07 there\\x00 \\u202eevil")
  expect(output).toContain("\\x1b[31mred\\x1b[0m and \\u202egnirts")
  expect(output).toContain("\\x1b[31mmallory: a stranger")
  expect(output).toContain("matched\\x1b[2J\\u202e weather")
}

describe("stored text in the chat", () => {
  it("is shown with visible escapes in plain lines", async () => {
    const { engine: chat } = await hostile()
    let output = ""
    await Plain.run(chat, Readable.from([]), (text) => void (output += text))
    expect(output).toContain("session replayed: 4 earlier messages")
    expectNothingRaw(output)
    // A message of several lines keeps its line breaks, indented under its label.
    expect(output).toContain("Greeter: line one\n  \\x1b[31mred")
  })

  it("is shown with visible escapes in the ink UI", async () => {
    const { engine: chat } = await hostile()
    const ui = render(<ChatApp engine={chat} />)
    cleanups.push(() => ui.unmount())
    const frame = () => ui.lastFrame() ?? ""
    await until(() => (frame().includes("session replayed: 4 earlier messages") ? true : undefined), frame)
    expectNothingRaw(frame())
    expect(frame()).toContain("greeter → forecaster context ✓")
  })
})
