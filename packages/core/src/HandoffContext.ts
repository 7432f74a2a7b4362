/**
 * The one standardized handoff message: everything the receiving agent gets.
 * The history is compressed to the receiver's budget; the application state
 * travels whole; the checksum covers the state and the full history, so the
 * receiver can prove nothing was lost on the way.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HandoffMode } from "./HandoffRequest.js"
import { AgentId, MessageId, SessionId, UserId } from "./Ids.js"
import { Message } from "./Message.js"
import { JsonRecord, SCHEMA_VERSION } from "./SessionState.js"

/** @since 0.1.0 @category schemas */
export const CompressedHistory = Schema.Struct({
  /** A summary of the turns before `recent`, or null when nothing was summarised. */
  summary: Schema.NullOr(Schema.String),
  summarisedCount: Schema.Number,
  /** The most recent messages, verbatim. */
  recent: Schema.Array(Message),
  /** The length of the full history, which stays retrievable from the session. */
  totalMessages: Schema.Number,
  lastMessageId: Schema.NullOr(MessageId)
})
/** @since 0.1.0 @category models */
export type CompressedHistory = typeof CompressedHistory.Type

/** @since 0.1.0 @category schemas */
export const HandoffContext = Schema.Struct({
  schemaVersion: Schema.Literal(SCHEMA_VERSION),
  handoffId: Schema.String,
  userId: UserId,
  sessionId: SessionId,
  from: AgentId,
  to: AgentId,
  reason: Schema.String,
  mode: HandoffMode,
  conversationHistory: CompressedHistory,
  currentState: Schema.Unknown,
  preferences: JsonRecord,
  /** The agent stack as it will be once the handoff completes. */
  agentStack: Schema.Array(AgentId),
  searchContext: JsonRecord,
  /** Checksum of the application state and the full history. */
  checksum: Schema.String,
  createdAt: Schema.Number
})
/** @since 0.1.0 @category models */
export type HandoffContext = typeof HandoffContext.Type
