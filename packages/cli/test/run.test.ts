import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { baton as run } from "./support.js"

const baton = (...args: ReadonlyArray<string>) => run(args, { timeoutMs: 60_000 })

const fixture = (name: string) => `packages/cli/test/fixtures/scenarios/${name}.json`

let dir: string
beforeAll(() => {
  dir = mkdtempSync(Path.join(tmpdir(), "baton-run-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const Check = Schema.Struct({ expectation: Schema.String, expected: Schema.String, actual: Schema.String, met: Schema.Boolean })

const Result = Schema.Struct({
  app: Schema.String,
  scenario: Schema.String,
  sessionId: Schema.String,
  userId: Schema.String,
  store: Schema.String,
  passed: Schema.Boolean,
  summary: Schema.Struct({
    turns: Schema.Number,
    handoffs: Schema.Number,
    contextsPreserved: Schema.Boolean,
    expectationsMet: Schema.Number,
    expectations: Schema.Number,
    passed: Schema.Boolean
  }),
  turns: Schema.Array(Schema.Struct({
    index: Schema.Number,
    agent: Schema.String,
    reply: Schema.String,
    handoffs: Schema.Array(Schema.Struct({ edge: Schema.String, contextPreserved: Schema.Boolean })),
    checks: Schema.Array(Check),
    passed: Schema.Boolean
  })),
  failure: Schema.NullOr(Schema.Struct({ index: Schema.Number, error: Schema.String, message: Schema.String }))
})

const parseResult = Schema.decodeUnknownSync(Schema.parseJson(Result))

describe("baton run (spawned)", () => {
  it("plays a passing TripSage scenario: transcript, a check line per turn, PASS and exit 0", async () => {
    const { code, stderr, stdout } = await baton("run", fixture("lisbon"))
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const lines = stdout.split("\n")
    expect(lines[0]).toBe("TripSage — Lisbon: destination, flights, a flight chosen")
    expect(lines[1]).toBe("session lisbon · user ana · 3 turns · tools in process")
    expect(lines[2]).toBe("store memory (this process only)")
    expect(lines.filter((line) => line.startsWith("  ✓ "))).toEqual([
      "  ✓ agent destination · handoffs triage->destination · reply mentions \"Lisbon (LIS)\"",
      "  ✓ agent flights · handoffs destination->flights · reply mentions \"London (LHR) → Lisbon (LIS)\"",
      "  ✓ agent accommodations · handoffs flights->accommodations · reply mentions \"Places to stay in Lisbon\""
    ])
    expect(lines.filter((line) => line.startsWith("  ↪ handoff")).every((line) => line.endsWith("context preserved ✓"))).toBe(true)
    expect(lines).toEqual(expect.arrayContaining(["  expectations        9 of 9 met ✓", "  result              PASS"]))
  }, 120_000)

  it("reports the unmet expectations of a turn, FAIL and exit 1; --json says the same for machines", async () => {
    const text = await baton("run", fixture("rome-misjudged"))
    expect(text.code).toBe(1)
    const lines = text.stdout.split("\n")
    expect(lines).toEqual(expect.arrayContaining([
      "  ✓ agent destination · handoffs triage->destination · reply mentions \"Rome (FCO)\"",
      "  ✗ expected agent booking, got flights",
      "  ✗ expected handoffs none, got destination->flights",
      "  ✗ expected the reply to mention \"Paris\"",
      "  expectations        3 of 6 met ✗",
      "  result              FAIL"
    ]))

    const json = await baton("run", fixture("rome-misjudged"), "--json")
    expect(json.code).toBe(1)
    expect(json.stderr).toBe("")
    const result = parseResult(json.stdout)
    expect(result).toMatchObject({ app: "TripSage", sessionId: "rome", userId: "ana", passed: false, failure: null })
    expect(result.turns.map((turn) => [turn.index, turn.agent, turn.passed])).toEqual([[1, "destination", true], [2, "flights", false]])
    expect(result.turns[1]!.checks.filter((check) => !check.met).map((check) => check.expectation)).toEqual([
      "agent",
      "handoffs",
      "replyContains"
    ])
    expect(result.summary).toMatchObject({ turns: 2, handoffs: 2, expectationsMet: 3, expectations: 6, passed: false })
  }, 180_000)

  it("prints a passing scenario as JSON only, with every turn, handoff and check", async () => {
    const { code, stderr, stdout } = await baton("run", fixture("lisbon"), "--json")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const result = parseResult(stdout)
    expect(result.passed).toBe(true)
    expect(result.store).toBe("memory (this process only)")
    expect(result.turns.map((turn) => turn.handoffs.map((handoff) => handoff.edge))).toEqual([
      ["triage->destination"],
      ["destination->flights"],
      ["flights->accommodations"]
    ])
    expect(result.turns.flatMap((turn) => turn.checks).every((check) => check.met)).toBe(true)
    expect(result.turns[2]!.reply).toContain("Places to stay in Lisbon")
  }, 120_000)

  it("exits 2 on an invalid scenario file, naming each bad field by its path", async () => {
    const { code, stderr, stdout } = await baton("run", fixture("invalid"))
    expect(code).toBe(2)
    expect(stdout).toBe("")
    const lines = stderr.trimEnd().split("\n")
    expect(lines[0]).toBe(`error: ${fixture("invalid")}: not a valid scenario:`)
    expect(lines.slice(1)).toEqual([
      "  userId: Expected a non empty string, actual \"\"",
      expect.stringMatching(/^ {2}turns\[0\]\.expects: is unexpected, expected: "text" \| "expect" \| "faults"/),
      "  turns[1].expect.handoffs: Expected ReadonlyArray<string>, actual \"triage->flights\"",
      "  turns[2].text: is missing"
    ])
  }, 120_000)

  it("exits 2 on a file that is missing or not JSON, without a stack trace", async () => {
    const missing = await baton("run", "nowhere/scenario.json")
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe("error: nowhere/scenario.json: cannot be read (ENOENT)\n")
    const file = Path.join(dir, "truncated.json")
    writeFileSync(file, "{\"name\": \"cut short\", \"turns\": [")
    const truncated = await baton("run", file)
    expect(truncated.code).toBe(2)
    expect(truncated.stderr).toMatch(/^error: .+truncated\.json: it is not valid JSON at .+\n$/)
    expect(truncated.stderr).not.toMatch(/^\s+at /m)
  }, 120_000)

  it("exits 2 on a scenario nested 200,000 levels deep, saying so instead of crashing", async () => {
    const file = Path.join(dir, "deep.json")
    const levels = 200_000
    writeFileSync(
      file,
      `{"name":"deep","userId":"u","sessionId":"s","turns":[{"text":"hi","expect":{"agent":${"[".repeat(levels)}${"]".repeat(levels)}}}]}`
    )
    const { code, stderr, stdout } = await baton("run", file)
    expect(stdout).toBe("")
    expect(stderr).toMatch(/^error: .+deep\.json: it nests more than \d+ levels deep .+\n$/)
    expect(code).toBe(2)
  }, 120_000)

  it("masks card numbers and verification codes in the transcript and in --json, the scenario's own text included", async () => {
    const file = Path.join(dir, "cards.json")
    writeFileSync(
      file,
      JSON.stringify({
        name: "cards",
        userId: "ana",
        sessionId: "cards",
        turns: [
          { text: "We'd like to go from London to Lisbon. Pay with 4111 1111 1111 1111, CVV 123." },
          { text: "Or with 4111.1111.1111.1111 if that one fails", expect: { replyContains: ["4111 1111 1111 1111 CVV 123"] } }
        ]
      })
    )
    const raw = /4111[ .]?1111[ .]?1111|CVV 123/
    const text = await baton("run", file)
    expect(text.stderr).toBe("")
    expect(text.stdout).toContain("Pay with **** **** **** 1111, CVV ***.")
    expect(text.stdout).not.toMatch(raw)
    const json = await baton("run", file, "--json")
    expect(json.stderr).toBe("")
    expect(json.stdout).not.toMatch(raw)
    expect(parseResult(json.stdout).turns.map((turn) => turn.index)).toEqual([1, 2])
  }, 180_000)

  it("masks card data a bad field of an invalid scenario file would echo", async () => {
    const file = Path.join(dir, "invalid-card.json")
    writeFileSync(file, JSON.stringify({ name: "x", userId: "ana", sessionId: 4111111111111111, turns: [{ text: "hi" }] }))
    const { code, stderr } = await baton("run", file)
    expect(code).toBe(2)
    expect(stderr).toContain("  sessionId: Expected string, actual ************1111")
    expect(stderr).not.toContain("4111111111111111")
  }, 120_000)

  it("exits 2 before any turn on faults the app cannot inject: a bad spec with the grammar's message, an unknown service with the known ones", async () => {
    const file = Path.join(dir, "bad-faults.json")
    writeFileSync(
      file,
      JSON.stringify({
        name: "bad faults",
        userId: "ana",
        sessionId: "bad-faults",
        turns: [
          { text: "Hi! We'd like to go from London to Lisbon." },
          { text: "Please find us flights.", faults: { flights: "latency:fixed(5)" } },
          { text: "What will the weather be like?", faults: { weather: "not-a-fault-spec(((", weathr: "hang" } }
        ]
      })
    )
    for (const args of [[], ["--json"]]) {
      const { code, stderr, stdout } = await baton("run", file, ...args)
      expect(stdout).toBe("")
      expect(stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(/^error: .+bad-faults\.json: has faults the app cannot inject:$/),
        `  turns[2].faults.weather: Invalid fault spec at character 1 in "not-a-fault-spec(((": unknown fault "not-a-fault-spec"; ` +
        "expected one of latency:<distribution>, error:<kind>, hang, late, crash, flap, malformed, truncate, slow-start. " +
        "See packages/testkit/README.md for the grammar.",
        `  turns[2].faults.weathr: the app injects faults into no service "weathr"; ` +
        "it injects them into flights, accommodations, weather, weather-backup, activities, payments"
      ])
      expect(code).toBe(2)
    }
  }, 180_000)

  it("keeps the session in SQLite: played again it continues, and a turn another user sends fails with Forbidden", async () => {
    const db = Path.join(dir, "run.db")
    const first = await baton("run", fixture("lisbon"), "--store", "sqlite", "--db", db)
    expect(first.code).toBe(0)
    expect(first.stdout.split("\n")[2]).toMatch(/^store sqlite .*run\.db$/)
    expect(first.stdout).not.toContain("continuing")
    const again = await baton("run", fixture("lisbon"), "--store", "sqlite", "--db", db)
    expect(again.stdout.split("\n")[3]).toBe("continuing the stored session lisbon (version 3)")

    const intruder = await baton("run", fixture("lisbon"), "--store", "sqlite", "--db", db, "--user", "mallory", "--json")
    expect(intruder.code).toBe(1)
    const result = parseResult(intruder.stdout)
    expect(result.turns).toEqual([])
    expect(result.failure).toEqual({
      index: 1,
      error: "Forbidden",
      message: "User \"mallory\" may not access session \"lisbon\": it belongs to another user."
    })
  }, 300_000)

  it("plays the user-facing example, and shows examples and exit codes in its help", async () => {
    const example = await baton("run", "examples/tripsage/scenarios/weekend-in-lisbon.json")
    expect(example.stderr).toBe("")
    expect(example.code).toBe(0)
    expect(example.stdout).toMatch(/^ {2}expectations {8}(\d+) of \1 met ✓$/m)
    expect(example.stdout).toContain("  ↪ handoff booking → budget (delegate)")
    const help = await baton("run", "--help")
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("Examples:\n  $ baton run ")
    expect(help.stdout.trimEnd().split("\n").at(-1)).toMatch(/^Exit codes: 0 .+, 2 unreadable or invalid scenario file/)
  }, 180_000)
})
