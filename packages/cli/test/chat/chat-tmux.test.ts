/**
 * `baton chat` on a terminal: the ink UI in a tmux pane (120×40), messages
 * typed with send-keys, the screen read back with capture-pane: one real
 * turn with its reply and handoff trail; Ctrl+C during a turn that hangs
 * interrupts that turn only; /quit ends the process with exit 0. The tmux
 * session is always killed.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { nodeArgs, root } from "../support.js"

const exec = promisify(execFile)
const tmux = (...args: Array<string>) => exec("tmux", args).then((out) => out.stdout)

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

// Starting the CLI takes seconds on a quiet machine, tens of seconds on a busy one.
const STEP_MS = 90_000

/** `baton chat` in a tmux pane of its own, with ways to type into it and to wait for what it shows. */
const pane = async (session: string) => {
  const db = Path.join(mkdtempSync(Path.join(tmpdir(), "baton-chat-tmux-")), "chat.db")
  const name = `baton-chat-${process.pid}-${Date.now()}`
  const command = [process.execPath, ...nodeArgs(["chat", "--db", db, "--session", session, "--user", "ana"])]
    .map(quote)
    .join(" ")
  await tmux(
    "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", root,
    // The pane stays open after the CLI ends, showing its exit status. A
    // person at a terminal has no CI variable; with one (CI runs set it) ink
    // draws only the last frame, when the app ends.
    `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 ${command}; echo "baton exited with $?"; sleep ${STEP_MS / 1000}`
  )
  let screen = ""
  const capture = async () => (screen = await tmux("capture-pane", "-p", "-t", name))
  const see = async (pattern: RegExp) => {
    const deadline = Date.now() + STEP_MS
    while (!pattern.test(await capture())) {
      if (Date.now() > deadline) throw new Error(`${pattern} did not appear within ${STEP_MS} ms; the pane:\n${screen}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  /** Types `text` (seen echoed on the input line), then Enter. */
  const send = async (text: string, echo: RegExp) => {
    await tmux("send-keys", "-t", name, "-l", text)
    await see(echo)
    await tmux("send-keys", "-t", name, "Enter")
  }
  const quit = async () => {
    await send("/quit", /› \/quit/)
    // The shell around the CLI prints its exit status when it ends.
    await see(/^baton exited with \d+$/m)
  }
  return {
    see,
    send,
    quit,
    keys: (...keys: Array<string>) => tmux("send-keys", "-t", name, ...keys),
    screen: () => screen,
    kill: () => tmux("kill-session", "-t", name).catch(() => undefined)
  }
}

const trip = "Hi! I'm planning a trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17."

describe("baton chat (terminal, under tmux)", () => {
  it("answers a typed message in the ink UI with the reply and the handoff trail, and exits 0 on /quit", async () => {
    const chat = await pane("tmux-1")
    try {
      await chat.see(/new session tmux-1/)
      expect(chat.screen()).toContain("TripSage chat · session tmux-1 · user ana")
      await chat.send(trip, /› Hi! I'm planning a trip/)
      await chat.see(/Destination: Lisbon/)
      await chat.see(/Handoff trail \(1\)/)
      expect(chat.screen()).toContain("triage → destination context ✓")
      expect(chat.screen()).toMatch(/Triage: Welcome to TripSage/)
      // The services panel: each service called, with its breaker's state.
      await chat.see(/weather +[\d./]+ +closed/)
      await chat.quit()
      expect(chat.screen()).toMatch(/^baton exited with 0$/m)
    } finally {
      await chat.kill()
    }
  }, 4 * STEP_MS)

  it("Ctrl+C during a turn interrupts that turn: the message is kept, marked, no reply is made up, and the chat goes on", async () => {
    const chat = await pane("tmux-2")
    try {
      await chat.see(/new session tmux-2/)
      await chat.send(trip, /› Hi! I'm planning a trip/)
      await chat.see(/Destination: Lisbon/)
      // Every flight search now hangs until its timeout and retries run out: a turn that takes long.
      await chat.send("/faults flights hang", /› \/faults flights hang/)
      await chat.see(/fault injected into flights: hang/)
      await chat.send("Please find us flights.", /› Please find us flights\./)
      await chat.see(/the agents are working · Ctrl\+C interrupts/)
      await chat.keys("C-c")
      // (The line wraps at the pane's width.)
      await chat.see(/turn interrupted: your message is kept, marked interrupted; no reply was\s+made/)
      expect(chat.screen()).not.toMatch(/^Flights: /m)
      expect(chat.screen()).not.toMatch(/baton exited/)
      await chat.quit()
      expect(chat.screen()).toMatch(/^baton exited with 0$/m)
    } finally {
      await chat.kill()
    }
  }, 6 * STEP_MS)
})
