import { Errors, Ids, type SessionStore } from "@baton/core"
import type Database from "better-sqlite3"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Backend, CommitOutcome, StoredState } from "./store.js"

/** The tables' layout version, kept in `PRAGMA user_version`. */
export const TABLES_VERSION = 1

const TABLES = `
CREATE TABLE IF NOT EXISTS baton_sessions (
  session_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  record TEXT,
  checksum INTEGER,
  quarantine_id INTEGER,
  event_count INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS baton_sessions_by_user ON baton_sessions (user_id);
CREATE INDEX IF NOT EXISTS baton_sessions_by_expiry ON baton_sessions (expires_at);
CREATE TABLE IF NOT EXISTS baton_events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS baton_snapshots (
  session_id TEXT NOT NULL,
  snapshot_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  checksum INTEGER,
  PRIMARY KEY (session_id, snapshot_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS baton_leases (
  session_id TEXT PRIMARY KEY,
  owner TEXT,
  token INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS baton_quarantine (
  session_id TEXT NOT NULL,
  id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (session_id, id)
) WITHOUT ROWID;
`

/** Opens the tables, refusing a database laid out by a newer build. */
export const prepareTables = (db: Database.Database): void => {
  const version = db.pragma("user_version", { simple: true }) as number
  if (version > TABLES_VERSION) {
    throw new Error(`the database's tables are at layout ${version}; this build knows layout ${TABLES_VERSION}`)
  }
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.pragma("busy_timeout = 5000")
  db.exec(TABLES)
  db.pragma(`user_version = ${TABLES_VERSION}`)
}

interface SessionRow {
  readonly version: number
  readonly record: string | null
  readonly checksum: number | null
  readonly quarantine_id: number | null
  readonly event_count: number
  readonly expires_at: number
  readonly user_id: string
}

interface LeaseRow {
  readonly owner: string | null
  readonly token: number
  readonly expires_at: number
}

interface SnapshotRow {
  readonly snapshot_id: number
  readonly version: number
  readonly label: string
  readonly created_at: number
}

