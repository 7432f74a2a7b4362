import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { BatonEvent } from "../BatonEvent.js"
import {
  LeaseHeld,
  LeaseLost,
  QuarantinedRecordNotFound,
  SessionConflict,
  SessionNotFound,
  SessionStoreError,
  SnapshotNotFound
} from "../Errors.js"
import type { SessionId, UserId } from "../Ids.js"
import * as ReservedSession from "../ReservedSession.js"
import * as Sensitive from "../Sensitive.js"
import type { SessionState } from "../SessionState.js"
import type * as SessionStore from "../SessionStore.js"

interface Entry {
  readonly state: SessionState
  readonly expiresAt: number
}

interface Held {
  readonly owner: string
  readonly token: number
  readonly expiresAt: number
}

const millis = (ttl: Duration.DurationInput) => Duration.toMillis(Duration.decode(ttl))

export const make = (options?: SessionStore.MemoryOptions): SessionStore.Service => {
  const ttl = millis(options?.ttl ?? Duration.hours(24))
  const states = new Map<SessionId, Entry>()
  const events = new Map<SessionId, Array<BatonEvent>>()
  const snapshots = new Map<SessionId, Array<SessionStore.Snapshot>>()
  const leases = new Map<SessionId, Held>()
  const fences = new Map<SessionId, number>()
  const byUser = new Map<UserId, Set<SessionId>>()

  const forget = (sessionId: SessionId) => {
    const entry = states.get(sessionId)
    if (entry) byUser.get(entry.state.userId)?.delete(sessionId)
    states.delete(sessionId)
    events.delete(sessionId)
    snapshots.delete(sessionId)
  }

  // The live entry, dropping an expired one on the way.
  const live = (sessionId: SessionId, now: number): Entry | undefined => {
    const entry = states.get(sessionId)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry
    forget(sessionId)
    return undefined
  }

  const put = (state: SessionState, now: number) => {
    states.set(state.sessionId, { state, expiresAt: now + ttl })
    const sessions = byUser.get(state.userId)
    if (sessions) sessions.add(state.sessionId)
    else byUser.set(state.userId, new Set([state.sessionId]))
  }

  const addSnapshot = (state: SessionState, label: string, now: number): SessionStore.SnapshotInfo => {
    const list = snapshots.get(state.sessionId) ?? []
    const snapshot: SessionStore.Snapshot = {
      sessionId: state.sessionId,
      id: list.length + 1,
      version: state.version,
      label,
      createdAt: now,
      state
    }
    list.push(snapshot)
    snapshots.set(state.sessionId, list)
    return info(snapshot)
  }

  const info = ({ state: _, ...rest }: SessionStore.Snapshot): SessionStore.SnapshotInfo => rest

  const load = (sessionId: SessionId) =>
    Effect.map(Clock.currentTimeMillis, (now) => Option.map(Option.fromNullable(live(sessionId, now)), (entry) => entry.state))

  const commit = (input: SessionStore.CommitInput): Effect.Effect<void, SessionStore.CommitError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<void, SessionStore.CommitError> => {
      const { expectedVersion, fencingToken, state } = input
      const sessionId = state.sessionId
      if (state.version !== expectedVersion + 1) {
        return Effect.fail(
          new SessionStoreError({
            operation: "commit",
            reason: `the state of session "${sessionId}" has version ${state.version}; a commit expecting ` +
              `version ${expectedVersion} must write version ${expectedVersion + 1}`
          })
        )
      }
      const violation = ReservedSession.violation(state)
      if (Option.isSome(violation)) {
        return Effect.fail(new SessionStoreError({ operation: "commit", reason: violation.value }))
      }
      if (fencingToken !== undefined) {
        const current = fences.get(sessionId) ?? 0
        if (fencingToken < current) {
          return Effect.fail(new LeaseLost({ sessionId, token: fencingToken, currentToken: current }))
        }
      }
      const actual = live(sessionId, now)?.state.version ?? 0
      if (actual !== expectedVersion) {
        return Effect.fail(new SessionConflict({ sessionId, expectedVersion, actualVersion: actual }))
      }
      const stored = Sensitive.redactState(state)
      put(stored, now)
      const log = events.get(sessionId)
      const appended = input.events.map(Sensitive.redactEvent)
      if (log) log.push(...appended)
      else events.set(sessionId, appended)
      if (input.snapshot !== undefined) addSnapshot(stored, input.snapshot, now)
      return Effect.void
    })

  const withLive = <A>(sessionId: SessionId, f: (entry: Entry | undefined, now: number) => A) =>
    Effect.map(Clock.currentTimeMillis, (now) => f(live(sessionId, now), now))

  const restoreFromSnapshot = (sessionId: SessionId, snapshotId?: number) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const entry = live(sessionId, now)
      const list = entry ? snapshots.get(sessionId) ?? [] : []
      const snapshot = snapshotId === undefined ? list[list.length - 1] : list[snapshotId - 1]
      if (entry === undefined || snapshot === undefined) {
        return Effect.fail(
          new SnapshotNotFound({
            sessionId,
            ...(snapshotId === undefined ? {} : { snapshotId }),
            reason: entry === undefined
              ? "the session does not exist"
              : snapshotId === undefined
              ? "the session has no snapshots"
              : "there is no such snapshot"
          })
        )
      }
      const restored: SessionState = { ...snapshot.state, version: entry.state.version + 1 }
      put(restored, now)
      return Effect.succeed(restored)
    })

  const acquireLease = (sessionId: SessionId, owner: string, leaseTtl: Duration.DurationInput) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const held = leases.get(sessionId)
      const expiresAt = now + millis(leaseTtl)
      if (held !== undefined && held.expiresAt > now) {
        if (held.owner !== owner) {
          return Effect.fail(new LeaseHeld({ sessionId, owner, holder: held.owner, expiresAt: held.expiresAt }))
        }
        leases.set(sessionId, { ...held, expiresAt })
        return Effect.succeed<SessionStore.Lease>({ sessionId, owner, token: held.token, expiresAt })
      }
      const token = (fences.get(sessionId) ?? 0) + 1
      fences.set(sessionId, token)
      leases.set(sessionId, { owner, token, expiresAt })
      return Effect.succeed<SessionStore.Lease>({ sessionId, owner, token, expiresAt })
    })

  const renewLease = (lease: SessionStore.Lease, leaseTtl: Duration.DurationInput) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const current = fences.get(lease.sessionId) ?? 0
      if (current !== lease.token) {
        return Effect.fail(new LeaseLost({ sessionId: lease.sessionId, token: lease.token, currentToken: current }))
      }
      const expiresAt = now + millis(leaseTtl)
      leases.set(lease.sessionId, { owner: lease.owner, token: lease.token, expiresAt })
      return Effect.succeed<SessionStore.Lease>({ ...lease, expiresAt })
    })

  return {
    load,
    restore: (sessionId) => load(sessionId),
    commit,
    events: (sessionId) => withLive(sessionId, (entry) => (entry ? events.get(sessionId) ?? [] : [])),
    listByUser: (userId) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        [...(byUser.get(userId) ?? [])].filter((id) => live(id, now) !== undefined).sort()),
    delete: (sessionId) =>
      Effect.sync(() => {
        forget(sessionId)
        leases.delete(sessionId)
        fences.delete(sessionId)
      }),
    saveSnapshot: (sessionId, label) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const entry = live(sessionId, now)
        return entry === undefined
          ? Effect.fail(new SessionNotFound({ sessionId }))
          : Effect.succeed(addSnapshot(entry.state, label, now))
      }),
    snapshots: (sessionId) => withLive(sessionId, (entry) => (entry ? (snapshots.get(sessionId) ?? []).map(info) : [])),
    loadSnapshot: (sessionId, snapshotId) =>
      Effect.flatMap(withLive(sessionId, (entry) => (entry ? snapshots.get(sessionId)?.[snapshotId - 1] : undefined)), (found) =>
        found === undefined
          ? Effect.fail(new SnapshotNotFound({ sessionId, snapshotId, reason: "there is no such snapshot" }))
          : Effect.succeed(found)),
    restoreFromSnapshot,
    quarantined: () => Effect.succeed([]),
    loadQuarantined: (sessionId, quarantineId) => Effect.fail(new QuarantinedRecordNotFound({ sessionId, quarantineId })),
    dropQuarantined: (sessionId, quarantineId) => Effect.fail(new QuarantinedRecordNotFound({ sessionId, quarantineId })),
    inspect: (sessionId) =>
      withLive(sessionId, (entry) =>
        Option.map(Option.fromNullable(entry), ({ state }): SessionStore.SessionInfo => ({
          sessionId,
          version: state.version,
          userId: Option.some(state.userId),
          quarantineId: Option.none()
        }))),
    acquireLease,
    renewLease,
    releaseLease: (lease) =>
      Effect.sync(() => {
        if (leases.get(lease.sessionId)?.token === lease.token) leases.delete(lease.sessionId)
      })
  }
}
