import { Ids, ReservedSession, SessionState, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { render } from "ink-testing-library"
import { afterEach } from "vitest"
import { ChatApp } from "../../src/chat/components/ChatApp.js"
import { engine, until } from "./support.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const start = async (options: Parameters<typeof engine>[0] = {}) => {
  const made = await engine(options)
  cleanups.push(made.close)
  const ui = render(<ChatApp engine={made.engine} />)
  cleanups.push(() => ui.unmount())
  const frame = () => ui.lastFrame() ?? ""
  const see = (text: string | RegExp) =>
    until(() => ((typeof text === "string" ? frame().includes(text) : text.test(frame())) ? true : undefined), frame)
  const type = async (line: string) => {
    // Wait until the input line shows the text before pressing Enter, as a person would.
    ui.stdin.write(line)
    await see(`› ${line}`)
    ui.stdin.write("\r")
  }
  return { ...made, ui, frame, see, type }
}

describe("ChatApp", () => {
  it("shows the reply with the agent's name, the handoff in the trail and the service called", async () => {
    const chat = await start()
    await chat.see("new session s1")
    expect(chat.frame()).toContain("Weather chat · session s1 · user ana")
    expect(chat.frame()).toContain("no handoffs yet")
    expect(chat.frame()).toContain("no tool calls yet")

    await chat.type("hello")
    await chat.see("Greeter: Hello! Ask me about the weather.")
    await chat.type("what is the weather like?")
    await chat.see("Forecaster: Lisbon on 2026-12-10")
    await chat.see("Handoff trail (1)")
    const frame = chat.frame()
    expect(frame).toContain("↪ handoff greeter → forecaster (transfer)")
    expect(frame).toContain("greeter → forecaster context ✓")
    expect(frame).toMatch(/transfer · [\d.]+ ms · router: matched/)
    // The services panel, once the app's ServiceHealth was read after the turn: healthy, breaker closed.
    await chat.see(/weather\s+1\.00\s+closed\s+ok [\d.]+ ms/)
    expect(chat.engine.getState().agent).toBe("forecaster")
  })

  it("injects a fault live: the next answer is stale and says so in a degradation note", async () => {
    const chat = await start()
    await chat.type("what is the weather like?")
    await chat.see("Forecaster: Lisbon")
    await chat.type("/faults weather error:rpc(-32050)@1")
    await chat.see("fault injected into weather: error:rpc(-32050)@1")
    expect(chat.frame()).toContain("⚡ faults: weather=error:rpc(-32050)@1")
    await chat.type("and the forecast now?")
    await chat.see("Degradation notes (1)")
    expect(chat.frame()).toMatch(/⚠ weather: served a stale result/)
    // The failed call shows in the services panel: its health fell, its breaker is still closed.
    await chat.see(/weather\s+0\.\d\d\s+closed\s+error/)
    await chat.type("/faults weather off")
    await chat.see("faults cleared on weather")
    expect(chat.frame()).not.toContain("⚡ faults")
  })

  it("answers slash commands and keeps working after a bad one", async () => {
    const chat = await start()
    await chat.type("/bogus")
    await chat.see("error: unknown command /bogus;")
    await chat.type("/restore")
    await chat.see("error: usage: /restore <session id>")
    await chat.type("/faults weather nonsense")
    await chat.see(`error: cannot inject "nonsense" into weather`)
    // The app's injector says which services take faults: the chat never claims to inject elsewhere.
    await chat.type("/faults flights hang")
    await chat.see(`error: cannot inject "hang" into flights`)
    expect(chat.frame()).not.toContain("fault injected")
    await chat.type("/snapshot")
    await chat.see("nothing to snapshot yet: session s1")
    await chat.type("/agents")
    await chat.see("Forecaster (forecaster) — Forecasts")
    await chat.type("/help")
    await chat.see("/faults <service> <spec>")
    await chat.type("hello")
    await chat.see("Greeter: Hello!")
    await chat.type("/snapshot before-weather")
    await chat.see(`snapshot #1 of s1 at version 1`)
    await chat.type("/sessions")
    await chat.see("* s1  2 messages · agent greeter · v1")
  })

  it("switches to another session of the same user with /restore and shows its history", async () => {
    const first = await engine({ sessionId: "earlier" })
    cleanups.push(first.close)
    await first.engine.submit("what is the weather like?")
    const chat = await start({ sessions: first.sessions, sessionId: "s1" })
    await chat.type("hello")
    await chat.see("Greeter: Hello!")
    await chat.type("/restore nope")
    await chat.see(`error: no session "nope" of ana`)
    await chat.type("/restore earlier")
    await chat.see("session earlier: 2 earlier messages")
    const frame = chat.frame()
    expect(frame).toContain("Weather chat · session earlier")
    expect(frame).toContain("you: what is the weather like?")
    expect(frame).toContain("Forecaster: Lisbon on")
    expect(frame).not.toContain("Greeter: Hello!")
    await chat.type("hello again")
    await chat.see("↪ handoff forecaster → greeter")
    expect(chat.engine.getState().sessionId).toBe("earlier")
  })

  it("keeps internal records out of /sessions, refuses to /restore a reserved id and carries on", async () => {
    const sessions = SessionStore.makeMemory()
    const profile = ReservedSession.make("profile", Ids.userId("ana"))
    const record = SessionState.empty({ sessionId: profile, userId: Ids.userId("ana"), state: { seat: "aisle" }, now: 0 })
    await Effect.runPromise(sessions.commit({ state: { ...record, version: 1 }, expectedVersion: 0, events: [] }))
    const chat = await start({ sessions })
    await chat.type("hello")
    await chat.see("Greeter: Hello!")
    await chat.type("/sessions")
    await chat.see("* s1  2 messages")
    expect(chat.frame()).not.toContain("profile:ana")
    for (const id of ["profile:ana", "profile:bob"]) {
      await chat.type(`/restore ${id}`)
      await chat.see(`error: session "${id}" is reserved for Baton's`)
      expect(chat.engine.getState().entries.at(-1)).toEqual({
        _tag: "Error",
        text: `session "${id}" is reserved for Baton's internal records (a user's preference profile) and holds no conversation; ` +
          `/sessions lists yours`
      })
    }
    expect(chat.engine.getState().sessionId).toBe("s1")
    await chat.type("what is the weather like?")
    await chat.see("Forecaster: Lisbon on")
  })

  it("a turn that fails says its message was not saved and shows it to send again", async () => {
    const chat = await start()
    await chat.type("please break")
    await chat.see("your message was not saved — send it again: please")
    expect(chat.frame()).toContain(`error: the turn failed: Agent "greeter" failed: the`)
    expect(chat.engine.getState().entries.at(-1)).toEqual({
      _tag: "Error",
      text: `the turn failed: Agent "greeter" failed: the greeter broke\nyour message was not saved — send it again: please break`
    })
    await chat.type("hello")
    await chat.see("Greeter: Hello!")
    expect(chat.engine.getState().failedTurns).toBe(1)
  })

  it("runs lines typed ahead in one chunk in order, each line break an Enter", async () => {
    const chat = await start()
    await chat.see("new session s1")
    chat.ui.stdin.write("hello\rwhat is the weather like?\r/agents\r")
    await chat.see("* Forecaster (forecaster)")
    const lines = chat.engine.getState().entries.map((entry) => entry._tag === "Info" ? entry.lines[0] : entry._tag)
    expect(lines).toEqual(["new session s1; /help lists the commands", "User", "Agent", "User", "Handoff", "Agent", "  Greeter (greeter) — Says hello"])
  })

  it("leaves on /quit: the app unmounts and stops reading the keyboard", async () => {
    const chat = await start()
    await chat.see("new session s1")
    expect(chat.ui.stdin.listenerCount("readable")).toBeGreaterThan(0)
    await chat.type("/quit")
    await until(() => (chat.ui.stdin.listenerCount("readable") === 0 ? true : undefined), chat.frame)
  })
})
