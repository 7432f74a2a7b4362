/**
 * One real turn of `baton chat` on a terminal: the ink UI in a tmux pane
 * (120×40), a message typed with send-keys, the reply and the handoff trail
 * read back with capture-pane; then /quit ends the process with exit 0. The
 * tmux session is always killed.
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

describe("baton chat (terminal, under tmux)", () => {
  it("answers a typed message in the ink UI with the reply and the handoff trail, and exits 0 on /quit", async () => {
    const db = Path.join(mkdtempSync(Path.join(tmpdir(), "baton-chat-tmux-")), "chat.db")
    const name = `baton-chat-${process.pid}-${Date.now()}`
    const command = [process.execPath, ...nodeArgs(["chat", "--db", db, "--session", "tmux-1", "--user", "ana"])]
      .map(quote)
      .join(" ")
    await tmux(
      "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", root,
      // The pane stays open after the CLI ends, showing its exit status. A
      // person at a terminal has no CI variable; with one (CI runs set it) ink
      // draws only the last frame, when the app ends.
      `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 ${command}; echo "baton exited with $?"; sleep ${STEP_MS / 1000}`
    )
    try {
      let screen = ""
      const capture = async () => (screen = await tmux("capture-pane", "-p", "-t", name))
      const see = async (pattern: RegExp) => {
        const deadline = Date.now() + STEP_MS
        while (!pattern.test(await capture())) {
          if (Date.now() > deadline) throw new Error(`${pattern} did not appear within ${STEP_MS} ms; the pane:\n${screen}`)
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
      }

      await see(/new session tmux-1/)
      expect(screen).toContain("TripSage chat · session tmux-1 · user ana")
      await tmux("send-keys", "-t", name, "-l", "Hi! I'm planning a trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17.")
      await see(/› Hi! I'm planning a trip/)
      await tmux("send-keys", "-t", name, "Enter")
      await see(/Destination: Lisbon/)
      await see(/Handoff trail \(1\)/)
      expect(screen).toContain("triage → destination context ✓")
      expect(screen).toMatch(/Triage: Welcome to TripSage/)

      await tmux("send-keys", "-t", name, "-l", "/quit")
      await see(/› \/quit/)
      await tmux("send-keys", "-t", name, "Enter")
      // The shell around the CLI prints its exit status when it ends.
      await see(/^baton exited with \d+$/m)
      expect(screen).toMatch(/^baton exited with 0$/m)
    } finally {
      await tmux("kill-session", "-t", name).catch(() => undefined)
    }
  }, 4 * STEP_MS)
})
