import { Ids, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { SqliteSessionStore } from "../src/index.js"
import { conformance, freshSession, freshUser, type Raw, StoreUnderTest } from "./conformance.js"
import { runWriters } from "./support/processes.js"
import * as TempDir from "./support/TempDir.js"
import { itemsOf, plainState } from "./support/sessions.js"

const TABLES = ["baton_sessions", "baton_events", "baton_snapshots", "baton_leases", "baton_quarantine"]

const tempDir = TempDir.scoped("baton-sqlite-")

const shortTtlMs = 60_000

afterAll(() => TempDir.removeAll())

conformance(
  "SQLite",
  Layer.scoped(
    StoreUnderTest,
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "nested", "baton.db")
      const db = yield* SqliteSessionStore.open(filename)
      const raw: Raw = {
        putRecord: ({ checksummed, json, sessionId, userId, version }) =>
          Effect.sync(() =>
            db.prepare(
              `INSERT INTO baton_sessions (session_id, user_id, version, record, checksum, quarantine_id, event_count, expires_at)
               VALUES (?, ?, ?, ?, ?, NULL, 0, ?)
               ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, version = excluded.version,
                 record = excluded.record, checksum = excluded.checksum, quarantine_id = NULL`
            ).run(sessionId, userId, version, json, checksummed === true ? zlib.crc32(json) : null, Number.MAX_SAFE_INTEGER)
          ),
        overwriteJson: (sessionId, json) =>
          Effect.sync(() => db.prepare("UPDATE baton_sessions SET record = ? WHERE session_id = ?").run(json, sessionId)),
        // Every row, and the bytes of the database and its write-ahead log.
        dump: Effect.sync(() =>
          [
            ...TABLES.map((table) => JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all())),
            ...[filename, `${filename}-wal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file, "latin1"))
          ].join("\n")
        ),
        reopen: (migrations) => Effect.orDie(SqliteSessionStore.make(db, { migrations }))
      }
      return {
        store: yield* SqliteSessionStore.make(db),
        shortLived: yield* SqliteSessionStore.make(db, { ttl: shortTtlMs }),
        shortTtlMs,
        advance: (ms: number) => TestClock.adjust(ms),
        raw
      }
    })
  ),
  { virtualClock: true, raw: true, propertyRuns: 300 }
)

describe("SqliteSessionStore", () => {
  it("keeps the CLI's sessions in .baton/baton.db", () => {
    expect(SqliteSessionStore.defaultFilename).toBe(".baton/baton.db")
  })

  it.scoped("creates the file's folder, runs in WAL mode, and closes the database with the layer", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, ".baton", "baton.db")
      const sessionId = freshSession("wal")
      yield* Effect.scoped(
        Effect.gen(function*() {
          const db = yield* SqliteSessionStore.open(filename)
          expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
          const store = yield* SqliteSessionStore.make(db)
          yield* store.commit({ state: plainState(sessionId, freshUser("u"), 1), expectedVersion: 0, events: [] })
          expect(fs.existsSync(`${filename}-wal`)).toBe(true)
        })
      )
      // Closing the last connection checkpoints and removes the log.
      expect(fs.existsSync(`${filename}-wal`)).toBe(false)
      const store = yield* Layer.build(SqliteSessionStore.layer({ filename })).pipe(
        Effect.map((context) => context.unsafeMap.get(SessionStore.SessionStore.key) as SessionStore.Service)
      )
      expect(Option.isSome(yield* store.load(sessionId))).toBe(true)
    }))

  it.scoped("removes expired sessions when it opens", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "baton.db")
      const sessionId = freshSession("purge")
      const userId = freshUser("u")
      yield* Effect.scoped(
        Effect.flatMap(SqliteSessionStore.open(filename), (db) =>
          Effect.flatMap(SqliteSessionStore.make(db, { ttl: "1 hour" }), (store) =>
            store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })))
      )
      yield* TestClock.adjust("2 hours")
      const db = yield* SqliteSessionStore.open(filename)
      yield* SqliteSessionStore.make(db)
      for (const table of ["baton_sessions", "baton_events", "baton_snapshots"]) {
        expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()).toBe(0)
      }
    }))

  it.scoped("refuses a database laid out by a newer build, with a typed error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "future.db")
      yield* Effect.scoped(Effect.flatMap(SqliteSessionStore.open(filename), (db) => Effect.sync(() => db.pragma("user_version = 99"))))
      const error = yield* Effect.flip(Effect.scoped(SqliteSessionStore.open(filename)))
      expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "open" })
      expect(error.message).toContain("layout 99")
    }))

  it.scoped("two processes writing to the same file lose no update", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "shared.db")
      const sessionId = Ids.sessionId("two-processes")
      const userId = Ids.userId("u")
      const count = 150
      yield* Effect.promise(() =>
        runWriters(["p1", "p2"].map((worker) => ({ store: { kind: "sqlite", filename }, sessionId, userId, worker, count })))
      )
      const db = yield* SqliteSessionStore.open(filename)
      const store = yield* SqliteSessionStore.make(db)
      const final = yield* store.load(sessionId)
      const expected = ["p1", "p2"].flatMap((worker) => Array.from({ length: count }, (_, i) => `${worker}-${i}`))
      expect(Option.map(final, (state) => [...itemsOf(state)].sort())).toEqual(Option.some(expected.sort()))
      // Each process appended its messages to a history the other extended: each once, in commit order.
      expect(Option.map(final, (state) => state.context.history.map((message) => message.content))).toEqual(
        Option.map(final, itemsOf)
      )
      expect(yield* store.events(sessionId)).toHaveLength(2 * count)
    }))
})
