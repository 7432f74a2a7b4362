/**
 * What the chat does with a session whose stored record cannot be read. The
 * store has already moved the record to quarantine (kept, never deleted);
 * the chat then restores the newest of the session's snapshots that reads
 * back and belongs to the user, as the session's next version, and says
 * which snapshot it was, what was quarantined and how to inspect it. When no
 * snapshot can be used it says so plainly (`SessionUnrecoverable`) and names
 * the commands that inspect the quarantined record or delete the session.
 *
 * @since 0.2.0
 */
import { type Errors, Ids, type SessionState, SessionStore } from "@baton/core"
import { SessionManager } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * The `baton sessions` commands that reach the session from a shell.
 *
 * @since 0.2.0 @category models
 */
export interface Commands {
  /** Shows the quarantined record, or lists them when which one is not known. */
  readonly inspect: string
  /** Deletes the session, quarantine included. */
  readonly delete: string
}

/**
 * A word as a POSIX shell reads it back: as it is when it is plain, else in
 * single quotes.
 *
 * @since 0.2.0 @category printing
 */
export const shellWord = (word: string): string => (/^[\w.:@%+,/=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)

/**
 * The commands for `sessionId` of `userId` whose record is quarantine entry
 * `quarantineId`; `storeFlags` are the options that reach the chat's store
 * (`--db …`), empty for the default one.
 *
 * @since 0.2.0 @category constructors
 */
export const commands = (
  sessionId: string,
  userId: string,
  storeFlags: string,
  quarantineId: number | undefined
): Commands => {
  const id = shellWord(sessionId)
  const tail = ` --user ${shellWord(userId)}${storeFlags === "" ? "" : ` ${storeFlags}`}`
  return {
    inspect: quarantineId === undefined
      ? `baton sessions quarantine list ${id}${tail}`
      : `baton sessions quarantine show ${id} ${quarantineId}${tail}`,
    delete: `baton sessions delete ${id}${tail} --yes`
  }
}

/**
 * The session cannot be read and none of its snapshots can be restored.
 *
 * @since 0.2.0 @category errors
 */
export class SessionUnrecoverable extends Schema.TaggedError<SessionUnrecoverable>("@baton/cli/SessionUnrecoverable")(
  "SessionUnrecoverable",
  {
    sessionId: Schema.String,
    /** Why the record cannot be read. */
    reason: Schema.String,
    /** Why no snapshot could be used. */
    snapshots: Schema.String,
    quarantineId: Schema.optional(Schema.Number),
    inspect: Schema.String,
    delete: Schema.String
  }
) {
  override get message() {
    const kept = this.quarantineId === undefined ? "" : ` Its record is kept in quarantine as entry #${this.quarantineId}.`
    return `Session "${this.sessionId}" cannot be read (${this.reason}) and cannot be restored: ${this.snapshots}.${kept} ` +
      `Inspect it with \`${this.inspect}\`, or delete the session with \`${this.delete}\`.`
  }
}

/**
 * A session restored from a snapshot.
 *
 * @since 0.2.0 @category models
 */
export interface Restored {
  readonly session: SessionState.SessionState
  readonly snapshot: SessionStore.SnapshotInfo
  /** What was wrong with the record. */
  readonly reason: string
  /** The quarantine entry holding the unreadable record, when the store kept one. */
  readonly quarantined: Option.Option<SessionStore.QuarantinedRecord>
  readonly commands: Commands
}

/**
 * What the chat tells the user about a restored session, in lines.
 *
 * @since 0.2.0 @category printing
 */
export const lines = (restored: Restored): Array<string> => {
  const { snapshot } = restored
  const kept = Option.match(restored.quarantined, {
    onNone: () => "The unreadable record was not kept.",
    onSome: (entry) =>
      `The unreadable record (version ${entry.version}) is kept in quarantine as entry #${entry.id}; ` +
      `what it held after version ${snapshot.version} is only there. Inspect it with: ${restored.commands.inspect}`
  })
  return [
    `session ${snapshot.sessionId} could not be read (${restored.reason});`,
    `restored it from snapshot #${snapshot.id} "${snapshot.label}" (version ${snapshot.version}) as version ${restored.session.version}.`,
    kept
  ]
}

const passOver = () => Effect.succeed(Option.none<SessionState.SessionState>())

/**
 * Restores the session the user could not read from its newest usable
 * snapshot. A snapshot of another user's session is `Forbidden`.
 *
 * @since 0.2.0 @category recovery
 */
export const fromSnapshot = (
  corrupted: Errors.SessionCorrupted,
  userId: string,
  storeFlags: string
): Effect.Effect<
  Restored,
  SessionUnrecoverable | Errors.Forbidden | Errors.SessionConflict | Errors.SessionStoreError | Errors.SessionNotFound,
  SessionStore.SessionStore | SessionManager.SessionManager
> =>
  Effect.gen(function*() {
    const store = yield* SessionStore.SessionStore
    const manager = yield* SessionManager.SessionManager
    const sessionId = corrupted.sessionId
    const user = Ids.userId(userId)
    const snapshots = yield* store.snapshots(sessionId)
    // Newest first; a snapshot that does not read back is passed over.
    for (const snapshot of [...snapshots].reverse()) {
      const session = yield* manager.restoreToSnapshot(sessionId, user, snapshot.id).pipe(
        Effect.map(Option.some),
        Effect.catchTags({ SessionCorrupted: passOver, SnapshotNotFound: passOver })
      )
      if (Option.isNone(session)) continue
      const quarantine = yield* store.quarantined(sessionId)
      const quarantined = Option.fromNullable(
        quarantine.find((entry) => entry.id === corrupted.quarantineId) ?? quarantine[quarantine.length - 1]
      )
      return {
        session: session.value,
        snapshot,
        reason: corrupted.reason,
        quarantined,
        commands: commands(sessionId, userId, storeFlags, Option.getOrUndefined(Option.map(quarantined, (entry) => entry.id)))
      }
    }
    const found = commands(sessionId, userId, storeFlags, corrupted.quarantineId)
    return yield* new SessionUnrecoverable({
      sessionId,
      reason: corrupted.reason,
      snapshots: snapshots.length === 0 ? "it has no snapshots" : `none of its ${snapshots.length} snapshots can be read`,
      ...(corrupted.quarantineId === undefined ? {} : { quarantineId: corrupted.quarantineId }),
      inspect: found.inspect,
      delete: found.delete
    })
  })
