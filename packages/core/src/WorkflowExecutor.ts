/**
 * Runs workflows. Independent steps run in parallel, up to the concurrency
 * limit; a step starts as soon as all its dependencies have finished (not
 * level by level). Each step's outcome is recorded through the
 * `WorkflowCheckpoint` (the one given, else the one provided, else none)
 * before its dependents start.
 *
 * - **Saga**: when a required step fails (or cannot run), no further step
 *   starts; the steps already running finish; then every completed step that
 *   has a compensation is undone, in reverse completion order, and the
 *   result lists what was undone and what could not be.
 * - **Optional steps**: their failure makes the result `partial`; their
 *   dependents still run and receive `undefined` for them.
 * - **Time**: a step's `timeout` bounds it (retries included); the
 *   workflow's `deadline` stops steps still running when it passes and skips
 *   those not started. Compensations are not bound by the deadline.
 * - **Resumption**: executing a run id that was recorded before resumes it.
 *   Completed steps are not run again — their recorded outputs are reused —
 *   and steps that run again get the same idempotency keys
 *   (`<runId>/<step>`, in `StepContext` and `ToolCall.idempotencyKey`), so a
 *   tool that honours them never repeats a side effect. A run that had begun
 *   compensating only finishes its compensations; a finished run is answered
 *   from its record.
 *
 * Events: `WorkflowStarted`, `StepStarted`, `StepCompleted`, `StepFailed`,
 * `CompensationRun`, `WorkflowCompleted`. Spans: `baton.workflow` ⊃
 * `baton.workflow.step`, `baton.workflow.compensate`. Metric:
 * `baton_workflow_duration_ms{status}`.
 *
 * @example
 * ```ts
 * import { Workflow, WorkflowCheckpoint, WorkflowExecutor } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const greet = Workflow.make("greet")
 *   .step("name", { run: () => Effect.succeed("Ada") })
 *   .step("greeting", { dependsOn: ["name"], run: ({ name }) => Effect.succeed(`Hello, ${name}`) })
 *
 * const program = Effect.gen(function*() {
 *   const result = yield* WorkflowExecutor.execute(greet, { runId: "run-1" })
 *   return result.outputs.greeting
 * }).pipe(Effect.provide(WorkflowCheckpoint.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as internal from "./internal/workflowRun.js"
import type * as Workflow from "./Workflow.js"
import * as WorkflowCheckpoint from "./WorkflowCheckpoint.js"
import type { WorkflowResult } from "./WorkflowResult.js"

/** @since 0.1.0 @category models */
export interface RunOptions {
  /** Executing a run id again resumes that run. Default: a new UUID. */
  readonly runId?: string
  /** Overrides the workflow's concurrency limit. */
  readonly concurrency?: number
  /** Overrides the workflow's deadline; it counts from the start of this execution. */
  readonly deadline?: Duration.DurationInput
  /** Overrides the `WorkflowCheckpoint` provided to the effect. */
  readonly checkpoint?: WorkflowCheckpoint.Service
}

/**
 * What executing a workflow fails with: an invalid definition, or a
 * checkpoint that could not be read or written. Step failures are in the
 * result, not here.
 *
 * @since 0.1.0 @category errors
 */
export type ExecuteError = Workflow.WorkflowInvalid | WorkflowCheckpoint.WorkflowCheckpointError

/** @since 0.1.0 @category models */
export interface Service {
  readonly execute: <O, E, R>(
    workflow: Workflow.Workflow<O, E, R>,
    options?: RunOptions
  ) => Effect.Effect<WorkflowResult<O, E>, ExecuteError, R>
}

/** @since 0.1.0 @category tags */
export class WorkflowExecutor extends Context.Tag("@baton/core/WorkflowExecutor")<WorkflowExecutor, Service>() {}

/**
 * Runs `workflow` once, or resumes it when `runId` was recorded before.
 *
 * @since 0.1.0 @category execution
 */
export const execute = <O, E, R>(
  workflow: Workflow.Workflow<O, E, R>,
  options: RunOptions = {}
): Effect.Effect<WorkflowResult<O, E>, ExecuteError, R> =>
  internal.execute(workflow, options) as Effect.Effect<WorkflowResult<O, E>, ExecuteError, R>

/** @since 0.1.0 @category models */
export interface Options {
  /** The default concurrency limit of workflows that set none. */
  readonly concurrency?: number
  readonly checkpoint?: WorkflowCheckpoint.Service
}

/**
 * An executor with defaults; each execution's options override them.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (defaults: Options = {}): Service => ({
  execute: (workflow, options = {}) => {
    const checkpoint = options.checkpoint ?? defaults.checkpoint
    const concurrency = options.concurrency ?? workflow.concurrency ?? defaults.concurrency
    return execute(workflow, {
      ...options,
      ...(checkpoint === undefined ? {} : { checkpoint }),
      ...(concurrency === undefined ? {} : { concurrency })
    })
  }
})

/**
 * An executor that records through the `WorkflowCheckpoint` provided to the
 * layer, if any.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (defaults: Options = {}): Layer.Layer<WorkflowExecutor> =>
  Layer.effect(
    WorkflowExecutor,
    Effect.map(Effect.serviceOption(WorkflowCheckpoint.WorkflowCheckpoint), (checkpoint) =>
      make(
        defaults.checkpoint === undefined && Option.isSome(checkpoint)
          ? { ...defaults, checkpoint: checkpoint.value }
          : defaults
      ))
  )
