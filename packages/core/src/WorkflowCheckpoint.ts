/**
 * The port through which a workflow run records each step's outcome as it
 * happens, so that a run interrupted by a crash can be resumed by another
 * executor — in another process — without repeating a completed step.
 *
 * A run is a `SessionState.WorkflowRef`: its id, workflow name, status and
 * the outcome of each step that has one. `start` creates the run or returns
 * the one already recorded under that id; `record` sets one step's outcome;
 * `finish` sets the run's final status.
 *
 * Adapters: `layerMemory` (one process), and `layerSessionStore`, which
 * keeps the runs in a session's `activeWorkflows` through core's
 * `SessionStore`, so any durable store (SQLite, Redis) holds them.
 *
 * @example
 * ```ts
 * import { Ids, SessionStore, WorkflowCheckpoint } from "@baton/core"
 * import * as Layer from "effect/Layer"
 *
 * const checkpoints = WorkflowCheckpoint.layerSessionStore({ sessionId: Ids.sessionId("s-1") }).pipe(
 *   Layer.provide(SessionStore.layerMemory)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { SessionId } from "./Ids.js"
import * as session from "./internal/sessionCheckpoint.js"
import type { WorkflowRef, WorkflowStepOutcome } from "./SessionState.js"
import { SessionStore } from "./SessionStore.js"

/**
 * A checkpoint could not be read or written. The run stops: without its
 * checkpoint it could not be resumed safely.
 *
 * @since 0.1.0 @category errors
 */
export class WorkflowCheckpointError extends Schema.TaggedError<WorkflowCheckpointError>(
  "@baton/core/WorkflowCheckpointError"
)("WorkflowCheckpointError", {
  runId: Schema.String,
  operation: Schema.Literal("load", "start", "record", "finish"),
  reason: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message() {
    return `Workflow checkpoint ${this.operation} for run "${this.runId}" failed: ${this.reason}`
  }
}

/** @since 0.1.0 @category models */
export interface RunStart {
  readonly runId: string
  readonly workflow: string
  /** Epoch milliseconds. */
  readonly startedAt: number
}

/** @since 0.1.0 @category models */
export interface Service {
  readonly load: (runId: string) => Effect.Effect<Option.Option<WorkflowRef>, WorkflowCheckpointError>
  /** Records a new running run, or returns the run already recorded under `runId`, unchanged. */
  readonly start: (run: RunStart) => Effect.Effect<WorkflowRef, WorkflowCheckpointError>
  /** Sets a step's outcome; durable when the effect succeeds. */
  readonly record: (
    runId: string,
    step: string,
    outcome: WorkflowStepOutcome
  ) => Effect.Effect<void, WorkflowCheckpointError>
  readonly finish: (runId: string, status: WorkflowRef["status"]) => Effect.Effect<void, WorkflowCheckpointError>
}

/** @since 0.1.0 @category tags */
export class WorkflowCheckpoint extends Context.Tag("@baton/core/WorkflowCheckpoint")<WorkflowCheckpoint, Service>() {}

const unknownRun = (runId: string, operation: "record" | "finish") =>
  new WorkflowCheckpointError({ runId, operation, reason: "no such run was started" })

/**
 * Runs kept in a map: for tests and runs that need not outlive the process.
 *
 * @since 0.1.0 @category constructors
 */
export const makeMemory = (): Service => {
  const runs = new Map<string, WorkflowRef>()
  return {
    load: (runId) => Effect.sync(() => Option.fromNullable(runs.get(runId))),
    start: ({ runId, startedAt, workflow }) =>
      Effect.sync(() => {
        const existing = runs.get(runId)
        if (existing !== undefined) return existing
        const run: WorkflowRef = { id: runId, name: workflow, status: "running", startedAt, steps: {} }
        runs.set(runId, run)
        return run
      }),
    record: (runId, step, outcome) =>
      Effect.suspend(() => {
        const run = runs.get(runId)
        if (run === undefined) return Effect.fail(unknownRun(runId, "record"))
        runs.set(runId, { ...run, steps: { ...run.steps, [step]: outcome } })
        return Effect.void
      }),
    finish: (runId, status) =>
      Effect.suspend(() => {
        const run = runs.get(runId)
        if (run === undefined) return Effect.fail(unknownRun(runId, "finish"))
        runs.set(runId, { ...run, status })
        return Effect.void
      })
  }
}

/** @since 0.1.0 @category layers */
export const layerMemory: Layer.Layer<WorkflowCheckpoint> = Layer.sync(WorkflowCheckpoint, makeMemory)

/** @since 0.1.0 @category models */
export interface SessionStoreOptions {
  /** The session whose `activeWorkflows` hold the runs; it must have been committed once. */
  readonly sessionId: SessionId
  /** Commits retried on fresh state after a `SessionConflict`. Default 10. */
  readonly retries?: number
  /** Finished runs kept in the session, newest first; older ones are dropped. Default 10. */
  readonly keepFinished?: number
  /** The writer's lease token, when it holds the session's lease. */
  readonly fencingToken?: number
}

/**
 * Runs kept in a session's `activeWorkflows`. Each write loads the session,
 * changes its run and commits the next version with compare-and-set; a
 * conflict (another writer committed first) is retried on the fresh state,
 * so nothing another writer committed is overwritten. Writes from one
 * instance are serialised, so parallel steps do not conflict with each
 * other.
 *
 * @since 0.1.0 @category constructors
 */
export const makeSessionStore = (options: SessionStoreOptions): Effect.Effect<Service, never, SessionStore> =>
  Effect.map(SessionStore, (store) =>
    session.make(store, options, (runId, operation, reason, cause) =>
      new WorkflowCheckpointError({ runId, operation, reason, ...(cause === undefined ? {} : { cause }) })))

/** @since 0.1.0 @category layers */
export const layerSessionStore = (options: SessionStoreOptions): Layer.Layer<WorkflowCheckpoint, never, SessionStore> =>
  Layer.effect(WorkflowCheckpoint, makeSessionStore(options))
