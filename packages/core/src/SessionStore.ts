/**
 * The session store port. A commit writes the new state and appends the
 * turn's events in one step, guarded by the version the writer read: a
 * concurrent writer gets `SessionConflict` and retries on fresh state, so no
 * update is ever overwritten.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { BatonEvent } from "./BatonEvent.js"
import { SessionConflict, type SessionStoreError } from "./Errors.js"
import type { SessionId, UserId } from "./Ids.js"
import type { SessionState } from "./SessionState.js"

/** @since 0.1.0 @category models */
export interface CommitInput {
  /** The new state; its `version` must be `expectedVersion + 1`. */
  readonly state: SessionState
  readonly expectedVersion: number
  readonly events: ReadonlyArray<BatonEvent>
}

/** @since 0.1.0 @category tags */
export class SessionStore extends Context.Tag("@baton/core/SessionStore")<
  SessionStore,
  {
    readonly load: (sessionId: SessionId) => Effect.Effect<Option.Option<SessionState>, SessionStoreError>
    readonly commit: (input: CommitInput) => Effect.Effect<void, SessionConflict | SessionStoreError>
    readonly events: (sessionId: SessionId) => Effect.Effect<ReadonlyArray<BatonEvent>, SessionStoreError>
    readonly listByUser: (userId: UserId) => Effect.Effect<ReadonlyArray<SessionId>, SessionStoreError>
  }
>() {}

/**
 * An in-memory store for tests and single-process use. States are immutable
 * values, so they are kept as they are, without copying.
 *
 * @since 0.1.0 @category constructors
 */
export const makeMemory = (): SessionStore["Type"] => {
  const states = new Map<SessionId, SessionState>()
  const events = new Map<SessionId, Array<BatonEvent>>()
  const byUser = new Map<UserId, Set<SessionId>>()
  return {
    load: (sessionId) => Effect.sync(() => Option.fromNullable(states.get(sessionId))),
    commit: ({ events: appended, expectedVersion, state }) =>
      Effect.suspend(() => {
        const actual = states.get(state.sessionId)?.version ?? 0
        if (actual !== expectedVersion) {
          return Effect.fail(
            new SessionConflict({ sessionId: state.sessionId, expectedVersion, actualVersion: actual })
          )
        }
        states.set(state.sessionId, state)
        const log = events.get(state.sessionId)
        if (log) log.push(...appended)
        else events.set(state.sessionId, [...appended])
        const sessions = byUser.get(state.userId)
        if (sessions) sessions.add(state.sessionId)
        else byUser.set(state.userId, new Set([state.sessionId]))
        return Effect.void
      }),
    events: (sessionId) => Effect.sync(() => events.get(sessionId) ?? []),
    listByUser: (userId) => Effect.sync(() => [...(byUser.get(userId) ?? [])])
  }
}

/** @since 0.1.0 @category layers */
export const layerMemory: Layer.Layer<SessionStore> = Layer.sync(SessionStore, makeMemory)
