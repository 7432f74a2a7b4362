import { describe, expect, it } from "@effect/vitest"
import { baton as run } from "./support.js"

const baton = (...args: ReadonlyArray<string>) => run(args)

const handoffLine = /^ {2}↪ handoff (\S+) → (\S+) \((transfer|delegate|return)\) — .+ — \d+\.\d{3} ms — context preserved ✓$/

describe("baton demo", () => {
  it("plays the TripSage demo, prints every handoff with its context preserved, and exits 0", async () => {
    const { code, stderr, stdout } = await baton("demo")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const lines = stdout.split("\n")
    expect(lines[0]).toBe("TripSage — A week in Lisbon: destination → flights → hotel → booking")
    expect(lines[1]).toBe("session tripsage-demo · user demo-traveller · 11 turns in 2 sessions · tools in process")
    const handoffs = lines.filter((line) => line.startsWith("  ↪ handoff"))
    expect(handoffs.map((line) => line.replace(handoffLine, "$1->$2 ($3)"))).toEqual([
      "triage->destination (transfer)",
      "destination->flights (transfer)",
      "flights->accommodations (transfer)",
      "accommodations->booking (transfer)",
      "booking->budget (delegate)",
      "budget->booking (return)",
      "booking->triage (transfer)",
      "triage->flights (transfer)",
      "flights->accommodations (transfer)"
    ])
    expect(stdout).toMatch(
      /^ {2}↪ handoff booking → budget \(delegate\) — check the total against the traveller's budget before taking payment — \d+\.\d{3} ms — context preserved ✓$/m
    )
    expect(lines.some((line) => /^ {2}Booking +Booked! /.test(line))).toBe(true)
    // The parallel search, and the degraded turn: a fault in the weather mock for one turn only.
    expect(stdout).toContain("Searched in parallel with the flights:")
    expect(lines).toContain("  ⚡ fault injected into weather for this turn: error:rpc(-32050)@1")
    expect(stdout).toContain("Weather is unavailable right now; flights and hotels are shown without the forecast.")
    expect(lines).toEqual(expect.arrayContaining([
      "Summary",
      "  turns               11",
      "  handoffs            9 (1 nested)",
      "  contexts preserved  yes ✓",
      "  result              PASS"
    ]))
    expect(stdout).toMatch(/^ {2}expectations {8}(\d+) of \1 met ✓$/m)
    expect(stdout).toMatch(/^ {2}total time {10}\d+\.\d ms$/m)
    expect(stdout).not.toContain("\u001b[")
  })

  it("plays a second session of the same traveller that uses what the first one learned", async () => {
    const { code, stdout } = await baton("demo")
    expect(code).toBe(0)
    const lines = stdout.split("\n")
    const divider = lines.indexOf("— new session tripsage-demo-2 for demo-traveller —")
    expect(divider).toBeGreaterThan(0)
    expect(lines.filter((line) => line.startsWith("— new session"))).toHaveLength(1)
    const [first, second] = [lines.slice(0, divider).join("\n"), lines.slice(divider).join("\n")]
    // Learned in the first session: stated preferences, and the choices made.
    expect(first).toMatch(/^ {2}Triage +Noted for your next trips: vegetarian meals, aisle seats, economy, 4★\+ stays, stays in the Old Town\./m)
    expect(first).not.toContain("Welcome back")
    // Used in the second: not asked again, offers ranked, preferences remembered, a next step suggested.
    expect(second).toMatch(/^ {2}Triage +Welcome back to TripSage! I've noted: London → Barcelona, 5 Mar 2027 to 8 Mar 2027, 2 travellers\. /m)
    expect(second).toContain("From your earlier trips I know: leaving from London, 2 travellers, so I won't ask again.")
    expect(second).not.toContain("where you're leaving from")
    expect(second).toMatch(/^ {18}1\) ANA NH\d+,/m)
    expect(second).toContain("Ranked by your preferences: flying ANA first.")
    expect(second).toContain("I'll request aisle seats, vegetarian meals when booking.")
    expect(second).toMatch(/^ {18}1\) Bright Barcelona Palace Hotel, 4★ hotel in /m)
    expect(second).toContain("Ranked by your preferences: 4★+ stays, stays in the Old Town first.")
    expect(second).toContain("Suggested next: things to do in Barcelona.")
  })

  it("reports unmet expectations and exits 1", async () => {
    const { code, stdout } = await baton("demo", "--app", "packages/cli/test/fixtures/misjudgedApp.ts")
    expect(code).toBe(1)
    expect(stdout).toContain("  ✗ expected agent greeter, got helper")
    expect(stdout).toContain("  ✗ expected handoffs none, got greeter->helper")
    expect(stdout).toContain("  result              FAIL")
  })

  it("stops at a turn that fails, shows its message and the reason, and exits 1", async () => {
    const { code, stdout } = await baton("demo", "--app", "packages/cli/test/chat/fixtures/weatherApp.ts")
    expect(code).toBe(1)
    expect(stdout).toContain(`  you  please break\n  ✗ the turn failed: Agent "greeter" failed: the greeter broke`)
    expect(stdout).toContain("  turns               1 (failed at turn 2)")
    expect(stdout).toContain("  result              FAIL")
  })

  it("shows examples and exit codes in its help, however help is asked for", async () => {
    const { code, stdout } = await baton("demo", "--help")
    expect(code).toBe(0)
    expect(stdout).toContain("Examples:\n  $ baton demo ")
    expect(stdout).toContain("Exit codes: 0")
    expect(stdout).toContain("$ baton demo --transport stdio")
    const viaHelp = await baton("help", "demo")
    expect(viaHelp.code).toBe(0)
    expect(viaHelp.stdout).toBe(stdout)
  })
})

describe("baton usage errors", () => {
  it("exits 2 with a one-line reason on an unknown command", async () => {
    const { code, stderr, stdout } = await baton("tour")
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toBe("error: unknown command 'tour'\n(run baton --help for usage)\n")
  })

  it("exits 2 with the help on stderr when no command is given", async () => {
    const { code, stderr, stdout } = await baton()
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toContain("Usage: baton [options] [command]")
  })

  it("exits 2 on an unknown option", async () => {
    const { code, stderr } = await baton("demo", "--fast")
    expect(code).toBe(2)
    expect(stderr.split("\n")[0]).toBe("error: unknown option '--fast'")
  })

  it("exits 2 on an unknown transport, naming the ones there are", async () => {
    const { code, stderr } = await baton("demo", "--transport", "pigeon")
    expect(code).toBe(2)
    expect(stderr.split("\n")[0]).toBe(
      "error: option '--transport <kind>' argument 'pigeon' is invalid. Allowed choices are in-process, stdio, http."
    )
  })

  it("exits 2 when the app module does not exist or has no demo", async () => {
    const missing = await baton("demo", "--app", "nowhere/app.ts")
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^error: cannot load the app from .*nowhere\/app\.ts: the file does not exist\n$/)
    const noDemo = await baton("demo", "--app", "packages/cli/test/fixtures/noDemoApp.ts")
    expect(noDemo.code).toBe(2)
    expect(noDemo.stderr).toMatch(/the app has no demo scenario\n$/)
  })
})
