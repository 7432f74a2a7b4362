/**
 * A `SessionStore` derived from a backend that stores records as JSON, handed
 * over in UTF-8. The backend keeps each write atomic (version compare-and-set,
 * fence, events, snapshot); everything else — redaction, encoding,
 * migrations, quarantine, recovery from snapshots, typed errors — lives here,
 * once, for every backend.
 */
import {
  Errors,
  Ids,
  JsonInput,
  ReservedSession,
  type SessionState,
  type SessionStore
} from "@baton/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Migrations from "../Migrations.js"
import * as codec from "./codec.js"

export interface StoredState {
  readonly version: number
  /** Absent when the record was quarantined. */
  readonly record: codec.StoredRecord | undefined
  readonly quarantineId: number | undefined
  /** The user stored with the record, when the backend keeps one apart from it. */
  readonly userId: Ids.UserId | undefined
  /**
   * Why the record is in quarantine, when the backend quarantined it while
   * reading it (a Redis key of the wrong type, which no record decode sees).
   */
  readonly quarantineReason?: string
}

export type CommitOutcome =
  | { readonly _tag: "Committed" }
  | { readonly _tag: "Conflict"; readonly actual: number }
  | { readonly _tag: "Fenced"; readonly current: number }

export type AcquireOutcome =
  | { readonly _tag: "Acquired"; readonly token: number; readonly expiresAt: number }
  | { readonly _tag: "Held"; readonly holder: string; readonly expiresAt: number }

export type RenewOutcome =
  | { readonly _tag: "Renewed"; readonly expiresAt: number }
  | { readonly _tag: "Lost"; readonly current: number }

export interface StoredSnapshot {
  readonly info: SessionStore.SnapshotInfo
  readonly record: codec.StoredRecord
}

type Op<A> = Effect.Effect<A, Errors.SessionStoreError>

export interface Backend {
  readonly read: (sessionId: Ids.SessionId) => Op<StoredState | undefined>
  readonly commit: (request: CommitRequest) => Op<CommitOutcome>
  /**
   * Moves the record to quarantine, if it is still the one read (`asRead`,
   * as the backend returned it) at that version; the quarantine entry's id,
   * or undefined when it changed meanwhile.
   */
  readonly quarantine: (
    entry: Omit<SessionStore.QuarantinedRecord, "id">,
    asRead: string | Buffer
  ) => Op<number | undefined>
  readonly quarantined: (sessionId: Ids.SessionId) => Op<ReadonlyArray<SessionStore.QuarantinedRecord>>
  /** Removes a quarantine entry; false when there was none with that id. */
  readonly dropQuarantined: (sessionId: Ids.SessionId, quarantineId: number) => Op<boolean>
  readonly events: (sessionId: Ids.SessionId) => Op<ReadonlyArray<string>>
  /** Undefined when the session does not exist. */
  readonly saveSnapshot: (
    sessionId: Ids.SessionId,
    snapshot: {
      readonly version: number
      /** The record's JSON in UTF-8. */
      readonly record: Buffer
      readonly checksum: number
      readonly label: string
      readonly createdAt: number
    }
  ) => Op<SessionStore.SnapshotInfo | undefined>
  readonly snapshots: (sessionId: Ids.SessionId) => Op<ReadonlyArray<SessionStore.SnapshotInfo>>
  readonly snapshot: (sessionId: Ids.SessionId, snapshotId: number) => Op<StoredSnapshot | undefined>
  readonly listByUser: (userId: Ids.UserId) => Op<ReadonlyArray<Ids.SessionId>>
  readonly delete: (sessionId: Ids.SessionId) => Op<void>
  readonly acquireLease: (sessionId: Ids.SessionId, owner: string, ttlMs: number) => Op<AcquireOutcome>
  readonly renewLease: (lease: SessionStore.Lease, ttlMs: number) => Op<RenewOutcome>
  readonly releaseLease: (lease: SessionStore.Lease) => Op<void>
}

