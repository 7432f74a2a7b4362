/**
 * Branded identifiers. Every id that crosses a boundary is decoded through
 * these schemas, so an empty or mistyped id is rejected at the edge.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category schemas */
export const UserId = Schema.String.pipe(Schema.nonEmptyString(), Schema.brand("@baton/UserId"))
/** @since 0.1.0 @category models */
export type UserId = typeof UserId.Type

/** @since 0.1.0 @category schemas */
export const SessionId = Schema.String.pipe(Schema.nonEmptyString(), Schema.brand("@baton/SessionId"))
/** @since 0.1.0 @category models */
export type SessionId = typeof SessionId.Type

/** @since 0.1.0 @category schemas */
export const AgentId = Schema.String.pipe(Schema.nonEmptyString(), Schema.brand("@baton/AgentId"))
/** @since 0.1.0 @category models */
export type AgentId = typeof AgentId.Type

/** @since 0.1.0 @category schemas */
export const MessageId = Schema.String.pipe(Schema.nonEmptyString(), Schema.brand("@baton/MessageId"))
/** @since 0.1.0 @category models */
export type MessageId = typeof MessageId.Type

/**
 * Ids in code are trusted literals; ids from outside go through the schemas.
 *
 * @since 0.1.0 @category constructors
 */
export const userId = (id: string): UserId => UserId.make(id)
/** @since 0.1.0 @category constructors */
export const sessionId = (id: string): SessionId => SessionId.make(id)
/** @since 0.1.0 @category constructors */
export const agentId = (id: string): AgentId => AgentId.make(id)
