/**
 * The errors of `@baton/core`. Each is a `Schema.TaggedError`, so it can be
 * stored, sent and matched with `Effect.catchTag`, and each has a message a
 * person can act on.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AgentId, SessionId, UserId } from "./Ids.js"

const list = (items: ReadonlyArray<string>) => items.map((item, i) => `${i + 1}) ${item}`).join("; ")

/**
 * A handoff was refused. `reasons` lists every reason found, not just the first.
 *
 * @since 0.1.0 @category errors
 */
export class HandoffRejected extends Schema.TaggedError<HandoffRejected>("@baton/core/HandoffRejected")(
  "HandoffRejected",
  {
    from: AgentId,
    to: AgentId,
    stage: Schema.Literal("validation", "approval", "transfer"),
    reasons: Schema.Array(Schema.String)
  }
) {
  override get message() {
    return `Handoff from "${this.from}" to "${this.to}" was rejected at ${this.stage}: ${list(this.reasons)}`
  }
}

/**
 * A chain of handoffs went deeper than the configured bound: a delegation
 * stack too deep, or too many handoffs in one turn (a loop between agents).
 *
 * @since 0.1.0 @category errors
 */
export class HandoffDepthExceeded extends Schema.TaggedError<HandoffDepthExceeded>("@baton/core/HandoffDepthExceeded")(
  "HandoffDepthExceeded",
  {
    bound: Schema.Literal("stack", "turn"),
    limit: Schema.Number,
    chain: Schema.Array(AgentId)
  }
) {
  override get message() {
    const what = this.bound === "stack" ? "delegation stack depth" : "handoffs in one turn"
    return `Handoff stopped: ${what} would exceed ${this.limit} (chain: ${this.chain.join(" → ")}). ` +
      `This usually means two agents keep handing the conversation to each other.`
  }
}

/** @since 0.1.0 @category errors */
export class UnknownAgent extends Schema.TaggedError<UnknownAgent>("@baton/core/UnknownAgent")("UnknownAgent", {
  agentId: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Unknown agent "${this.agentId}". Registered agents: ${this.known.join(", ") || "(none)"}.`
  }
}

/**
 * An agent's handler failed. The turn is not committed, so the user's message
 * can be sent again.
 *
 * @since 0.1.0 @category errors
 */
export class AgentFailed extends Schema.TaggedError<AgentFailed>("@baton/core/AgentFailed")("AgentFailed", {
  agentId: AgentId,
  reason: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message() {
    return `Agent "${this.agentId}" failed: ${this.reason}`
  }
}

/** @since 0.1.0 @category errors */
export class InvalidTurn extends Schema.TaggedError<InvalidTurn>("@baton/core/InvalidTurn")("InvalidTurn", {
  reason: Schema.String
}) {
  override get message() {
    return `Invalid turn: ${this.reason}`
  }
}

/**
 * Another writer committed the session first. Callers retry on fresh state;
 * nothing is overwritten.
 *
 * @since 0.1.0 @category errors
 */
export class SessionConflict extends Schema.TaggedError<SessionConflict>("@baton/core/SessionConflict")(
  "SessionConflict",
  {
    sessionId: SessionId,
    expectedVersion: Schema.Number,
    actualVersion: Schema.Number
  }
) {
  override get message() {
    return `Session "${this.sessionId}" changed concurrently: expected version ${this.expectedVersion}, ` +
      `found ${this.actualVersion}. Retry on the fresh state.`
  }
}

/** @since 0.1.0 @category errors */
export class Forbidden extends Schema.TaggedError<Forbidden>("@baton/core/Forbidden")("Forbidden", {
  sessionId: SessionId,
  userId: UserId
}) {
  override get message() {
    return `User "${this.userId}" may not access session "${this.sessionId}": it belongs to another user.`
  }
}

/** @since 0.1.0 @category errors */
export class SessionStoreError extends Schema.TaggedError<SessionStoreError>("@baton/core/SessionStoreError")(
  "SessionStoreError",
  {
    operation: Schema.String,
    reason: Schema.String,
    cause: Schema.optional(Schema.Unknown)
  }
) {
  override get message() {
    return `Session store ${this.operation} failed: ${this.reason}`
  }
}

/**
 * A stored session record cannot be read: its JSON is corrupted, its schema
 * version is newer than this build understands, or it does not decode. The
 * record was moved to quarantine (kept, never deleted); the session can be
 * restored from its last good snapshot.
 *
 * @since 0.1.0 @category errors
 */
export class SessionCorrupted extends Schema.TaggedError<SessionCorrupted>("@baton/core/SessionCorrupted")(
  "SessionCorrupted",
  {
    sessionId: SessionId,
    reason: Schema.String,
    /** The quarantine entry holding the unreadable record, when it was quarantined. */
    quarantineId: Schema.optional(Schema.Number)
  }
) {
  override get message() {
    const kept = this.quarantineId === undefined ? "" : ` The record was kept in quarantine as entry #${this.quarantineId}.`
    return `Session "${this.sessionId}" cannot be read: ${this.reason}.${kept} ` +
      `Restore it from its last good snapshot or delete it.`
  }
}