export interface Options {
  readonly migrations: Migrations.Registry
}

const millis = (ttl: Duration.DurationInput) => Duration.toMillis(Duration.decode(ttl))

/** The user a record's text names, read without decoding it (it may be corrupted elsewhere). */
const ownerNamedIn = (json: string | Buffer): Ids.UserId | undefined => {
  const parsed = JsonInput.parse(typeof json === "string" ? json : json.toString("utf8"), { maxDepth: codec.MAX_DEPTH })
  if (Either.isLeft(parsed) || typeof parsed.right !== "object" || parsed.right === null) return undefined
  const userId = (parsed.right as { readonly userId?: unknown }).userId
  return typeof userId === "string" && userId !== "" ? Ids.userId(userId) : undefined
}

const invalid = (operation: string, reason: string) => new Errors.SessionStoreError({ operation, reason })

/**
 * What a backend commits: the state validated, redacted and encoded.
 *
 * A class, and its events made by `map`, not object and array literals: V8
 * keeps per-literal statistics ("allocation sites") and, once most of a
 * literal's objects outlive a young collection — requests do, while their
 * command is in flight — allocates every later one in the old generation.
 * There a request keeps its record's bytes and events until the next full
 * collection: on a Redis store that was 40–60 full collections per 4,000
 * commits, and none with the class (BENCHMARKS.md). Class instances have no
 * allocation site.
 */
export class CommitRequest {
  readonly sessionId: Ids.SessionId
  readonly userId: Ids.UserId
  readonly expectedVersion: number
  readonly version: number
  /** The record's JSON as bytes (ASCII, see `historyBytes.ts`). */
  readonly record: Buffer
  readonly checksum: number
  readonly fencingToken: number | undefined
  constructor(
    input: SessionStore.CommitInput,
    encoded: codec.EncodedRecord,
    readonly events: ReadonlyArray<string>,
    /** The new snapshot's metadata when the commit takes one. */
    readonly snapshot: { readonly label: string; readonly createdAt: number } | undefined
  ) {
    this.sessionId = input.state.sessionId
    this.userId = input.state.userId
    this.expectedVersion = input.expectedVersion
    this.version = input.state.version
    this.record = encoded.bytes
    this.checksum = encoded.checksum
    this.fencingToken = input.fencingToken
  }
}

