/**
 * `baton sessions` in process over a real SQLite file: what it prints of
 * stored text, how it refuses internal records, and recovery — snapshots of
 * a quarantined session, `delete`, and `quarantine list|show|release`. The
 * store is seeded and damaged through the store's own API and SQL, then
 * every command runs as the CLI runs it, with its output captured.
 */
import { Ids, Message, ReservedSession, SessionState, SessionStore } from "@baton/core"
import { Migrations, PreferenceProfile, SessionManager, SqliteSessionStore } from "@baton/session"
import { afterAll, beforeEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as Sessions from "../src/commands/Sessions.js"
import type { Io } from "../src/Io.js"

const dirs: Array<string> = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

let dir: string
let db: string
beforeEach(() => {
  dir = mkdtempSync(Path.join(tmpdir(), "baton-sessions-recovery-"))
  dirs.push(dir)
  db = Path.join(dir, "baton.db")
})

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const capture = () => {
  const out = { stdout: "", stderr: "" }
  const io: Io = {
    write: (text) => void (out.stdout += text),
    writeError: (text) => void (out.stderr += text),
    cwd: dir,
    env: {},
    isTTY: false,
    columns: undefined
  }
  return { io, out }
}

const options = <const E extends object = {}>(user: string, extra: E = {} as E) => ({
  store: "sqlite" as const,
  db,
  user: Ids.userId(user),
  json: false as boolean,
  color: false,
  ...extra
})

/** Runs a subcommand as the CLI does, with its output captured. */
const run = (command: (io: Io) => Effect.Effect<number>) =>
  Effect.gen(function*() {
    const { io, out } = capture()
    const code = yield* command(io)
    return { code, ...out } satisfies Ran
  })

/** Seeds the file through the store itself. */
const seed = <A, E>(body: Effect.Effect<A, E, SessionStore.SessionStore | SessionManager.SessionManager>) =>
  Effect.scoped(
    Effect.flatMap(SqliteSessionStore.open(db), (opened) =>
      Effect.flatMap(SqliteSessionStore.make(opened), (store) =>
        body.pipe(
          Effect.provide(Layer.provideMerge(SessionManager.layer, Layer.succeed(SessionStore.SessionStore, store)))
        )))
  )

/** Damages the file below the store, as a disk fault or a hand edit would. */
const sql = (statement: string, ...args: ReadonlyArray<unknown>) =>
  Effect.scoped(Effect.flatMap(SqliteSessionStore.open(db), (connection) => Effect.sync(() => connection.prepare(statement).run(...args))))

const stateOf = (sessionId: string, userId: string, contents: ReadonlyArray<string>, state: unknown = { notes: [] }) => {
  const id = Ids.sessionId(sessionId)
  const base = SessionState.empty({ sessionId: id, userId: Ids.userId(userId), state, now: 1_765_000_000_000 })
  return {
    ...base,
    currentAgent: Ids.agentId("triage"),
    context: {
      ...base.context,
      history: contents.map((content, i): Message.Message => ({
        id: Message.idAt(id, i),
        role: i % 2 === 0 ? "user" : "agent",
        content,
        time: 1_765_000_000_000 + i,
        ...(i % 2 === 0 ? {} : { agent: Ids.agentId("triage") })
      }))
    }
  }
}

const save = (state: SessionState.SessionState) =>
  Effect.flatMap(SessionManager.SessionManager, (manager) => manager.saveSessionState(state.userId, state))

const snapshot = (sessionId: string, userId: string, label: string) =>
  Effect.flatMap(SessionManager.SessionManager, (manager) =>
    manager.snapshot(Ids.sessionId(sessionId), Ids.userId(userId), label))

const corrupt = (sessionId: string, record: string) =>
  sql("UPDATE baton_sessions SET record = ? WHERE session_id = ?", record, sessionId)

/** Every control character a stored text may carry to a terminal, raw. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const oneLine = (text: string) => expect(text.split("\n").filter((line) => line !== "")).toHaveLength(1)

describe("baton sessions prints stored text safely", () => {
  const hostile = "hi \u001b[2J\u001b]0;pwned\u0007 there\u0000 \u202egnp.exe"

  it.effect("show writes escape sequences, NUL and bidi overrides as visible escapes; --json keeps them intact", () =>
    Effect.gen(function*() {
      yield* seed(Effect.gen(function*() {
        yield* save(stateOf("trip", "ana", [hostile, `reply\u001b[31m red`], { note: "\u202eevil", "key\u001b[1m": 1 }))
        yield* snapshot("trip", "ana", "label\u001b[5m blink")
      }))
      const shown = yield* run((io) => Sessions.show("trip", options("ana"), io))
      expect(shown.stderr).toBe("")
      expect(shown.code).toBe(0)
      expect(shown.stdout).not.toMatch(RAW_CONTROL)
      expect(shown.stdout).toContain("hi \\x1b[2J\\x1b]0;pwned\\x07 there\\x00 \\u202egnp.exe")
      expect(shown.stdout).toContain("reply\\x1b[31m red")
      expect(shown.stdout).toContain("\"note\": \"\\u202eevil\"")

      const json = yield* run((io) => Sessions.show("trip", options("ana", { json: true }), io))
      const parsed = JSON.parse(json.stdout) as SessionState.SessionState
      expect(parsed.context.history[0]!.content).toBe(hostile)
      expect(parsed.context.state).toEqual({ note: "\u202eevil", "key\u001b[1m": 1 })

      const snapshots = yield* run((io) => Sessions.snapshots("trip", options("ana"), io))
      expect(snapshots.stdout).not.toMatch(RAW_CONTROL)
      expect(snapshots.stdout).toContain("label\\x1b[5m blink")
    }))

  it.effect("list, snapshots, restore and errors escape stored ids and labels too", () =>
    Effect.gen(function*() {
      const id = "trip\u001b[31m\u202e"
      yield* seed(Effect.gen(function*() {
        yield* save(stateOf(id, "ana", ["hello"]))
        yield* snapshot(id, "ana", "first")
      }))
      const listed = yield* run((io) => Sessions.list(options("ana"), io))
      expect(listed.stdout).not.toMatch(RAW_CONTROL)
      expect(listed.stdout).toContain("trip\\x1b[31m\\u202e")
      const restored = yield* run((io) => Sessions.restore(id, 1, options("ana"), io))
      expect(restored.code).toBe(0)
      expect(restored.stdout).not.toMatch(RAW_CONTROL)
      const forbidden = yield* run((io) => Sessions.show(id, options("bob"), io))
      expect(forbidden.code).toBe(1)
      expect(forbidden.stderr).not.toMatch(RAW_CONTROL)
      expect(forbidden.stderr).toBe(`error: User "bob" may not access session "trip\\x1b[31m\\u202e": it belongs to another user.\n`)
    }))
})

describe("baton sessions and internal records", () => {
  const profile = ReservedSession.make("profile", Ids.userId("ana"))
  const forbidden = `error: User "mallory" may not access session "${profile}": it belongs to another user.\n`

  it.effect("another user's profile is Forbidden, on one line and exit 1, whatever the subcommand and whether it exists", () =>
    Effect.gen(function*() {
      const attempts: ReadonlyArray<(io: Io) => Effect.Effect<number>> = [
        (io) => Sessions.show(profile, options("mallory"), io),
        (io) => Sessions.snapshots(profile, options("mallory"), io),
        (io) => Sessions.restore(profile, 1, options("mallory"), io),
        (io) => Sessions.exportSession(profile, options("mallory"), io),
        (io) => Sessions.merge(profile, "mine", options("mallory"), io),
        (io) => Sessions.merge("mine", profile, options("mallory"), io),
        (io) => Sessions.deleteSession(profile, options("mallory", { yes: true }), io),
        (io) => Sessions.quarantineList(profile, options("mallory"), io),
        (io) => Sessions.quarantineShow(profile, 1, options("mallory"), io),
        (io) => Sessions.quarantineRelease(profile, 1, options("mallory", { drop: false }), io),
        (io) => Sessions.quarantineRelease(profile, 1, options("mallory", { drop: true }), io)
      ]
      yield* seed(save(stateOf("mine", "mallory", ["7 travellers, please"])))
      const check = Effect.forEach(attempts, (attempt) =>
        Effect.map(run(attempt), (ran) => {
          expect(ran.code).toBe(1)
          expect(ran.stdout).toBe("")
          expect(ran.stderr).toBe(forbidden)
        }))
      yield* check
      yield* seed(Effect.flatMap(SessionStore.SessionStore, (store) =>
        PreferenceProfile.make(store).observe(Ids.userId("ana"), [
          { key: "travellers", value: 2, source: "stated", sessionId: "s", at: 1 }
        ])))
      yield* check

      // An export renamed to the profile's id cannot be imported by the attacker either.
      const exported = yield* run((io) => Sessions.exportSession("mine", options("mallory"), io))
      const file = Path.join(dir, "squat.json")
      writeFileSync(file, exported.stdout.split("\"mine\"").join(JSON.stringify(profile)))
      const imported = yield* run((io) => Sessions.importSession(file, options("mallory", { overwrite: true }), io))
      expect(imported).toEqual({ code: 1, stdout: "", stderr: forbidden })
      const profileNow = yield* seed(Effect.flatMap(SessionStore.SessionStore, (store) =>
        PreferenceProfile.make(store).get(Ids.userId("ana"))))
      expect(profileNow.preferences["travellers"]?.value).toBe(2)
    }))

  it.effect("its owner does not see it listed, and show refuses it as an internal record", () =>
    Effect.gen(function*() {
      yield* seed(Effect.gen(function*() {
        yield* save(stateOf("trip", "ana", ["hello"]))
        const store = yield* SessionStore.SessionStore
        yield* PreferenceProfile.make(store).observe(Ids.userId("ana"), [
          { key: "seat", value: "aisle", source: "stated", sessionId: "trip", at: 1 }
        ])
      }))
      const listed = yield* run((io) => Sessions.list(options("ana", { json: true }), io))
      expect((JSON.parse(listed.stdout) as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual(["trip"])
      const shown = yield* run((io) => Sessions.show(profile, options("ana"), io))
      expect(shown.code).toBe(1)
      expect(shown.stderr).toBe(
        `error: session "${profile}" is an internal record (the preference profile of "ana"), not a conversation; ` +
          `\`baton sessions export ${profile} --user ana\` prints it as JSON.\n`
      )
    }))
})

describe("baton sessions and the store options", () => {
  it.effect("a Redis URL that names no Redis is a usage error (exit 2) that does not quote the URL", () =>
    Effect.gen(function*() {
      const listed = yield* run((io) =>
        Sessions.list({ ...options("ana"), store: "redis" as const, redisUrl: "s3cret-not-a-url" }, io))
      expect(listed.code).toBe(2)
      expect(listed.stderr).toBe(
        "error: the Redis URL is neither redis://[:password@]host:port nor redis+cluster://[:password@]host:port,host:port\n"
      )
    }))
})

describe("baton sessions recovery", () => {
  it.effect("a corrupted session's error names the commands to run; its snapshots are listed and one restored", () =>
    Effect.gen(function*() {
      yield* seed(Effect.gen(function*() {
        yield* save(stateOf("trip", "ana", ["first"]))
        yield* snapshot("trip", "ana", "first")
      }))
      yield* corrupt("trip", "{broken")
      const shown = yield* run((io) => Sessions.show("trip", options("ana"), io))
      expect(shown.code).toBe(1)
      oneLine(shown.stderr)
      expect(shown.stderr).toMatch(/^error: Session "trip" cannot be read: it is not valid JSON at .+\. The record was kept in quarantine as entry #1\. /)
      expect(shown.stderr).toContain(
        "`baton sessions snapshots trip --user ana` lists its snapshots and `baton sessions restore trip <n> --user ana` restores one"
      )
      expect(shown.stderr).toContain("`baton sessions quarantine list trip --user ana`")
      expect(shown.stderr).toContain("`baton sessions delete trip --user ana --yes`")
      expect(shown.stderr).not.toMatch(/SessionStore|restoreFromSnapshot/)

      const snapshots = yield* run((io) => Sessions.snapshots("trip", options("ana"), io))
      expect(snapshots.stderr).toBe("")
      expect(snapshots.stdout.split("\n")[1]).toMatch(/^1 +1 +first +\d{4}-/)
      const restored = yield* run((io) => Sessions.restore("trip", 1, options("ana"), io))
      expect(restored.stdout).toBe("Restored session trip to snapshot #1: now version 2, agent triage, 1 turn, 1 message.\n")
      const missing = yield* run((io) => Sessions.restore("trip", 9, options("ana"), io))
      expect(missing).toEqual({
        code: 1,
        stdout: "",
        stderr: "error: Snapshot #9 of session \"trip\" cannot be used: there is no such snapshot. " +
          "`baton sessions snapshots trip --user ana` lists them.\n"
      })
    }))

  it.effect("delete removes a session whose record and every snapshot are corrupt, for its owner, once confirmed with --yes", () =>
    Effect.gen(function*() {
      yield* seed(Effect.gen(function*() {
        yield* save(stateOf("trip", "ana", ["first"]))
        yield* snapshot("trip", "ana", "first")
      }))
      yield* corrupt("trip", "{broken")
      yield* sql("UPDATE baton_snapshots SET record = '[' WHERE session_id = 'trip'")
      const unconfirmed = yield* run((io) => Sessions.deleteSession("trip", options("ana", { yes: false }), io))
      expect(unconfirmed).toEqual({
        code: 2,
        stdout: "",
        stderr: "error: deleting session \"trip\" removes its record, events, snapshots and quarantined records for good; " +
          "pass --yes to delete it.\n"
      })
      const bob = yield* run((io) => Sessions.deleteSession("trip", options("bob", { yes: true }), io))
      expect(bob.code).toBe(1)
      expect(bob.stderr).toBe("error: User \"bob\" may not access session \"trip\": it belongs to another user.\n")
      const deleted = yield* run((io) => Sessions.deleteSession("trip", options("ana", { yes: true }), io))
      expect(deleted).toEqual({ code: 0, stdout: "Deleted session trip: its record, events, snapshots and quarantined records.\n", stderr: "" })
      const gone = yield* run((io) => Sessions.snapshots("trip", options("ana"), io))
      expect(gone.code).toBe(1)
      expect(gone.stderr).toContain("Session \"trip\" does not exist")
      const again = yield* run((io) => Sessions.deleteSession("trip", options("ana", { yes: true, json: true }), io))
      expect(again.code).toBe(1)
    }))

  it.effect("quarantine list, show (raw text made safe; --json intact) and release: back as the next version, refused while unreadable, or dropped", () =>
    Effect.gen(function*() {
      const older = Migrations.make([])
      const v1 = stateOf("trip", "ana", ["first"])
      yield* seed(save(v1))
      // An unversioned record that a build without the migration quarantines.
      const { schemaVersion: _, ...legacy } = { ...v1, version: 1, context: { ...v1.context, state: { notes: ["legacy"] } } }
      yield* corrupt("trip", JSON.stringify(legacy))
      yield* Effect.scoped(
        Effect.flatMap(SqliteSessionStore.open(db), (opened) =>
          Effect.flatMap(SqliteSessionStore.make(opened, { migrations: older }), (store) => Effect.flip(store.restore(Ids.sessionId("trip")))))
      )
      // Then a record that no build reads, with a terminal escape in it.
      yield* sql("UPDATE baton_sessions SET record = ?, quarantine_id = NULL WHERE session_id = 'trip'", "{\"x\":\"\u001b[2J\"")
      yield* run((io) => Sessions.show("trip", options("ana"), io))

      const listed = yield* run((io) => Sessions.quarantineList("trip", options("ana"), io))
      expect(listed.stderr).toBe("")
      const rows = listed.stdout.trimEnd().split("\n")
      expect(rows[0]).toMatch(/^ID +VERSION +KEPT +REASON$/)
      expect(rows[1]).toMatch(/^1 +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +there is no migration from schema version 0$/)
      expect(rows[2]).toMatch(/^2 +1 +\d{4}-.+ +it is not valid JSON/)

      const shown = yield* run((io) => Sessions.quarantineShow("trip", 2, options("ana"), io))
      expect(shown.code).toBe(0)
      expect(shown.stdout).not.toMatch(RAW_CONTROL)
      expect(shown.stdout).toContain("{\"x\":\"\\x1b[2J\"")
      const json = yield* run((io) => Sessions.quarantineShow("trip", 2, options("ana", { json: true }), io))
      expect((JSON.parse(json.stdout) as { raw: string }).raw).toBe("{\"x\":\"\u001b[2J\"")
      const none = yield* run((io) => Sessions.quarantineShow("trip", 7, options("ana"), io))
      expect(none).toEqual({
        code: 1,
        stdout: "",
        stderr: "error: Session \"trip\" has no quarantined record #7. `baton sessions quarantine list trip --user ana` lists them.\n"
      })

      const refused = yield* run((io) => Sessions.quarantineRelease("trip", 2, options("ana", { drop: false }), io))
      expect(refused.code).toBe(1)
      oneLine(refused.stderr)
      expect(refused.stderr).toMatch(
        /^error: quarantined record #2 of session "trip" still cannot be read: it is not valid JSON at .+; nothing was changed\. Pass --drop to remove it from quarantine for good\.\n$/
      )
      const released = yield* run((io) => Sessions.quarantineRelease("trip", 1, options("ana", { drop: false }), io))
      expect(released.stderr).toBe("")
      expect(released.stdout).toBe(
        "Released quarantined record #1 of session trip: it is now version 2, agent triage, 1 turn, 1 message.\n"
      )
      const back = yield* run((io) => Sessions.show("trip", options("ana", { json: true }), io))
      expect((JSON.parse(back.stdout) as SessionState.SessionState).context.state).toEqual({ notes: ["legacy"] })
      const dropped = yield* run((io) => Sessions.quarantineRelease("trip", 2, options("ana", { drop: true }), io))
      expect(dropped.stdout).toBe("Dropped quarantined record #2 of session trip: it is gone for good.\n")
      const empty = yield* run((io) => Sessions.quarantineList("trip", options("ana"), io))
      expect(empty.stdout).toBe("Session \"trip\" has no quarantined records.\n")
    }))
})
