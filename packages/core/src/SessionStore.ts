/**
 * The session store port. A commit writes the new state and appends the
 * turn's events in one step, guarded by the version the writer read: a
 * concurrent writer gets `SessionConflict` and retries on fresh state, so no
 * update is ever overwritten.
 *
 * Around that core:
 *
 * - **Snapshots** copy the state at a key point under a label; a session whose
 *   record became unreadable is restored from its last good snapshot.
 * - **Leases with fencing tokens** let one worker own a session at a time: every
 *   lease granted on a session gets a larger token, and a commit carrying a
 *   token older than the newest one is refused with `LeaseLost`.
 * - **Expiry**: a session (state, events, snapshots) lives `ttl` after its last
 *   commit — 24 hours unless configured.
 * - **Redaction**: card numbers and verification codes are masked
 *   (`Sensitive`) before anything is persisted, in every store.
 * - **Corruption**: a record that is not valid JSON, nests deeper than
 *   records may, has an unknown (newer) schema version or does not decode
 *   fails with `SessionCorrupted`; it is moved to quarantine — kept, not
 *   deleted — and the session can be restored from a snapshot. A quarantined
 *   record can be read again by a build that understands it
 *   (`loadQuarantined`, then committed as the session's next version by its
 *   caller) or dropped on purpose (`dropQuarantined`).
 * - **Reserved sessions** (`ReservedSession`, e.g. `profile:<user>`) are
 *   committed only for the user they name: any other commit is refused with
 *   `SessionStoreError`, in every store.
 * - **Inspection** (`inspect`) tells a session's version, owner and
 *   quarantine without reading its record, so a session whose record cannot
 *   be read can still be owner-checked, listed and recovered.
 *
 * Adapters: `layerMemory` here; SQLite and Redis in `@baton/session`.
 *
 * @example
 * import { Ids, SessionState, SessionStore } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* SessionStore.SessionStore
 *   const sessionId = Ids.sessionId("s-1")
 *   const state = SessionState.empty({ sessionId, userId: Ids.userId("u-1"), state: {}, now: 0 })
 *   yield* store.commit({ state: { ...state, version: 1 }, expectedVersion: 0, events: [] })
 *   return yield* store.load(sessionId)
 * }).pipe(Effect.provide(SessionStore.layerMemory))
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { BatonEvent } from "./BatonEvent.js"
import type {
  LeaseHeld,
  LeaseLost,
  QuarantinedRecordNotFound,
  SessionConflict,
  SessionCorrupted,
  SessionNotFound,
  SessionStoreError,
  SnapshotNotFound
} from "./Errors.js"
import type { SessionId, UserId } from "./Ids.js"
import * as internal from "./internal/memorySessionStore.js"
import type { SessionState } from "./SessionState.js"

/**
 * How long a session lives after its last commit unless configured: 24 hours.
 *
 * @since 0.1.0 @category constants
 */
export const DEFAULT_TTL: Duration.Duration = Duration.hours(24)

/** @since 0.1.0 @category models */
export interface CommitInput {
  /** The new state; its `version` must be `expectedVersion + 1`. */
  readonly state: SessionState
  readonly expectedVersion: number
  readonly events: ReadonlyArray<BatonEvent>
  /**
   * The writer's lease token. When given, the commit is refused with
   * `LeaseLost` if a newer lease was granted on the session since.
   */
  readonly fencingToken?: number
  /** Takes a snapshot of the committed state, with this label, in the same write. */
  readonly snapshot?: string
}

/**
 * What a commit can fail with. `LeaseLost` comes only from a commit that
 * carries a fencing token.
 *
 * @since 0.1.0 @category models
 */
export type CommitError = SessionConflict | LeaseLost | SessionStoreError