export const make = (backend: Backend, options: Options): SessionStore.Service => {
  const decode = (sessionId: Ids.SessionId, record: codec.StoredRecord) =>
    codec.decodeState(options.migrations, sessionId, record)

  // Why a session whose record is in quarantine cannot be read: the reason
  // its entry gives, so that every read says the same.
  const quarantinedReason = (sessionId: Ids.SessionId, quarantineId: number, known: string | undefined) =>
    known !== undefined
      ? Effect.succeed({ sessionId, reason: known, quarantineId })
      : Effect.map(backend.quarantined(sessionId), (entries) => {
        const entry = entries.find((candidate) => candidate.id === quarantineId)
        return entry === undefined
          ? { sessionId, reason: `its record was unreadable; quarantine entry #${quarantineId}, which held it, was dropped` }
          : { sessionId, reason: entry.reason, quarantineId }
      })

  // Reads the state; an unreadable record goes to quarantine first.
  const readChecked = (
    sessionId: Ids.SessionId
  ): Effect.Effect<Option.Option<SessionState.SessionState>, Errors.SessionCorrupted | Errors.SessionStoreError> =>
    Effect.flatMap(backend.read(sessionId), (stored) => {
      if (stored === undefined) return Effect.succeed(Option.none())
      if (stored.record === undefined && stored.quarantineId !== undefined) {
        return Effect.flatMap(
          quarantinedReason(sessionId, stored.quarantineId, stored.quarantineReason),
          (corrupted) => Effect.fail(new Errors.SessionCorrupted(corrupted))
        )
      }
      const decoded = stored.record === undefined
        ? Either.left("the stored state has no record")
        : decode(sessionId, stored.record)
      if (Either.isRight(decoded)) return Effect.succeed(Option.some(decoded.right))
      const asRead = stored.record?.json ?? ""
      const raw = typeof asRead === "string" ? asRead : asRead.toString("utf8")
      return Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.flatMap(
          backend.quarantine({ sessionId, version: stored.version, reason: decoded.left, raw, at }, asRead),
          (quarantineId) =>
            quarantineId === undefined
              ? readChecked(sessionId) // rewritten meanwhile: read the new record
              : Effect.fail(new Errors.SessionCorrupted({ sessionId, reason: decoded.left, quarantineId }))
        ))
    })

  const goodSnapshot = (sessionId: Ids.SessionId, snapshotId: number | undefined) =>
    Effect.gen(function*() {
      if (snapshotId !== undefined) {
        const found = yield* backend.snapshot(sessionId, snapshotId)
        if (found === undefined) {
          return yield* new Errors.SnapshotNotFound({ sessionId, snapshotId, reason: "there is no such snapshot" })
        }
        const state = decode(sessionId, found.record)
        if (Either.isLeft(state)) {
          return yield* new Errors.SessionCorrupted({ sessionId, reason: `snapshot #${snapshotId} cannot be read: ${state.left}` })
        }
        return state.right
      }
      const list = yield* backend.snapshots(sessionId)
      for (let i = list.length - 1; i >= 0; i--) {
        const found = yield* backend.snapshot(sessionId, list[i]!.id)
        const state = found === undefined ? undefined : decode(sessionId, found.record)
        if (state !== undefined && Either.isRight(state)) return state.right
      }
      return yield* new Errors.SnapshotNotFound({
        sessionId,
        reason: list.length === 0 ? "the session has no snapshots" : `none of its ${list.length} snapshots can be read`
      })
    })

  // The request as the backend takes it: validated, encoded, redacted.
  const commitRequest = (
    input: SessionStore.CommitInput,
    snapshot: CommitRequest["snapshot"]
  ): Either.Either<CommitRequest, Errors.SessionStoreError> => {
    const { expectedVersion, state } = input
    if (state.version !== expectedVersion + 1) {
      return Either.left(invalid(
        "commit",
        `the state of session "${state.sessionId}" has version ${state.version}; a commit expecting ` +
          `version ${expectedVersion} must write version ${expectedVersion + 1}`
      ))
    }
    const violation = ReservedSession.violation(state)
    if (Option.isSome(violation)) return Either.left(invalid("commit", violation.value))
    const record = codec.encodeState(state)
    if (Either.isLeft(record)) return Either.left(invalid("commit", `session "${state.sessionId}": ${record.left}`))
    let failed: string | undefined
    const events = input.events.map((event) => {
      const encoded = codec.encodeEvent(event)
      if (Either.isRight(encoded)) return encoded.right
      failed ??= encoded.left
      return ""
    })
    if (failed !== undefined) return Either.left(invalid("commit", `session "${state.sessionId}": ${failed}`))
    return Either.right(new CommitRequest(input, record.right, events, snapshot))
  }

  // Combinators, not Effect.gen: on Node 20 a generator function created per
  // call keeps what it closes over (here the whole state) alive through young
  // collections until the next full one. Measured on the commit path, every
  // committed state was promoted and scavenges paused 2–5 ms (BENCHMARKS.md).
  const commitWith = (input: SessionStore.CommitInput, snapshot: CommitRequest["snapshot"]) => {
    const request = commitRequest(input, snapshot)
    return Either.isLeft(request) ? Effect.fail(request.left) : backend.commit(request.right)
  }

  const commitRaw = (input: SessionStore.CommitInput) => {
    const label = input.snapshot
    return label === undefined
      ? commitWith(input, undefined)
      : Effect.flatMap(Clock.currentTimeMillis, (createdAt) => commitWith(input, { label, createdAt }))
  }

  const commit = (input: SessionStore.CommitInput): Effect.Effect<void, SessionStore.CommitError> =>
    Effect.flatMap(commitRaw(input), (outcome): Effect.Effect<void, SessionStore.CommitError> => {
      const sessionId = input.state.sessionId
      switch (outcome._tag) {
        case "Committed":
          return Effect.void
        case "Conflict":
          return Effect.fail(
            new Errors.SessionConflict({ sessionId, expectedVersion: input.expectedVersion, actualVersion: outcome.actual })
          )
        case "Fenced":
          return Effect.fail(new Errors.LeaseLost({ sessionId, token: input.fencingToken ?? 0, currentToken: outcome.current }))
      }
    })

  const restoreFromSnapshot = (sessionId: Ids.SessionId, snapshotId?: number) =>
    Effect.gen(function*() {
      const stored = yield* backend.read(sessionId)
      if (stored === undefined) {
        return yield* new Errors.SnapshotNotFound({
          sessionId,
          ...(snapshotId === undefined ? {} : { snapshotId }),
          reason: "the session does not exist"
        })
      }
      const snapshot = yield* goodSnapshot(sessionId, snapshotId)
      const restored: SessionState.SessionState = { ...snapshot, version: stored.version + 1 }
      yield* commit({ state: restored, expectedVersion: stored.version, events: [] }).pipe(
        Effect.catchTag("LeaseLost", Effect.die) // only a commit with a fencing token is fenced
      )
      return restored
    })

  const restore = (
    sessionId: Ids.SessionId,
    restoreOptions?: SessionStore.RestoreOptions
  ): Effect.Effect<Option.Option<SessionState.SessionState>, Errors.SessionCorrupted | Errors.SessionStoreError> => {
    const read = readChecked(sessionId)
    if (restoreOptions?.onCorrupted !== "restoreFromSnapshot") return read
    return Effect.catchTag(read, "SessionCorrupted", (corrupted) =>
      restoreFromSnapshot(sessionId).pipe(
        Effect.map(Option.some),
        Effect.catchTags({
          SnapshotNotFound: (missing) =>
            Effect.fail(new Errors.SessionCorrupted({ ...corrupted, reason: `${corrupted.reason}; ${missing.reason}` })),
          // Someone restored or committed first: read what they wrote.
          SessionConflict: () => restore(sessionId, restoreOptions)
        })
      ))
  }

  // What the store can still read of the session's owner when no user is
  // stored with its record: its snapshots', then its quarantined records'.
  const inspect = (sessionId: Ids.SessionId) =>
    Effect.gen(function*() {
      const stored = yield* backend.read(sessionId)
      const info = (userId: Ids.UserId | undefined) =>
        Option.some<SessionStore.SessionInfo>({
          sessionId,
          version: stored?.version ?? 0,
          userId: Option.fromNullable(userId),
          quarantineId: Option.fromNullable(stored?.quarantineId)
        })
      if (stored?.userId !== undefined) return info(stored.userId)
      const snapshots = yield* backend.snapshots(sessionId)
      for (let i = snapshots.length - 1; i >= 0; i--) {
        const found = yield* backend.snapshot(sessionId, snapshots[i]!.id)
        const owner = found === undefined ? undefined : ownerNamedIn(found.record.json)
        if (owner !== undefined) return info(owner)
      }
      const quarantined = yield* backend.quarantined(sessionId)
      if (stored === undefined && snapshots.length === 0 && quarantined.length === 0) return Option.none()
      return info(quarantined.map((entry) => ownerNamedIn(entry.raw)).findLast((owner) => owner !== undefined))
    })

  const quarantineEntry = (sessionId: Ids.SessionId, quarantineId: number) =>
    Effect.flatMap(backend.quarantined(sessionId), (entries) => {
      const entry = entries.find((candidate) => candidate.id === quarantineId)
      return entry === undefined
        ? Effect.fail(new Errors.QuarantinedRecordNotFound({ sessionId, quarantineId }))
        : Effect.succeed(entry)
    })

  return {
    load: (sessionId) =>
      Effect.catchTag(readChecked(sessionId), "SessionCorrupted", (corrupted) =>
        Effect.fail(new Errors.SessionStoreError({ operation: "load", reason: corrupted.message, cause: corrupted }))),
    restore,
    commit,
    events: (sessionId) =>
      Effect.flatMap(backend.events(sessionId), (raws) => {
        const events = []
        for (let i = 0; i < raws.length; i++) {
          const event = codec.decodeEvent(raws[i]!)
          if (Either.isLeft(event)) {
            return Effect.fail(invalid("events", `event #${i + 1} of session "${sessionId}" cannot be read: ${event.left}`))
          }
          events.push(event.right)
        }
        return Effect.succeed(events)
      }),
    listByUser: backend.listByUser,
    delete: backend.delete,
    saveSnapshot: (sessionId, label) =>
      Effect.gen(function*() {
        const current = yield* readChecked(sessionId)
        if (Option.isNone(current)) return yield* new Errors.SessionNotFound({ sessionId })
        const record = codec.encodeState(current.value)
        if (Either.isLeft(record)) return yield* invalid("saveSnapshot", `session "${sessionId}": ${record.left}`)
        const info = yield* backend.saveSnapshot(sessionId, {
          version: current.value.version,
          record: record.right.bytes,
          checksum: record.right.checksum,
          label,
          createdAt: yield* Clock.currentTimeMillis
        })
        if (info === undefined) return yield* new Errors.SessionNotFound({ sessionId })
        return info
      }),
    snapshots: backend.snapshots,
    loadSnapshot: (sessionId, snapshotId) =>
      Effect.flatMap(backend.snapshot(sessionId, snapshotId), (found): Effect.Effect<
        SessionStore.Snapshot,
        Errors.SnapshotNotFound | Errors.SessionCorrupted
      > => {
        if (found === undefined) {
          return Effect.fail(new Errors.SnapshotNotFound({ sessionId, snapshotId, reason: "there is no such snapshot" }))
        }
        const state = decode(sessionId, found.record)
        return Either.isLeft(state)
          ? Effect.fail(new Errors.SessionCorrupted({ sessionId, reason: `snapshot #${snapshotId} cannot be read: ${state.left}` }))
          : Effect.succeed({ ...found.info, state: state.right })
      }),
    restoreFromSnapshot,
    quarantined: backend.quarantined,
    loadQuarantined: (sessionId, quarantineId) =>
      Effect.flatMap(quarantineEntry(sessionId, quarantineId), (entry) => {
        const state = decode(sessionId, { json: entry.raw, checksum: undefined })
        return Either.isRight(state)
          ? Effect.succeed(state.right)
          : Effect.fail(new Errors.SessionCorrupted({ sessionId, reason: state.left, quarantineId }))
      }),
    dropQuarantined: (sessionId, quarantineId) =>
      Effect.flatMap(backend.dropQuarantined(sessionId, quarantineId), (dropped) =>
        dropped ? Effect.void : Effect.fail(new Errors.QuarantinedRecordNotFound({ sessionId, quarantineId }))),
    inspect,
    acquireLease: (sessionId, owner, ttl) =>
      Effect.flatMap(backend.acquireLease(sessionId, owner, millis(ttl)), (outcome) =>
        outcome._tag === "Acquired"
          ? Effect.succeed({ sessionId, owner, token: outcome.token, expiresAt: outcome.expiresAt })
          : Effect.fail(new Errors.LeaseHeld({ sessionId, owner, holder: outcome.holder, expiresAt: outcome.expiresAt }))),
    renewLease: (lease, ttl) =>
      Effect.flatMap(backend.renewLease(lease, millis(ttl)), (outcome) =>
        outcome._tag === "Renewed"
          ? Effect.succeed({ ...lease, expiresAt: outcome.expiresAt })
          : Effect.fail(new Errors.LeaseLost({ sessionId: lease.sessionId, token: lease.token, currentToken: outcome.current }))),
    releaseLease: backend.releaseLease
  }
}
