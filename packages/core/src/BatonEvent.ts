/**
 * The events Baton publishes. They are the audit trail (who did what, why,
 * and how long it took), they are committed with the session, and monitors
 * read them from the `EventBus`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HandoffMode, Initiator } from "./HandoffRequest.js"
import { AgentId, SessionId, UserId } from "./Ids.js"

const base = { sessionId: SessionId, at: Schema.Number }

/** @since 0.1.0 @category schemas */
export const TurnStarted = Schema.TaggedStruct("TurnStarted", { ...base, userId: UserId, text: Schema.String })

/** @since 0.1.0 @category schemas */
export const RouteDecided = Schema.TaggedStruct("RouteDecided", {
  ...base,
  agent: AgentId,
  confidence: Schema.Number,
  strategy: Schema.String,
  reasoning: Schema.String,
  sticky: Schema.Boolean,
  fallback: Schema.Boolean,
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const HandoffRequested = Schema.TaggedStruct("HandoffRequested", {
  ...base,
  handoffId: Schema.String,
  from: AgentId,
  to: AgentId,
  mode: HandoffMode,
  initiator: Initiator,
  reason: Schema.String
})

/** @since 0.1.0 @category schemas */
export const HandoffApproved = Schema.TaggedStruct("HandoffApproved", {
  ...base,
  handoffId: Schema.String,
  /** The policy or approver that decided. */
  by: Schema.String,
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const HandoffRejectedEvent = Schema.TaggedStruct("HandoffRejected", {
  ...base,
  handoffId: Schema.String,
  by: Schema.String,
  stage: Schema.String,
  reasons: Schema.Array(Schema.String),
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const HandoffCompleted = Schema.TaggedStruct("HandoffCompleted", {
  ...base,
  handoffId: Schema.String,
  from: AgentId,
  to: AgentId,
  mode: HandoffMode,
  contextPreserved: Schema.Boolean,
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const TurnCompleted = Schema.TaggedStruct("TurnCompleted", {
  ...base,
  agent: AgentId,
  handoffs: Schema.Number,
  durationMs: Schema.Number,
  version: Schema.Number
})

/**
 * A tool call finished, successfully or not.
 *
 * @since 0.1.0 @category schemas
 */
export const ToolCalled = Schema.TaggedStruct("ToolCalled", {
  at: Schema.Number,
  service: Schema.String,
  tool: Schema.String,
  /** The instance (process or URL) that served the call. */
  instance: Schema.String,
  outcome: Schema.Literal("ok", "error", "timeout", "cancelled", "cached", "coalesced"),
  durationMs: Schema.Number,
  error: Schema.optional(Schema.String)
})

/**
 * A progress notification from a long-running tool.
 *
 * @since 0.1.0 @category schemas
 */
export const ToolProgress = Schema.TaggedStruct("ToolProgress", {
  at: Schema.Number,
  service: Schema.String,
  tool: Schema.String,
  progress: Schema.Number,
  total: Schema.optional(Schema.Number),
  message: Schema.optional(Schema.String)
})

const policyBase = { at: Schema.Number, service: Schema.String }

/**
 * The states of a circuit breaker.
 *
 * @since 0.1.0 @category schemas
 */
export const BreakerState = Schema.Literal("closed", "open", "half-open")
/** @since 0.1.0 @category models */
export type BreakerState = typeof BreakerState.Type

/**
 * A service's circuit breaker changed state: closed→open (tripped),
 * open→half-open (probing), half-open→closed or half-open→open.
 *
 * @since 0.1.0 @category schemas
 */
export const BreakerTransition = Schema.TaggedStruct("BreakerTransition", {
  ...policyBase,
  from: BreakerState,
  to: BreakerState,
  reason: Schema.String
})

/**
 * A failed call is tried again after `delayMs`; `attempt` counts retries from 1.
 *
 * @since 0.1.0 @category schemas
 */
export const RetryAttempted = Schema.TaggedStruct("RetryAttempted", {
  ...policyBase,
  attempt: Schema.Number,
  delayMs: Schema.Number,
  error: Schema.String
})

/**
 * A call that was retried at least once, or whose retry was refused, fails for good.
 *
 * @since 0.1.0 @category schemas
 */
export const RetryGaveUp = Schema.TaggedStruct("RetryGaveUp", {
  ...policyBase,
  retries: Schema.Number,
  reason: Schema.Literal("not-retryable", "schedule-exhausted", "budget-exhausted", "retry-after-too-long"),
  error: Schema.String
})

/** @since 0.1.0 @category schemas */
export const BulkheadRejectedEvent = Schema.TaggedStruct("BulkheadRejected", {
  ...policyBase,
  maxConcurrent: Schema.Number,
  maxQueued: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const RateLimitedEvent = Schema.TaggedStruct("RateLimited", { ...policyBase, retryAfterMs: Schema.Number })

/** @since 0.1.0 @category schemas */
export const PolicyTimedOut = Schema.TaggedStruct("PolicyTimedOut", { ...policyBase, timeoutMs: Schema.Number })

/**
 * A hedged read started its second attempt because the first was slower than `afterMs`.
 *
 * @since 0.1.0 @category schemas
 */
export const HedgeStarted = Schema.TaggedStruct("HedgeStarted", { ...policyBase, afterMs: Schema.Number })

/**
 * A call failed and its fallback answered instead: the answer is degraded.
 *
 * @since 0.1.0 @category schemas
 */
export const FallbackUsed = Schema.TaggedStruct("FallbackUsed", { ...policyBase, error: Schema.String })

const workflowBase = { at: Schema.Number, workflow: Schema.String, runId: Schema.String }

/**
 * A workflow run started, or resumed with `reused` steps completed earlier.
 *
 * @since 0.1.0 @category schemas
 */
export const WorkflowStarted = Schema.TaggedStruct("WorkflowStarted", {
  ...workflowBase,
  steps: Schema.Number,
  reused: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const StepStarted = Schema.TaggedStruct("StepStarted", { ...workflowBase, step: Schema.String })

/** @since 0.1.0 @category schemas */
export const StepCompleted = Schema.TaggedStruct("StepCompleted", {
  ...workflowBase,
  step: Schema.String,
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const StepFailed = Schema.TaggedStruct("StepFailed", {
  ...workflowBase,
  step: Schema.String,
  optional: Schema.Boolean,
  error: Schema.String,
  durationMs: Schema.Number
})

/**
 * A completed step's side effect was undone (`ok`) or could not be.
 *
 * @since 0.1.0 @category schemas
 */
export const CompensationRun = Schema.TaggedStruct("CompensationRun", {
  ...workflowBase,
  step: Schema.String,
  ok: Schema.Boolean,
  error: Schema.optional(Schema.String),
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const WorkflowCompleted = Schema.TaggedStruct("WorkflowCompleted", {
  ...workflowBase,
  status: Schema.Literal("completed", "partial", "failed"),
  completed: Schema.Number,
  failed: Schema.Number,
  skipped: Schema.Number,
  compensated: Schema.Number,
  durationMs: Schema.Number
})

/** @since 0.1.0 @category schemas */
export const BatonEvent = Schema.Union(
  TurnStarted,
  RouteDecided,
  HandoffRequested,
  HandoffApproved,
  HandoffRejectedEvent,
  HandoffCompleted,
  TurnCompleted,
  ToolCalled,
  ToolProgress,
  BreakerTransition,
  RetryAttempted,
  RetryGaveUp,
  BulkheadRejectedEvent,
  RateLimitedEvent,
  PolicyTimedOut,
  HedgeStarted,
  FallbackUsed,
  WorkflowStarted,
  StepStarted,
  StepCompleted,
  StepFailed,
  CompensationRun,
  WorkflowCompleted
)
/** @since 0.1.0 @category models */
export type BatonEvent = typeof BatonEvent.Type