/**
 * A newer lease was granted on the session, so the holder of an older fencing
 * token may no longer write: its commit or renewal is refused.
 *
 * @since 0.1.0 @category errors
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>("@baton/core/LeaseLost")("LeaseLost", {
  sessionId: SessionId,
  token: Schema.Number,
  currentToken: Schema.Number
}) {
  override get message() {
    return `The lease on session "${this.sessionId}" was lost: fencing token ${this.token} is stale ` +
      `(token ${this.currentToken} was granted since). Stop writing; another worker owns the session.`
  }
}

/**
 * Another owner holds an unexpired lease on the session.
 *
 * @since 0.1.0 @category errors
 */
export class LeaseHeld extends Schema.TaggedError<LeaseHeld>("@baton/core/LeaseHeld")("LeaseHeld", {
  sessionId: SessionId,
  owner: Schema.String,
  holder: Schema.String,
  /** When the holder's lease runs out, in epoch milliseconds of the store's clock. */
  expiresAt: Schema.Number
}) {
  override get message() {
    return `"${this.owner}" cannot lease session "${this.sessionId}": "${this.holder}" holds it until ` +
      `${new Date(this.expiresAt).toISOString()}.`
  }
}

/** @since 0.1.0 @category errors */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>("@baton/core/SessionNotFound")(
  "SessionNotFound",
  { sessionId: SessionId }
) {
  override get message() {
    return `Session "${this.sessionId}" does not exist (it was never committed, was deleted, or expired).`
  }
}

/** @since 0.1.0 @category errors */
export class SnapshotNotFound extends Schema.TaggedError<SnapshotNotFound>("@baton/core/SnapshotNotFound")(
  "SnapshotNotFound",
  {
    sessionId: SessionId,
    /** The snapshot asked for; absent when any good snapshot was asked for. */
    snapshotId: Schema.optional(Schema.Number),
    reason: Schema.String
  }
) {
  override get message() {
    return this.snapshotId === undefined
      ? `No snapshot of session "${this.sessionId}" can be restored: ${this.reason}.`
      : `Snapshot #${this.snapshotId} of session "${this.sessionId}" cannot be used: ${this.reason}.`
  }
}

/**
 * A quarantine entry asked for by id does not exist (it was never made, was
 * dropped, or the session was deleted).
 *
 * @since 0.2.0 @category errors
 */
export class QuarantinedRecordNotFound extends Schema.TaggedError<QuarantinedRecordNotFound>(
  "@baton/core/QuarantinedRecordNotFound"
)("QuarantinedRecordNotFound", { sessionId: SessionId, quarantineId: Schema.Number }) {
  override get message() {
    return `Session "${this.sessionId}" has no quarantined record #${this.quarantineId}.`
  }
}

/**
 * The errors a turn can end in. `LeaseLost` ends a turn whose commit carried
 * a fencing token that a newer lease made stale; `LeaseHeld` a turn that could
 * not get the session's lease from another worker in its bounded attempts;
 * `SessionCorrupted` a turn on a session whose stored record cannot be read
 * (unless the conversation restores such sessions from their last good
 * snapshot).
 *
 * @since 0.1.0 @category errors
 */
export type TurnError =
  | AgentFailed
  | InvalidTurn
  | SessionConflict
  | Forbidden
  | SessionStoreError
  | UnknownAgent
  | LeaseLost
  | LeaseHeld
  | SessionCorrupted