interface QuarantineRow {
  readonly id: number
  readonly version: number
  readonly reason: string
  readonly raw: string
  readonly at: number
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

export const makeBackend = (db: Database.Database, options: { readonly ttlMs: number }) => {
  const { ttlMs } = options
  const selectSession = db.prepare<[string], SessionRow>(
    "SELECT version, record, checksum, quarantine_id, event_count, expires_at, user_id FROM baton_sessions WHERE session_id = ?"
  )
  const upsertSession = db.prepare<[string, string, number, string, number, number, number]>(
    `INSERT INTO baton_sessions (session_id, user_id, version, record, checksum, quarantine_id, event_count, expires_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, version = excluded.version,
       record = excluded.record, checksum = excluded.checksum, quarantine_id = NULL,
       event_count = excluded.event_count, expires_at = excluded.expires_at`
  )
  const insertEvent = db.prepare<[string, number, string]>("INSERT INTO baton_events (session_id, seq, event) VALUES (?, ?, ?)")
  const selectEvents = db.prepare<[string], string>("SELECT event FROM baton_events WHERE session_id = ? ORDER BY seq").pluck()
  const nextSnapshotId = db.prepare<[string], number>(
    "SELECT COALESCE(MAX(snapshot_id), 0) + 1 FROM baton_snapshots WHERE session_id = ?"
  ).pluck()
  const insertSnapshot = db.prepare<[string, number, number, string, number, string, number]>(
    `INSERT INTO baton_snapshots (session_id, snapshot_id, version, label, created_at, record, checksum)
     VALUES (?, ?, ?, ?, ?, ?, ?)`
  )
  const selectSnapshots = db.prepare<[string], SnapshotRow>(
    "SELECT snapshot_id, version, label, created_at FROM baton_snapshots WHERE session_id = ? ORDER BY snapshot_id"
  )
  const selectSnapshot = db.prepare<[string, number], SnapshotRow & { readonly record: string; readonly checksum: number | null }>(
    "SELECT snapshot_id, version, label, created_at, record, checksum FROM baton_snapshots WHERE session_id = ? AND snapshot_id = ?"
  )
  const selectLease = db.prepare<[string], LeaseRow>("SELECT owner, token, expires_at FROM baton_leases WHERE session_id = ?")
  const upsertLease = db.prepare<[string, string, number, number]>(
    `INSERT INTO baton_leases (session_id, owner, token, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at`
  )
  const releaseLease = db.prepare<[string, number]>(
    "UPDATE baton_leases SET owner = NULL, expires_at = 0 WHERE session_id = ? AND token = ?"
  )
  const nextQuarantineId = db.prepare<[string], number>(
    "SELECT COALESCE(MAX(id), 0) + 1 FROM baton_quarantine WHERE session_id = ?"
  ).pluck()
  const insertQuarantine = db.prepare<[string, number, number, string, string, number]>(
    "INSERT INTO baton_quarantine (session_id, id, version, reason, raw, at) VALUES (?, ?, ?, ?, ?, ?)"
  )
  const markQuarantined = db.prepare<[number, string]>(
    "UPDATE baton_sessions SET record = NULL, checksum = NULL, quarantine_id = ? WHERE session_id = ?"
  )
  const selectQuarantine = db.prepare<[string], QuarantineRow>(
    "SELECT id, version, reason, raw, at FROM baton_quarantine WHERE session_id = ? ORDER BY id"
  )
  const deleteQuarantine = db.prepare<[string, number]>("DELETE FROM baton_quarantine WHERE session_id = ? AND id = ?")
  const selectByUser = db.prepare<[string, number], string>(
    "SELECT session_id FROM baton_sessions WHERE user_id = ? AND expires_at > ? ORDER BY session_id"
  ).pluck()
  const deleteSessionData = [
    db.prepare<[string]>("DELETE FROM baton_events WHERE session_id = ?"),
    db.prepare<[string]>("DELETE FROM baton_snapshots WHERE session_id = ?"),
    db.prepare<[string]>("DELETE FROM baton_sessions WHERE session_id = ?")
  ]
  const deleteEverything = [
    ...deleteSessionData,
    db.prepare<[string]>("DELETE FROM baton_leases WHERE session_id = ?"),
    db.prepare<[string]>("DELETE FROM baton_quarantine WHERE session_id = ?")
  ]
  const purgeExpiredStatements = [
    db.prepare<[number]>(
      "DELETE FROM baton_events WHERE session_id IN (SELECT session_id FROM baton_sessions WHERE expires_at <= ?)"
    ),
    db.prepare<[number]>(
      "DELETE FROM baton_snapshots WHERE session_id IN (SELECT session_id FROM baton_sessions WHERE expires_at <= ?)"
    ),
    db.prepare<[number]>("DELETE FROM baton_sessions WHERE expires_at <= ?")
  ]

  const forget = (sessionId: string) => {
    for (const statement of deleteSessionData) statement.run(sessionId)
  }

  // The live row; an expired one is removed on the way.
  const liveRow = (sessionId: string, now: number): SessionRow | undefined => {
    const row = selectSession.get(sessionId)
    if (row === undefined || row.expires_at > now) return row
    forget(sessionId)
    return undefined
  }
  // Outside a write transaction: reads take no lock unless they find an
  // expired session to remove.
  const forgetExpired = db.transaction(liveRow)
  const live = (sessionId: string, now: number): SessionRow | undefined => {
    const row = selectSession.get(sessionId)
    return row === undefined || row.expires_at > now ? row : forgetExpired.immediate(sessionId, now)
  }

  const run = <A>(operation: string, f: (now: number) => A): Effect.Effect<A, Errors.SessionStoreError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.try({
        try: () => f(now),
        catch: (cause) =>
          new Errors.SessionStoreError({ operation, reason: `SQLite database ${db.name}: ${describe(cause)}`, cause })
      }))

  const commit = db.transaction((request: Parameters<Backend["commit"]>[0], now: number): CommitOutcome => {
    const { sessionId } = request
    if (request.fencingToken !== undefined) {
      const current = selectLease.get(sessionId)?.token ?? 0
      if (request.fencingToken < current) return { _tag: "Fenced", current }
    }
    const row = liveRow(sessionId, now)
    const actual = row?.version ?? 0
    if (actual !== request.expectedVersion) return { _tag: "Conflict", actual }
    const base = row?.event_count ?? 0
    // SQLite keeps the record as TEXT, as it always has.
    const record = request.record.toString("utf8")
    upsertSession.run(
      sessionId,
      request.userId,
      request.version,
      record,
      request.checksum,
      base + request.events.length,
      now + ttlMs
    )
    for (let i = 0; i < request.events.length; i++) insertEvent.run(sessionId, base + i + 1, request.events[i]!)
    if (request.snapshot !== undefined) {
      const id = nextSnapshotId.get(sessionId)!
      insertSnapshot.run(
        sessionId,
        id,
        request.version,
        request.snapshot.label,
        request.snapshot.createdAt,
        record,
        request.checksum
      )
    }
    return { _tag: "Committed" }
  })

  const quarantine = db.transaction((entry: Omit<SessionStore.QuarantinedRecord, "id">, now: number) => {
    const row = liveRow(entry.sessionId, now)
    if (row === undefined || row.version !== entry.version || (row.record ?? "") !== entry.raw) return undefined
    const id = nextQuarantineId.get(entry.sessionId)!
    insertQuarantine.run(entry.sessionId, id, entry.version, entry.reason, entry.raw, entry.at)
    markQuarantined.run(id, entry.sessionId)
    return id
  })

