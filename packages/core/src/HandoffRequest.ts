/**
 * A request to move the conversation from one agent to another.
 *
 * - `transfer`: the target takes over; the agent stack is unchanged.
 * - `delegate`: the caller is pushed on the agent stack and waits for the
 *   target to return.
 * - `return`: the active agent hands back to the caller on top of the stack.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AgentId } from "./Ids.js"

/** @since 0.1.0 @category schemas */
export const HandoffMode = Schema.Literal("transfer", "delegate", "return")
/** @since 0.1.0 @category models */
export type HandoffMode = typeof HandoffMode.Type

/** @since 0.1.0 @category schemas */
export const Initiator = Schema.Literal("agent", "router")
/** @since 0.1.0 @category models */
export type Initiator = typeof Initiator.Type

/** @since 0.1.0 @category schemas */
export const HandoffRequest = Schema.Struct({
  from: AgentId,
  to: AgentId,
  reason: Schema.String,
  mode: HandoffMode,
  initiator: Initiator
})
/** @since 0.1.0 @category models */
export type HandoffRequest = typeof HandoffRequest.Type
