import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as Render from "../src/sessions/Render.js"
import * as JsonFile from "../src/sessions/JsonFile.js"
import { baton as run } from "./support.js"

const baton = (...args: ReadonlyArray<string>) => run(args, { timeoutMs: 60_000 })

const scenario = (name: string) => `packages/cli/test/fixtures/scenarios/${name}.json`

const forbidden = (user: string, session: string) =>
  `error: User "${user}" may not access session "${session}": it belongs to another user.\n`

/** No JavaScript stack frame reached the user. */
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m)

let dir: string
let db: string
const store = () => ["--db", db]

// The store is built once by playing scenarios with `baton run` and is then
// inspected and changed by the tests below, in order: ana owns "lisbon"
// (3 turns, 3 handoffs) and "rome" (2 turns; its second turn's expectations
// are wrong, which does not keep the session from being stored), bob owns
// "bobs-trip".
beforeAll(async () => {
  dir = mkdtempSync(Path.join(tmpdir(), "baton-sessions-"))
  db = Path.join(dir, "baton.db")
  const lisbon = await baton("run", scenario("lisbon"), "--store", "sqlite", ...store())
  expect(lisbon.code).toBe(0)
  const rome = await baton("run", scenario("rome-misjudged"), "--store", "sqlite", ...store())
  expect(rome.code).toBe(1)
  const bob = await baton("run", scenario("lisbon"), "--store", "sqlite", ...store(), "--user", "bob", "--session", "bobs-trip")
  expect(bob.code).toBe(0)
}, 300_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const Listed = Schema.Array(Schema.Struct({
  sessionId: Schema.String,
  status: Schema.Literal("ok", "corrupted"),
  agent: Schema.NullOr(Schema.String),
  turns: Schema.Number,
  version: Schema.Number,
  updated: Schema.Number
}))

const Shown = Schema.Struct({
  sessionId: Schema.String,
  userId: Schema.String,
  version: Schema.Number,
  currentAgent: Schema.NullOr(Schema.String),
  context: Schema.Struct({
    history: Schema.Array(Schema.Struct({ role: Schema.String, content: Schema.String, agent: Schema.optional(Schema.String) })),
    state: Schema.Record({ key: Schema.String, value: Schema.Unknown })
  })
})

const Summary = Schema.Struct({
  sessionId: Schema.String,
  userId: Schema.String,
  version: Schema.Number,
  agent: Schema.NullOr(Schema.String),
  turns: Schema.Number,
  messages: Schema.Number
})

const parse = <A, I>(schema: Schema.Schema<A, I>, text: string): A => Schema.decodeUnknownSync(Schema.parseJson(schema))(text)

describe("baton sessions (spawned, SQLite in a temp dir)", () => {
  it("lists the user's sessions only, newest first, as a table and as JSON", async () => {
    const table = await baton("sessions", "list", "--user", "ana", ...store())
    expect(table.stderr).toBe("")
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^ID +AGENT +TURNS +VERSION +UPDATED$/)
    // TripSage keeps the user's profile as an internal record: it is not listed.
    expect(lines.slice(1).map((line) => line.split(/ {2,}/).slice(0, 4))).toEqual([
      ["rome", "flights", "2", "2"],
      ["lisbon", "accommodations", "3", "3"]
    ])
    expect(lines.find((line) => line.startsWith("rome "))).toMatch(/ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)

    const json = await baton("sessions", "list", "--user", "ana", ...store(), "--json")
    expect(json.code).toBe(0)
    const listed = parse(Listed, json.stdout)
    expect(listed.every((session, i) => i === 0 || session.updated <= listed[i - 1]!.updated)).toBe(true)
    expect(
      listed.filter((session) => session.sessionId === "rome" || session.sessionId === "lisbon")
        .map(({ agent, sessionId, status, turns, version }) => ({ sessionId, status, agent, turns, version }))
    ).toEqual([
      { sessionId: "rome", status: "ok", agent: "flights", turns: 2, version: 2 },
      { sessionId: "lisbon", status: "ok", agent: "accommodations", turns: 3, version: 3 }
    ])

    const bob = await baton("sessions", "list", "--user", "bob", ...store(), "--json")
    const bobs = parse(Listed, bob.stdout).map((session) => session.sessionId)
    expect(bobs).toContain("bobs-trip")
    expect(bobs).not.toContain("lisbon")
    expect(bobs).not.toContain("rome")
  }, 300_000)

  it("shows a session: messages labelled with agent names, the state, the active workflows; --json gives the stored state", async () => {
    const shown = await baton("sessions", "show", "lisbon", "--user", "ana", ...store())
    expect(shown.stderr).toBe("")
    expect(shown.code).toBe(0)
    const lines = shown.stdout.split("\n")
    expect(lines[0]).toBe("Session lisbon")
    expect(lines[1]).toMatch(/^user ana · version 3 · 3 turns, 8 messages · created .+ · updated .+$/)
    expect(lines[2]).toBe("agent Accommodations (accommodations)")
    const labels = lines.flatMap((line) => /^ {2}\d{2}:\d{2}:\d{2} {2}(\S+) /.exec(line)?.[1] ?? [])
    expect(labels).toEqual(["you", "Triage", "Destination", "you", "Flights", "you", "Flights", "Accommodations"])
    expect(lines).toEqual(expect.arrayContaining(["State", "Active workflows", "  none"]))
    expect(shown.stdout).toMatch(/^ {4}"destination": \{$/m)
    expect(shown.stdout).toContain('"code": "LIS"')

    const json = await baton("sessions", "show", "lisbon", "--user", "ana", ...store(), "--json")
    expect(json.code).toBe(0)
    const state = parse(Shown, json.stdout)
    expect(state).toMatchObject({ sessionId: "lisbon", userId: "ana", version: 3, currentAgent: "accommodations" })
    expect(state.context.history.map((message) => message.role)).toEqual([
      "user", "agent", "agent", "user", "agent", "user", "agent", "agent"
    ])
    expect(state.context.state["destination"]).toEqual({ code: "LIS", name: "Lisbon" })
  }, 300_000)

  it("refuses another user's session with the Forbidden message and exit 1, whatever the subcommand", async () => {
    for (const args of [["show", "lisbon"], ["restore", "lisbon", "1"]]) {
      const refused = await baton("sessions", ...args, "--user", "bob", ...store())
      expect(refused.code, args.join(" ")).toBe(1)
      expect(refused.stdout).toBe("")
      expect(refused.stderr).toBe(forbidden("bob", "lisbon"))
    }
    const merge = await baton("sessions", "merge", "bobs-trip", "lisbon", "--user", "bob", ...store())
    expect(merge.code).toBe(1)
    expect(merge.stderr).toBe(forbidden("bob", "lisbon"))
  }, 300_000)

  it("refuses another user's profile with Forbidden on one line, and never shows a profile as a session", async () => {
    for (const args of [["show", "profile:ana"], ["snapshots", "profile:ana"], ["delete", "profile:ana", "--yes"], ["quarantine", "list", "profile:ana"]]) {
      const refused = await baton("sessions", ...args, "--user", "bob", ...store())
      expect(refused.code, args.join(" ")).toBe(1)
      expect(refused.stdout).toBe("")
      expect(refused.stderr).toBe(forbidden("bob", "profile:ana"))
    }
    const own = await baton("sessions", "show", "profile:ana", "--user", "ana", ...store())
    expect(own.code).toBe(1)
    expect(own.stderr).toMatch(/^error: session "profile:ana" is an internal record \(the preference profile of "ana"\), not a conversation; .+\n$/)
  }, 300_000)

  it("says a session does not exist, with exit 1", async () => {
    const missing = await baton("sessions", "show", "atlantis", "--user", "ana", ...store())
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe("")
    expect(missing.stderr).toBe(
      "error: Session \"atlantis\" does not exist (it was never committed, was deleted, or expired).\n"
    )
  }, 300_000)

  it("lists the snapshots taken at each turn that handed over", async () => {
    const table = await baton("sessions", "snapshots", "lisbon", "--user", "ana", ...store())
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^ID +VERSION +LABEL +TAKEN$/)
    expect(lines.slice(1).map((line) => line.split(/ {2,}/).slice(0, 3))).toEqual([
      ["1", "1", "handoff"],
      ["2", "2", "handoff"],
      ["3", "3", "handoff"]
    ])
    const json = await baton("sessions", "snapshots", "lisbon", "--user", "ana", ...store(), "--json")
    const snapshots = parse(Schema.Array(Schema.Struct({ id: Schema.Number, version: Schema.Number, label: Schema.String })), json.stdout)
    expect(snapshots.map(({ id, label, version }) => [id, version, label])).toEqual([[1, 1, "handoff"], [2, 2, "handoff"], [3, 3, "handoff"]])
  }, 300_000)

  it("merges two sessions of the user, printing every conflict with the value kept", async () => {
    const merged = await baton("sessions", "merge", "rome", "lisbon", "--user", "ana", ...store())
    expect(merged.stderr).toBe("")
    expect(merged.code).toBe(0)
    const lines = merged.stdout.trimEnd().split("\n")
    // lisbon's 8 messages and rome's, nothing in common.
    const counts = /^Merged lisbon into rome: session rome is now version 3, (\d+) messages \((\d+) from rome, 8 from lisbon, 0 in both kept once\)\.$/
      .exec(lines[0]!)
    expect(counts, lines[0]).not.toBeNull()
    const fromRome = Number(counts![2])
    expect(Number(counts![1])).toBe(fromRome + 8)
    expect(lines[1]).toBe("3 conflicts: rome was active last, so its values were kept (last writer wins).")
    expect(lines[2]).toMatch(/^PATH +KEPT +VALUE IN rome +VALUE IN lisbon$/)
    expect(lines.slice(3).map((line) => line.split(/ {2,}/).slice(0, 4))).toEqual([
      ["state.destination", "rome", "{\"code\":\"FCO\",\"name\":\"Rome\"}", "{\"code\":\"LIS\",\"name\":\"Lisbon\"}"],
      ["state.budget", "rome", "900", "1200"],
      ["state.flightOptions", "rome", expect.stringMatching(/^\[\{"id":.*…$/), expect.stringMatching(/^\[\{"id":.*…$/)]
    ])

    // Merged again, lisbon's messages are all in rome already: kept once, and the same keys still conflict.
    const again = await baton("sessions", "merge", "rome", "lisbon", "--user", "ana", ...store(), "--json")
    expect(again.code).toBe(0)
    const result = parse(
      Schema.Struct({
        ...Summary.fields,
        merged: Schema.String,
        winner: Schema.String,
        added: Schema.Record({ key: Schema.String, value: Schema.Number }),
        duplicates: Schema.Number,
        conflicts: Schema.Array(Schema.Struct({ path: Schema.String, a: Schema.Unknown, b: Schema.Unknown, kept: Schema.String }))
      }),
      again.stdout
    )
    expect(result).toMatchObject({ sessionId: "rome", version: 4, messages: fromRome + 8, turns: 5, merged: "lisbon", winner: "rome" })
    expect(result.added).toEqual({ rome: fromRome, lisbon: 0 })
    expect(result.duplicates).toBe(8)
    expect(result.conflicts.map((conflict) => conflict.path)).toEqual(["state.destination", "state.budget", "state.flightOptions"])
    expect(result.conflicts[0]).toEqual({
      path: "state.destination",
      a: { code: "FCO", name: "Rome" },
      b: { code: "LIS", name: "Lisbon" },
      kept: "rome"
    })
  }, 300_000)

  it("exports a session and imports it into another store: the same conversation, owner-checked, never silently replaced", async () => {
    const original = parse(Shown, (await baton("sessions", "show", "lisbon", "--user", "ana", ...store(), "--json")).stdout)
    const stdout = await baton("sessions", "export", "lisbon", "--user", "ana", ...store())
    expect(stdout.code).toBe(0)
    const exported = parse(
      Schema.Struct({ format: Schema.Literal("baton.session"), exportVersion: Schema.Literal(1), session: Shown, events: Schema.Array(Schema.Unknown) }),
      stdout.stdout
    )
    expect(exported.session.context.history).toEqual(original.context.history)

    const file = Path.join(dir, "lisbon.json")
    const written = await baton("sessions", "export", "lisbon", "--user", "ana", ...store(), "--out", file)
    expect(written.code).toBe(0)
    expect(written.stdout).toBe(`Exported session lisbon (${exported.events.length} events) to ${file}.\n`)
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ format: "baton.session", session: { sessionId: "lisbon" } })

    const other = ["--db", Path.join(dir, "other.db")]
    const imported = await baton("sessions", "import", file, "--user", "ana", ...other)
    expect(imported.stderr).toBe("")
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe("Imported session lisbon for user ana: version 1, 3 turns, 8 messages.\n")
    const copy = parse(Shown, (await baton("sessions", "show", "lisbon", "--user", "ana", ...other, "--json")).stdout)
    expect(copy.context.history).toEqual(original.context.history)
    expect(copy.context.state).toEqual(original.context.state)

    const twice = await baton("sessions", "import", file, "--user", "ana", ...other)
    expect(twice.code).toBe(1)
    expect(twice.stderr).toBe(
      "error: session \"lisbon\" already exists; pass --overwrite to replace it with the export (as its next version).\n"
    )
    const overwritten = await baton("sessions", "import", file, "--user", "ana", ...other, "--overwrite", "--json")
    expect(overwritten.code).toBe(0)
    expect(parse(Summary, overwritten.stdout)).toEqual({
      sessionId: "lisbon",
      userId: "ana",
      version: 2,
      agent: "accommodations",
      turns: 3,
      messages: 8
    })

    const stolen = await baton("sessions", "import", file, "--user", "bob", "--db", Path.join(dir, "third.db"))
    expect(stolen.code).toBe(1)
    expect(stolen.stderr).toBe(forbidden("bob", "lisbon"))
  }, 300_000)

  it("refuses a file that is not a session export with exit 2 and a readable reason, never a stack trace", async () => {
    const notJson = Path.join(dir, "not-json.json")
    writeFileSync(notJson, "{\"format\": \"baton.session\",")
    const a = await baton("sessions", "import", notJson, "--user", "ana", ...store())
    expect(a.code).toBe(2)
    expect(a.stderr).toMatch(new RegExp(`^error: ${notJson.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: it is not valid JSON at .+\\n$`))

    const exported = JSON.parse(readFileSync(Path.join(dir, "lisbon.json"), "utf8"))
    exported.exportVersion = 2
    exported.session.context.history[1].role = "robot"
    delete exported.exportedAt
    const broken = Path.join(dir, "broken.json")
    writeFileSync(broken, JSON.stringify(exported))
    const b = await baton("sessions", "import", broken, "--user", "ana", ...store())
    expect(b.code).toBe(2)
    expect(b.stderr).toBe([
      `error: ${broken}: not a Baton session export:`,
      "  exportVersion: Expected 1, actual 2",
      "  exportedAt: is missing",
      "  session.context.history[1].role: Expected \"user\" | \"agent\" | \"system\", actual \"robot\"",
      ""
    ].join("\n"))

    const absent = await baton("sessions", "import", Path.join(dir, "absent.json"), "--user", "ana", ...store())
    expect(absent.code).toBe(2)
    expect(absent.stderr).toBe(`error: ${Path.join(dir, "absent.json")}: cannot be read (ENOENT)\n`)
    for (const ran of [a, b, absent]) noStack(ran.stderr)
  }, 300_000)

  it("restores a snapshot as a new version, and refuses a snapshot that does not exist", async () => {
    const restored = await baton("sessions", "restore", "lisbon", "1", "--user", "ana", ...store())
    expect(restored.stderr).toBe("")
    expect(restored.code).toBe(0)
    expect(restored.stdout).toBe(
      "Restored session lisbon to snapshot #1: now version 4, agent destination, 1 turn, 3 messages.\n"
    )
    const state = parse(Shown, (await baton("sessions", "show", "lisbon", "--user", "ana", ...store(), "--json")).stdout)
    expect(state.version).toBe(4)
    expect(state.context.history).toHaveLength(3)
    expect(state.context.state["flightOptions"]).toBeUndefined()

    const missing = await baton("sessions", "restore", "lisbon", "9", "--user", "ana", ...store())
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      "error: Snapshot #9 of session \"lisbon\" cannot be used: there is no such snapshot. " +
        "`baton sessions snapshots lisbon --user ana` lists them.\n"
    )
    const bad = await baton("sessions", "restore", "lisbon", "first", "--user", "ana", ...store())
    expect(bad.code).toBe(2)
    expect(bad.stderr.split("\n")[0]).toBe(
      "error: command-argument value 'first' is invalid for argument 'snapshot'. a snapshot id is a whole number from 1 (see `baton sessions snapshots <id>`)."
    )
  }, 300_000)

  it("needs --user, and shows examples and exit codes in every subcommand's help", async () => {
    const noUser = await baton("sessions", "list", ...store())
    expect(noUser.code).toBe(2)
    expect(noUser.stderr.split("\n")[0]).toBe("error: required option '--user <id>' not specified")
    for (const command of [["merge"], ["delete"], ["quarantine", "release"]]) {
      const help = await baton("sessions", ...command, "--help")
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`Examples:\n  $ baton sessions ${command.join(" ")} `)
      expect(help.stdout.trimEnd().split("\n").at(-1)).toMatch(/^Exit codes: 0 done, 1 refused .+, 2 usage error\.$/)
    }
    const quarantine = await baton("sessions", "quarantine", "--help")
    expect(quarantine.stdout).toContain("release puts a quarantined record back as the session's next version once it")
  }, 300_000)
})

