/**
 * A message in a conversation. Messages are never edited or removed: the full
 * history of a session is the ordered list of its messages.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AgentId, MessageId, type SessionId } from "./Ids.js"

/** @since 0.1.0 @category schemas */
export const Role = Schema.Literal("user", "agent", "system")
/** @since 0.1.0 @category models */
export type Role = typeof Role.Type

/** @since 0.1.0 @category schemas */
export const Metadata = Schema.Record({ key: Schema.String, value: Schema.Unknown })
/** @since 0.1.0 @category models */
export type Metadata = typeof Metadata.Type

/** @since 0.1.0 @category schemas */
export const Message = Schema.Struct({
  id: MessageId,
  role: Role,
  content: Schema.String,
  /** The agent that wrote an agent message, or that was active for a user message. */
  agent: Schema.optional(AgentId),
  /** Epoch milliseconds. */
  time: Schema.Number,
  metadata: Schema.optional(Metadata)
})
/** @since 0.1.0 @category models */
export type Message = typeof Message.Type

/**
 * Message ids are the session id and the message's position, so an id names
 * exactly one slot of the history and a duplicate cannot hide.
 *
 * @since 0.1.0 @category constructors
 */
export const idAt = (sessionId: SessionId, index: number): MessageId => MessageId.make(`${sessionId}#${index}`)

/**
 * Whether `message` is a user's message whose turn was interrupted before
 * any reply (`Conversation`): it is kept, but no agent answered it.
 *
 * @since 0.2.0 @category predicates
 */
export const isInterrupted = (message: Message): boolean => message.metadata?.["interrupted"] === true
