/**
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HandoffMode, Initiator } from "./HandoffRequest.js"
import { AgentId } from "./Ids.js"

/** @since 0.1.0 @category schemas */
export const HandoffResult = Schema.Struct({
  handoffId: Schema.String,
  success: Schema.Boolean,
  from: AgentId,
  /** The requested target, whether or not the handoff succeeded. */
  to: AgentId,
  /** The agent active after the handoff: the target on success, the caller otherwise. */
  newAgentId: AgentId,
  mode: HandoffMode,
  initiator: Initiator,
  reason: Schema.String,
  contextPreserved: Schema.Boolean,
  executionTimeMs: Schema.Number,
  errors: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type HandoffResult = typeof HandoffResult.Type
