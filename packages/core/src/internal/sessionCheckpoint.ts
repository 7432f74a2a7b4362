/**
 * Workflow checkpoints in a session's `activeWorkflows`, written through the
 * `SessionStore` port with load + versioned commit.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SessionId } from "../Ids.js"
import type { WorkflowRef } from "../SessionState.js"
import type * as SessionStore from "../SessionStore.js"
import type * as WorkflowCheckpoint from "../WorkflowCheckpoint.js"

type Operation = WorkflowCheckpoint.WorkflowCheckpointError["operation"]

export type MakeError = (
  runId: string,
  operation: Operation,
  reason: string,
  cause?: unknown
) => WorkflowCheckpoint.WorkflowCheckpointError

/** What an update does to the session's runs: new runs, no change, or a refusal. */
type Change = ReadonlyArray<WorkflowRef> | "unchanged" | { readonly refuse: string }

const noSession = (sessionId: SessionId) =>
  `session "${sessionId}" does not exist; commit it before running a workflow checkpointed in it`

export const make = (
  store: SessionStore.Service,
  options: WorkflowCheckpoint.SessionStoreOptions,
  makeError: MakeError
): WorkflowCheckpoint.Service => {
  const { fencingToken, sessionId } = options
  const retries = options.retries ?? 10
  const keepFinished = options.keepFinished ?? 10
  const lock = Effect.unsafeMakeSemaphore(1)

  /** Loads the session, applies `change` to its runs and commits; retried on conflict. */
  const update = (runId: string, operation: Operation, change: (runs: ReadonlyArray<WorkflowRef>) => Change) => {
    type AttemptError = SessionStore.CommitError | WorkflowCheckpoint.WorkflowCheckpointError
    const attempt = Effect.flatMap(store.load(sessionId), (loaded): Effect.Effect<void, AttemptError> => {
      if (Option.isNone(loaded)) return Effect.fail(makeError(runId, operation, noSession(sessionId)))
      const state = loaded.value
      const next = change(state.activeWorkflows)
      if (next === "unchanged") return Effect.void
      if ("refuse" in next) return Effect.fail(makeError(runId, operation, next.refuse))
      const input: SessionStore.CommitInput = {
        state: { ...state, activeWorkflows: next, version: state.version + 1 },
        expectedVersion: state.version,
        events: [],
        ...(fencingToken === undefined ? {} : { fencingToken })
      }
      return store.commit(input)
    })
    const retried = Effect.retry(attempt, {
      times: retries,
      while: (error: AttemptError) => error._tag === "SessionConflict"
    })
    return lock.withPermits(1)(Effect.mapError(
      retried,
      (error) => error._tag === "WorkflowCheckpointError" ? error : makeError(runId, operation, error.message, error)
    ))
  }

  const withRun = (
    runId: string,
    operation: Operation,
    f: (run: WorkflowRef) => WorkflowRef
  ) =>
    update(runId, operation, (runs) => {
      const at = runs.findIndex((run) => run.id === runId)
      if (at === -1) return { refuse: "no such run was started" }
      const next = runs.slice()
      next[at] = f(runs[at]!)
      return next
    })

  /** Keeps the running runs and the `keepFinished` most recent finished ones. */
  const prune = (runs: ReadonlyArray<WorkflowRef>): ReadonlyArray<WorkflowRef> => {
    const finished = runs.filter((run) => run.status !== "running")
    if (finished.length <= keepFinished) return runs
    const dropped = new Set(
      finished.slice().sort((a, b) => a.startedAt - b.startedAt).slice(0, finished.length - keepFinished)
    )
    return runs.filter((run) => !dropped.has(run))
  }

  const find = (runId: string) =>
    Effect.map(store.load(sessionId), (loaded) =>
      Option.flatMap(loaded, (state) => Option.fromNullable(state.activeWorkflows.find((run) => run.id === runId))))

  return {
    load: (runId) => Effect.mapError(find(runId), (error) => makeError(runId, "load", error.message, error)),
    start: ({ runId, startedAt, workflow }) => {
      const fresh: WorkflowRef = { id: runId, name: workflow, status: "running", startedAt, steps: {} }
      let existing: WorkflowRef | undefined
      return Effect.map(
        update(runId, "start", (runs) => {
          existing = runs.find((run) => run.id === runId)
          return existing === undefined ? [...runs, fresh] : "unchanged"
        }),
        // Read after the update: the last attempt saw the latest runs.
        () => existing ?? fresh
      )
    },
    record: (runId, step, outcome) =>
      withRun(runId, "record", (run) => ({ ...run, steps: { ...run.steps, [step]: outcome } })),
    finish: (runId, status) =>
      update(runId, "finish", (runs) => {
        const at = runs.findIndex((run) => run.id === runId)
        if (at === -1) return { refuse: "no such run was started" }
        const next = runs.slice()
        next[at] = { ...runs[at]!, status }
        return prune(next)
      })
  }
}