  const saveSnapshot = db.transaction(
    (sessionId: string, snapshot: Parameters<Backend["saveSnapshot"]>[1], now: number) => {
      if (liveRow(sessionId, now) === undefined) return undefined
      const id = nextSnapshotId.get(sessionId)!
      insertSnapshot.run(
        sessionId,
        id,
        snapshot.version,
        snapshot.label,
        snapshot.createdAt,
        snapshot.record.toString("utf8"),
        snapshot.checksum
      )
      return id
    }
  )

  const acquire = db.transaction((sessionId: string, owner: string, ttl: number, now: number) => {
    const held = selectLease.get(sessionId)
    const expiresAt = now + ttl
    if (held !== undefined && held.owner !== null && held.expires_at > now) {
      if (held.owner !== owner) return { _tag: "Held" as const, holder: held.owner, expiresAt: held.expires_at }
      upsertLease.run(sessionId, owner, held.token, expiresAt)
      return { _tag: "Acquired" as const, token: held.token, expiresAt }
    }
    const token = (held?.token ?? 0) + 1
    upsertLease.run(sessionId, owner, token, expiresAt)
    return { _tag: "Acquired" as const, token, expiresAt }
  })

  const renew = db.transaction((lease: SessionStore.Lease, ttl: number, now: number) => {
    const current = selectLease.get(lease.sessionId)?.token ?? 0
    if (current !== lease.token) return { _tag: "Lost" as const, current }
    const expiresAt = now + ttl
    upsertLease.run(lease.sessionId, lease.owner, lease.token, expiresAt)
    return { _tag: "Renewed" as const, expiresAt }
  })

  const remove = db.transaction((sessionId: string) => {
    for (const statement of deleteEverything) statement.run(sessionId)
  })

  const purgeExpired = db.transaction((now: number) => {
    for (const statement of purgeExpiredStatements) statement.run(now)
  })

  const snapshotInfo = (sessionId: Ids.SessionId, row: SnapshotRow): SessionStore.SnapshotInfo => ({
    sessionId,
    id: row.snapshot_id,
    version: row.version,
    label: row.label,
    createdAt: row.created_at
  })

  const backend: Backend = {
    read: (sessionId) =>
      run("load", (now): StoredState | undefined => {
        const row = live(sessionId, now)
        return row === undefined
          ? undefined
          : {
            version: row.version,
            record: row.record === null ? undefined : { json: row.record, checksum: row.checksum ?? undefined },
            quarantineId: row.quarantine_id ?? undefined,
            userId: row.user_id === "" ? undefined : Ids.userId(row.user_id)
          }
      }),
    commit: (request) => run("commit", (now) => commit.immediate(request, now)),
    quarantine: (entry) => run("quarantine", (now) => quarantine.immediate(entry, now)),
    quarantined: (sessionId) =>
      run("quarantined", () => selectQuarantine.all(sessionId).map((row) => ({ sessionId, ...row }))),
    dropQuarantined: (sessionId, quarantineId) =>
      run("dropQuarantined", () => deleteQuarantine.run(sessionId, quarantineId).changes > 0),
    events: (sessionId) =>
      run("events", (now) => (live(sessionId, now) === undefined ? [] : selectEvents.all(sessionId))),
    saveSnapshot: (sessionId, snapshot) =>
      run("saveSnapshot", (now) => {
        const id = saveSnapshot.immediate(sessionId, snapshot, now)
        return id === undefined
          ? undefined
          : { sessionId, id, version: snapshot.version, label: snapshot.label, createdAt: snapshot.createdAt }
      }),
    snapshots: (sessionId) =>
      run("snapshots", (now) =>
        live(sessionId, now) === undefined
          ? []
          : selectSnapshots.all(sessionId).map((row) => snapshotInfo(sessionId, row))),
    snapshot: (sessionId, snapshotId) =>
      run("loadSnapshot", (now) => {
        if (live(sessionId, now) === undefined) return undefined
        const row = selectSnapshot.get(sessionId, snapshotId)
        return row === undefined
          ? undefined
          : { info: snapshotInfo(sessionId, row), record: { json: row.record, checksum: row.checksum ?? undefined } }
      }),
    listByUser: (userId) => run("listByUser", (now) => selectByUser.all(userId, now) as Array<Ids.SessionId>),
    delete: (sessionId) => run("delete", () => remove.immediate(sessionId)),
    acquireLease: (sessionId, owner, ttl) => run("acquireLease", (now) => acquire.immediate(sessionId, owner, ttl, now)),
    renewLease: (lease, ttl) => run("renewLease", (now) => renew.immediate(lease, ttl, now)),
    releaseLease: (lease) => run("releaseLease", () => void releaseLease.run(lease.sessionId, lease.token))
  }

  return { backend, purgeExpired: (now: number) => purgeExpired.immediate(now) }
}