describe("sessions printing and export files (pure)", () => {
  it("says when a user has no sessions, and marks unreadable ones", () => {
    expect(Render.list("zoe", [])).toEqual(["No sessions for user \"zoe\" in this store."])
    expect(Render.list("zoe", [{ sessionId: "s-1", status: "corrupted" }])[1]).toBe(
      "s-1  corrupted  -      -        - (restore it from a snapshot)"
    )
  })

  it("names every bad field of a file by its path, one line each, and caps the list", () => {
    const Shape = Schema.Struct({ items: Schema.Array(Schema.Struct({ n: Schema.Number, kind: Schema.Literal("a", "b") })) })
    const bad = JsonFile.parse(Shape, "a shape", "f.json", JSON.stringify({ items: [{ n: "1", kind: "c" }, {}] }), { strict: true })
    expect(Either.isLeft(bad) && bad.left.message).toBe([
      "f.json: not a shape:",
      "  items[0].n: Expected number, actual \"1\"",
      "  items[0].kind: Expected \"a\" | \"b\", actual \"c\"",
      "  items[1].n: is missing",
      "  items[1].kind: is missing"
    ].join("\n"))
    const many = JsonFile.parse(Shape, "a shape", "f.json", JSON.stringify({ items: Array.from({ length: 20 }, () => ({})) }))
    expect(Either.isLeft(many) && many.left.problems.at(-1)).toBe(`… and ${40 - JsonFile.MAX_PROBLEMS} more`)
    expect(Either.isLeft(JsonFile.parse(Shape, "a shape", "f.json", "{\"items\": [], \"extra\": 1}", { strict: true }))).toBe(true)
    expect(JsonFile.parse(Shape, "a shape", "f.json", "{\"items\": [], \"extra\": 1}")).toEqual(Either.right({ items: [] }))
  })
})