/** @since 0.1.0 @category models */
export interface SnapshotInfo {
  readonly sessionId: SessionId
  /** Numbered from 1 in the order taken. */
  readonly id: number
  /** The version of the state the snapshot holds. */
  readonly version: number
  readonly label: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

/** @since 0.1.0 @category models */
export interface Snapshot extends SnapshotInfo {
  readonly state: SessionState
}

/** @since 0.1.0 @category models */
export interface Lease {
  readonly sessionId: SessionId
  readonly owner: string
  /** The fencing token: larger for every lease granted on the session. */
  readonly token: number
  /** Epoch milliseconds of the store's clock. */
  readonly expiresAt: number
}

/** @since 0.1.0 @category models */
export interface QuarantinedRecord {
  readonly sessionId: SessionId
  readonly id: number
  /** The store version the record had; 0 when the store could not tell. */
  readonly version: number
  readonly reason: string
  /** The record exactly as it was stored. */
  readonly raw: string
  /** Epoch milliseconds. */
  readonly at: number
}

/**
 * What a store holds of a session, told without reading its record (see
 * `inspect`).
 *
 * @since 0.2.0 @category models
 */
export interface SessionInfo {
  readonly sessionId: SessionId
  /** The version of its current record, readable or not; 0 when only snapshots or quarantined records are left. */
  readonly version: number
  /**
   * The user the session is held for: the one stored with its record, else
   * the one its snapshots, else its quarantined records name; none when
   * nothing the store can still read names one.
   */
  readonly userId: Option.Option<UserId>
  /** The quarantine entry holding its current record, when that record could not be read. */
  readonly quarantineId: Option.Option<number>
}

/** @since 0.1.0 @category models */
export interface RestoreOptions {
  /**
   * What to do with a corrupted record, after quarantining it: fail with
   * `SessionCorrupted` (the default), or restore the last good snapshot and
   * carry on.
   */
  readonly onCorrupted?: "fail" | "restoreFromSnapshot"
}

/** @since 0.1.0 @category models */
export interface Service {
  /**
   * The session's state, migrated to the current schema version, or none when
   * it does not exist or expired. A corrupted record is quarantined and fails
   * as a `SessionStoreError` whose `cause` is the `SessionCorrupted`; use
   * `restore` to get that error typed.
   */
  readonly load: (sessionId: SessionId) => Effect.Effect<Option.Option<SessionState>, SessionStoreError>
  /** `load` with corruption as a typed error, or recovered from a snapshot. */
  readonly restore: (
    sessionId: SessionId,
    options?: RestoreOptions
  ) => Effect.Effect<Option.Option<SessionState>, SessionCorrupted | SessionStoreError>
  /** Writes the state and appends the events in one versioned write; refreshes the session's TTL. */
  readonly commit: (input: CommitInput) => Effect.Effect<void, CommitError>
  /** The session's events, in the order they were committed. */
  readonly events: (sessionId: SessionId) => Effect.Effect<ReadonlyArray<BatonEvent>, SessionStoreError>
  /** The user's live sessions. */
  readonly listByUser: (userId: UserId) => Effect.Effect<ReadonlyArray<SessionId>, SessionStoreError>
  /** Removes everything the store holds for the session, quarantine included. */
  readonly delete: (sessionId: SessionId) => Effect.Effect<void, SessionStoreError>
  /** Snapshots the current state under a label. */
  readonly saveSnapshot: (
    sessionId: SessionId,
    label: string
  ) => Effect.Effect<SnapshotInfo, SessionNotFound | SessionCorrupted | SessionStoreError>
  /** The session's snapshots, oldest first. */
  readonly snapshots: (sessionId: SessionId) => Effect.Effect<ReadonlyArray<SnapshotInfo>, SessionStoreError>
  readonly loadSnapshot: (
    sessionId: SessionId,
    snapshotId: number
  ) => Effect.Effect<Snapshot, SnapshotNotFound | SessionCorrupted | SessionStoreError>
  /**
   * Makes a snapshot's state the current one, as a new version (so writers
   * holding an older version get `SessionConflict`). Without an id, the newest
   * snapshot that reads back cleanly is used. Events are kept.
   */
  readonly restoreFromSnapshot: (
    sessionId: SessionId,
    snapshotId?: number
  ) => Effect.Effect<SessionState, SnapshotNotFound | SessionCorrupted | SessionConflict | SessionStoreError>
  /** The unreadable records moved out of the session, oldest first. */
  readonly quarantined: (sessionId: SessionId) => Effect.Effect<ReadonlyArray<QuarantinedRecord>, SessionStoreError>
  /**
   * A quarantined record read as a state with this store's migrations, when
   * it now reads (a record quarantined for a schema version a newer build
   * understands, say); `SessionCorrupted` when it still does not. Nothing is
   * written: committing it, as the session's next version, is the caller's
   * decision.
   */
  readonly loadQuarantined: (
    sessionId: SessionId,
    quarantineId: number
  ) => Effect.Effect<SessionState, QuarantinedRecordNotFound | SessionCorrupted | SessionStoreError>
  /** Removes one record from quarantine, for good. */
  readonly dropQuarantined: (
    sessionId: SessionId,
    quarantineId: number
  ) => Effect.Effect<void, QuarantinedRecordNotFound | SessionStoreError>
  /**
   * What the store holds of the session — version, owner, quarantine —
   * without decoding its record; none when it holds nothing of it (no
   * record, snapshot or quarantined record). The owner of a session whose
   * record is unreadable is known this way, so it can still be
   * owner-checked, listed and recovered.
   */
  readonly inspect: (sessionId: SessionId) => Effect.Effect<Option.Option<SessionInfo>, SessionStoreError>
  /**
   * Leases the session to `owner` for `ttl`. The same owner acquiring again
   * extends its lease and keeps its token.
   */
  readonly acquireLease: (
    sessionId: SessionId,
    owner: string,
    ttl: Duration.DurationInput
  ) => Effect.Effect<Lease, LeaseHeld | SessionStoreError>
  /** Extends a lease, as long as no newer one was granted. */
  readonly renewLease: (lease: Lease, ttl: Duration.DurationInput) => Effect.Effect<Lease, LeaseLost | SessionStoreError>
  /** Gives a lease up; does nothing when it was lost already. */
  readonly releaseLease: (lease: Lease) => Effect.Effect<void, SessionStoreError>
}

/** @since 0.1.0 @category tags */
export class SessionStore extends Context.Tag("@baton/core/SessionStore")<SessionStore, Service>() {}

/** @since 0.1.0 @category models */
export interface MemoryOptions {
  /** How long a session lives after its last commit. Default 24 hours. */
  readonly ttl?: Duration.DurationInput
}

/**
 * An in-memory store for tests and single-process use. States are immutable
 * values, so they are kept as they are (once redacted), without copying; they
 * cannot be corrupted, so `restore` never fails with `SessionCorrupted` here
 * and the quarantine stays empty.
 * Expiry and leases follow the Effect `Clock`, so `TestClock` drives them.
 *
 * @since 0.1.0 @category constructors
 */
export const makeMemory: (options?: MemoryOptions) => Service = internal.make

/** @since 0.1.0 @category layers */
export const layerMemory: Layer.Layer<SessionStore> = Layer.sync(SessionStore, () => makeMemory())

/** @since 0.1.0 @category layers */
export const layerMemoryWith = (options: MemoryOptions): Layer.Layer<SessionStore> =>
  Layer.sync(SessionStore, () => makeMemory(options))
