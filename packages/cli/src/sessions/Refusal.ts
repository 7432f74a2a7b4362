/**
 * What `baton sessions` refuses on its own, beyond the session manager's
 * errors: an internal record asked for as a conversation, a deletion not
 * confirmed, a quarantined record that still cannot be read.
 *
 * @since 0.2.0
 */
import { Ids, ReservedSession } from "@baton/core"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * The session is an internal record (a user's preference profile), not a
 * conversation: it is not shown as one.
 *
 * @since 0.2.0 @category errors
 */
export class InternalRecord extends Schema.TaggedError<InternalRecord>("@baton/cli/InternalRecord")("InternalRecord", {
  sessionId: Ids.SessionId,
  userId: Ids.UserId
}) {
  override get message() {
    const what = Option.match(ReservedSession.parse(this.sessionId), {
      onNone: () => "an internal record",
      onSome: (reserved) => `an internal record (the preference ${reserved.kind} of "${reserved.owner}")`
    })
    return `session "${this.sessionId}" is ${what}, not a conversation; ` +
      `\`baton sessions export ${this.sessionId} --user ${this.userId}\` prints it as JSON.`
  }
}

/**
 * `baton sessions delete` without `--yes`: nothing is deleted unless asked
 * for in so many words.
 *
 * @since 0.2.0 @category errors
 */
export class NotConfirmed extends Schema.TaggedError<NotConfirmed>("@baton/cli/NotConfirmed")("NotConfirmed", {
  sessionId: Ids.SessionId
}) {
  override get message() {
    return `deleting session "${this.sessionId}" removes its record, events, snapshots and quarantined records for good; ` +
      `pass --yes to delete it.`
  }
}

/**
 * A quarantined record asked to be released still does not read with this
 * build; nothing was changed.
 *
 * @since 0.2.0 @category errors
 */
export class StillUnreadable extends Schema.TaggedError<StillUnreadable>("@baton/cli/StillUnreadable")("StillUnreadable", {
  sessionId: Ids.SessionId,
  quarantineId: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `quarantined record #${this.quarantineId} of session "${this.sessionId}" still cannot be read: ${this.reason}; ` +
      `nothing was changed. Pass --drop to remove it from quarantine for good.`
  }
}
