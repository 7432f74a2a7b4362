/**
 * What a workflow run did: the outputs of the steps that completed, and for
 * every other step why it did not — failed (with its typed error), skipped
 * (a dependency failed, the workflow failed, or the deadline passed) — and,
 * when a required step failed after side effects, which of them were undone
 * (`compensated`, in the order they were undone) and which could not be.
 *
 * `status` is `completed` when every step completed, `partial` when only
 * optional steps are missing (listed in `missing`, with the reason), and
 * `failed` when a required step did not complete. A run through
 * `McpOrchestrator.executeWorkflow` also says which steps ran their
 * alternative plan (`alternatives`) and every degraded answer the run got
 * (`degradations`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type * as Degradation from "./Degradation.js"

/** @since 0.1.0 @category models */
export type Status = "completed" | "partial" | "failed"

/**
 * Why a step did not run: a required dependency did not complete, the
 * workflow was failing (a required step failed) when the step could have
 * started, or the workflow's deadline had passed.
 *
 * @since 0.1.0 @category models
 */
export type SkipReason = "dependency-failed" | "workflow-failed" | "deadline"

/**
 * The step did not finish within its own timeout.
 *
 * @since 0.1.0 @category errors
 */
export class StepTimedOut extends Schema.TaggedError<StepTimedOut>("@baton/core/StepTimedOut")("StepTimedOut", {
  workflow: Schema.String,
  step: Schema.String,
  timeoutMs: Schema.Number
}) {
  override get message() {
    return `Step "${this.step}" of workflow "${this.workflow}" did not finish within ${this.timeoutMs} ms`
  }
}

/**
 * The workflow's deadline passed while the step was running.
 *
 * @since 0.1.0 @category errors
 */
export class WorkflowDeadlineExceeded extends Schema.TaggedError<WorkflowDeadlineExceeded>(
  "@baton/core/WorkflowDeadlineExceeded"
)("WorkflowDeadlineExceeded", {
  workflow: Schema.String,
  step: Schema.String,
  deadlineMs: Schema.Number
}) {
  override get message() {
    return `Step "${this.step}" was stopped: workflow "${this.workflow}" has a deadline of ${this.deadlineMs} ms`
  }
}

/**
 * The step's result does not decode with its output schema (or its output
 * does not encode for the checkpoint).
 *
 * @since 0.1.0 @category errors
 */
export class StepOutputInvalid extends Schema.TaggedError<StepOutputInvalid>("@baton/core/StepOutputInvalid")(
  "StepOutputInvalid",
  { workflow: Schema.String, step: Schema.String, issue: Schema.String }
) {
  override get message() {
    return `Step "${this.step}" of workflow "${this.workflow}" produced an invalid output: ${this.issue}`
  }
}

/**
 * The step died (threw, or failed with a defect). It counts as a failure, so
 * that the side effects before it are still undone.
 *
 * @since 0.1.0 @category errors
 */
export class StepDefect extends Schema.TaggedError<StepDefect>("@baton/core/StepDefect")("StepDefect", {
  workflow: Schema.String,
  step: Schema.String,
  defect: Schema.String
}) {
  override get message() {
    return `Step "${this.step}" of workflow "${this.workflow}" died: ${this.defect}`
  }
}

/**
 * A failure recorded by an earlier execution of the same run, read back from
 * its checkpoint: only its description survives.
 *
 * @since 0.1.0 @category errors
 */
export class RecordedStepFailure extends Schema.TaggedError<RecordedStepFailure>("@baton/core/RecordedStepFailure")(
  "RecordedStepFailure",
  {
    workflow: Schema.String,
    step: Schema.String,
    error: Schema.String,
    errorTag: Schema.optionalWith(Schema.String, { exact: true })
  }
) {
  override get message() {
    return `Step "${this.step}" of workflow "${this.workflow}" failed in an earlier execution: ${this.error}`
  }
}

/**
 * The failures the executor itself adds to a step's own errors.
 *
 * @since 0.1.0 @category errors
 */
export type StepError = StepTimedOut | WorkflowDeadlineExceeded | StepOutputInvalid | StepDefect | RecordedStepFailure

/** @since 0.1.0 @category models */
export interface StepFailure<Id extends string, E> {
  readonly step: Id
  readonly optional: boolean
  readonly error: E | StepError
}

/** @since 0.1.0 @category models */
export interface StepSkipped<Id extends string> {
  readonly step: Id
  readonly optional: boolean
  readonly reason: SkipReason
  /** With `dependency-failed`: the required dependencies that did not complete. */
  readonly dependencies: ReadonlyArray<Id>
}

/** @since 0.1.0 @category models */
export interface CompensationFailure<Id extends string, E> {
  readonly step: Id
  readonly error: E | StepError
}

/**
 * A step that did not complete, and why, in words.
 *
 * @since 0.1.0 @category models
 */
export interface Missing<Id extends string> {
  readonly step: Id
  readonly optional: boolean
  readonly reason: string
}

/**
 * A step whose service was down and whose alternative plan did its job.
 *
 * @since 0.1.0 @category models
 */
export interface AlternativeUsed<Id extends string> {
  readonly step: Id
  /** The step's own service, which was down. */
  readonly service: string
  /** The alternative that ran, as `service.tool`. */
  readonly servedBy: string
  /** Why the step's service could not do it. */
  readonly reason: string
}

/**
 * @since 0.1.0 @category models
 */
export interface WorkflowResult<O, E> {
  readonly workflow: string
  readonly runId: string
  readonly status: Status
  /** The outputs of the completed steps (compensated ones included). */
  readonly outputs: { readonly [K in keyof O]?: O[K] }
  /** The steps that completed, in completion order (earlier executions first). */
  readonly completed: ReadonlyArray<keyof O & string>
  /** The completed steps whose outputs came from the checkpoint of an earlier execution. */
  readonly reused: ReadonlyArray<keyof O & string>
  readonly failed: ReadonlyArray<StepFailure<keyof O & string, E>>
  readonly skipped: ReadonlyArray<StepSkipped<keyof O & string>>
  /** The steps whose side effects were undone, in the order they were undone. */
  readonly compensated: ReadonlyArray<keyof O & string>
  readonly compensationFailures: ReadonlyArray<CompensationFailure<keyof O & string, E>>
  /** Every step that did not complete, with the reason. */
  readonly missing: ReadonlyArray<Missing<keyof O & string>>
  /** Steps that ran their alternative plan (filled by executors that run alternatives). */
  readonly alternatives?: ReadonlyArray<AlternativeUsed<keyof O & string>>
  /** The run's degraded answers: fallbacks, stale results, alternatives (filled likewise). */
  readonly degradations?: ReadonlyArray<Degradation.Note>
  readonly durationMs: number
}
