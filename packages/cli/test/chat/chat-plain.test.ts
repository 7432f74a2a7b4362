/**
 * `baton chat` as a process without a terminal: lines in, plain lines out,
 * exit 0 at the end of input; the conversation continues after a restart
 * with the same --session and --db.
 */
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { baton } from "../support.js"
import { piped } from "./support.js"

const tempDb = () => Path.join(mkdtempSync(Path.join(tmpdir(), "baton-chat-")), "chat.db")

// A process starts in seconds on a quiet machine and in tens of seconds on a
// busy one; the bounds leave room for that.
const PROCESS_MS = 90_000

const first = "Hi! I'm planning a trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17, with a budget of £2,500."

describe("baton chat (no terminal)", () => {
  it("holds a TripSage conversation with visible handoffs and continues it after a restart", async () => {
    const db = tempDb()
    const args = ["chat", "--session", "trip-1", "--user", "ana", "--db", db]

    const before = await piped(args, `${first}\n/agents\n/bogus\n/snapshot\n`, PROCESS_MS)
    expect(before.stderr).toBe("")
    expect(before.code).toBe(0)
    const lines = before.stdout.split("\n")
    expect(lines[0]).toMatch(/^TripSage chat · session trip-1 · user ana · sqlite /)
    expect(lines).toContain("new session trip-1; /help lists the commands")
    expect(lines.some((line) => /^Triage: /.test(line))).toBe(true)
    expect(lines.some((line) => /^↪ handoff triage → destination \(transfer\) — .* — [\d.]+ ms — context preserved ✓$/.test(line)))
      .toBe(true)
    expect(lines.some((line) => line.startsWith("Destination: Lisbon"))).toBe(true)
    // The user's own lines are not echoed; slash commands answer in plain lines.
    expect(before.stdout).not.toContain(`you: ${first}`)
    expect(lines).toContain("* Destination (destination) — " + lines.find((line) => line.startsWith("* Destination"))!.split(" — ")[1])
    expect(lines).toContain("error: unknown command /bogus; /help lists the commands")
    expect(lines.some((line) => /^snapshot #\d+ of trip-1 at version 1 \("chat"\)$/.test(line))).toBe(true)

    const after = await piped(
      args,
      [
        "Sounds lovely. Please find us flights.",
        "/faults weather error:rpc(-32050)@1",
        "Could you check the flights once more before I choose?",
        "/faults weather-backup error:rpc(-32050)@1",
        "Could you check the flights once more before I choose?",
        "/faults weather off",
        "/faults weather-backup off",
        ""
      ].join("\n"),
      PROCESS_MS
    )
    expect(after.stderr).toBe("")
    expect(after.code).toBe(0)
    const again = after.stdout.split("\n")
    expect(again).toContain("session trip-1: 3 earlier messages")
    // The earlier conversation first, with its handoff, then the new turn.
    const said = again.indexOf(`you: ${first}`)
    const handedOver = again.findIndex((line) => line.startsWith("↪ handoff triage → destination"))
    const answered = again.findIndex((line) => line.startsWith("Destination: Lisbon"))
    const moved = again.findIndex((line) => line.startsWith("↪ handoff destination → flights"))
    const flights = again.findIndex((line) => line.startsWith("Flights: "))
    expect(said).toBeGreaterThan(0)
    expect(handedOver).toBeGreaterThan(said)
    expect(answered).toBeGreaterThan(handedOver)
    expect(moved).toBeGreaterThan(answered)
    expect(flights).toBeGreaterThan(moved)
    // A fault injected live into the weather mock: the backup provider
    // answers the forecast, and the reply and a note say so.
    const injected = again.indexOf("fault injected into weather: error:rpc(-32050)@1 (until /faults weather off)")
    expect(injected).toBeGreaterThan(flights)
    const backupDown = again.indexOf("fault injected into weather-backup: error:rpc(-32050)@1 (until /faults weather-backup off)")
    expect(backupDown).toBeGreaterThan(injected)
    const servedByBackup = again.slice(injected, backupDown)
    expect(servedByBackup).toContain("  weather is unavailable right now; forecast was answered by weather-backup instead.")
    expect(servedByBackup.some((line) => /^⚠ weather: served by weather-backup: .*-32050/.test(line))).toBe(true)
    expect(servedByBackup.some((line) => line.includes("Weather, 10 Dec 2026 to 17 Dec 2026"))).toBe(true)
    // Both providers down: the search comes back partial, and the notes say what is missing.
    const degraded = again.slice(backupDown)
    expect(degraded.some((line) => line.includes("Weather is unavailable right now"))).toBe(true)
    expect(degraded.some((line) => /^⚠ .*weather failed \(.*-32050.*\)/.test(line))).toBe(true)
    expect(degraded.some((line) => /^⚠ .*: partial — \d+ step\(s\) done, 1 failed$/.test(line))).toBe(true)
    expect(again).toContain("faults cleared on weather")
    expect(again).toContain("faults cleared on weather-backup")
  }, 3 * PROCESS_MS)

  it("refuses another user's session with exit 2 and a one-line reason", async () => {
    const db = tempDb()
    const own = await piped(["chat", "--session", "mine", "--user", "ana", "--db", db], "hello\n", PROCESS_MS)
    expect(own.code).toBe(0)
    const other = await piped(["chat", "--session", "mine", "--user", "bob", "--db", db], "hello\n", PROCESS_MS)
    expect(other.code).toBe(2)
    expect(other.stdout).toBe("")
    expect(other.stderr).toBe(`error: User "bob" may not access session "mine": it belongs to another user.\n`)
  }, 3 * PROCESS_MS)

  it("a turn that fails tells the user their message was not saved, the chat goes on, and the process exits 1", async () => {
    const app = "packages/cli/test/chat/fixtures/weatherApp.ts"
    const ran = await piped(
      ["chat", "--app", app, "--store", "memory", "--session", "s1", "--user", "ana"],
      "please break\nhello\n",
      PROCESS_MS
    )
    const lines = ran.stdout.split("\n")
    expect(lines).toEqual(expect.arrayContaining([
      `error: the turn failed: Agent "greeter" failed: the greeter broke`,
      "  your message was not saved — send it again: please break",
      "Greeter: Hello! Ask me about the weather."
    ]))
    expect(ran.stderr).toBe("error: 1 turn failed; its message was not saved\n")
    expect(ran.code).toBe(1)
  }, 2 * PROCESS_MS)

  it("refuses a session id reserved for internal records with exit 2, whoever asks", async () => {
    const ran = await piped(["chat", "--store", "memory", "--session", "profile:ana", "--user", "mallory"], "hello\n", PROCESS_MS)
    expect(ran.code).toBe(2)
    expect(ran.stdout).toBe("")
    expect(ran.stderr).toBe(
      `error: Invalid turn: session "profile:ana" is reserved for Baton's internal records (a user's preference profile) ` +
        `and holds no conversation: choose another session\n`
    )
  }, 2 * PROCESS_MS)

  it("makes up a session id and exits 0 at the end of empty input", async () => {
    const ran = await piped(["chat", "--store", "memory", "--user", "guest"], "", PROCESS_MS)
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^TripSage chat · session chat-[0-9a-f]{8} · user guest · memory \(this process only\)\n/)
  }, 2 * PROCESS_MS)

  it("documents its options, examples and exit codes", async () => {
    const help = await baton(["chat", "--help"], { timeoutMs: PROCESS_MS })
    expect(help.code).toBe(0)
    for (const option of ["--session <id>", "--user <id>", "--store <kind>", "--db <file>", "--app <module>"]) {
      expect(help.stdout).toContain(option)
    }
    expect(help.stdout).toContain("Examples:")
    expect(help.stdout).toMatch(/Exit codes: 0 .*, 1 .*, 2 usage error/)
  }, 2 * PROCESS_MS)
})
