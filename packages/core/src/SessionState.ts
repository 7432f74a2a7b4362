/**
 * The persisted state of one session. `context.state` holds the application's
 * own state in its encoded form; the conversation decodes it with the
 * application's schema at the agent boundary.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AgentId, SessionId, UserId } from "./Ids.js"
import { Message } from "./Message.js"

/** @since 0.1.0 @category constants */
export const SCHEMA_VERSION = 1 as const

/** @since 0.1.0 @category schemas */
export const JsonRecord = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** @since 0.1.0 @category schemas */
export const ConversationContext = Schema.Struct({
  /** The full history, in order. Compression never edits it. */
  history: Schema.Array(Message),
  state: Schema.Unknown,
  preferences: JsonRecord,
  searchContext: JsonRecord
})
/** @since 0.1.0 @category models */
export type ConversationContext = typeof ConversationContext.Type

/** @since 0.1.0 @category schemas */
export const WorkflowStatus = Schema.Literal("running", "completed", "failed", "compensated")

const outcomeAt = { at: Schema.Number }
const recordedOutput = {
  /** The step's output as checkpointed (encoded when the step has an output schema). */
  output: Schema.optionalWith(Schema.Unknown, { exact: true }),
  /** Completion order within the run, from 1. */
  seq: Schema.Number
}

/**
 * A workflow step's checkpointed outcome (see `WorkflowCheckpoint`). A
 * completed step keeps its output through compensation, so that a resumed
 * run can still undo it.
 *
 * @since 0.1.0 @category schemas
 */
export const WorkflowStepOutcome = Schema.Union(
  Schema.TaggedStruct("Completed", { ...recordedOutput, ...outcomeAt }),
  Schema.TaggedStruct("Failed", {
    error: Schema.String,
    errorTag: Schema.optionalWith(Schema.String, { exact: true }),
    ...outcomeAt
  }),
  Schema.TaggedStruct("Skipped", {
    reason: Schema.Literal("dependency-failed", "workflow-failed", "deadline"),
    ...outcomeAt
  }),
  /** Its compensation started: the run is undoing its side effects. */
  Schema.TaggedStruct("Compensating", { ...recordedOutput, ...outcomeAt }),
  Schema.TaggedStruct("Compensated", { ...recordedOutput, ...outcomeAt }),
  Schema.TaggedStruct("CompensationFailed", { ...recordedOutput, error: Schema.String, ...outcomeAt })
)
/** @since 0.1.0 @category models */
export type WorkflowStepOutcome = typeof WorkflowStepOutcome.Type

/** @since 0.1.0 @category schemas */
export const WorkflowRef = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: WorkflowStatus,
  startedAt: Schema.Number,
  /** The outcome of each step that has one, by step id. */
  steps: Schema.optionalWith(Schema.Record({ key: Schema.String, value: WorkflowStepOutcome }), { exact: true })
})
/** @since 0.1.0 @category models */
export type WorkflowRef = typeof WorkflowRef.Type

/** @since 0.1.0 @category schemas */
export const CachedResult = Schema.Struct({
  value: Schema.Unknown,
  storedAt: Schema.Number,
  expiresAt: Schema.optional(Schema.Number)
})

/** @since 0.1.0 @category schemas */
export const SessionState = Schema.Struct({
  schemaVersion: Schema.Literal(SCHEMA_VERSION),
  sessionId: SessionId,
  userId: UserId,
  /** The one active agent; null only before the first turn is routed. */
  currentAgent: Schema.NullOr(AgentId),
  /** Callers waiting for a delegated agent to return, innermost last. */
  agentStack: Schema.Array(AgentId),
  context: ConversationContext,
  activeWorkflows: Schema.Array(WorkflowRef),
  cachedResults: Schema.Record({ key: Schema.String, value: CachedResult }),
  createdAt: Schema.Number,
  lastActivity: Schema.Number,
  /** The store's version of this record; every commit increments it by one. */
  version: Schema.Number.pipe(Schema.int(), Schema.nonNegative())
})
/** @since 0.1.0 @category models */
export type SessionState = typeof SessionState.Type

/** @since 0.1.0 @category constructors */
export const empty = (options: {
  readonly sessionId: SessionId
  readonly userId: UserId
  readonly state: unknown
  readonly now: number
}): SessionState => ({
  schemaVersion: SCHEMA_VERSION,
  sessionId: options.sessionId,
  userId: options.userId,
  currentAgent: null,
  agentStack: [],
  context: { history: [], state: options.state, preferences: {}, searchContext: {} },
  activeWorkflows: [],
  cachedResults: {},
  createdAt: options.now,
  lastActivity: options.now,
  version: 0
})
