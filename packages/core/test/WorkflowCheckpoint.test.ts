import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { SessionConflict } from "../src/Errors.js"
import * as Ids from "../src/Ids.js"
import * as SessionState from "../src/SessionState.js"
import * as SessionStore from "../src/SessionStore.js"
import * as WorkflowCheckpoint from "../src/WorkflowCheckpoint.js"

const sessionId = Ids.sessionId("s-1")

/** Commits a fresh session, as a first turn would. */
const seed = Effect.flatMap(SessionStore.SessionStore, (store) =>
  store.commit({
    state: { ...SessionState.empty({ sessionId, userId: Ids.userId("u-1"), state: {}, now: 0 }), version: 1 },
    expectedVersion: 0,
    events: []
  }))

const sessionCheckpoint = (options: Partial<WorkflowCheckpoint.SessionStoreOptions> = {}) =>
  WorkflowCheckpoint.makeSessionStore({ sessionId, ...options })

const completed = (seq: number, output?: unknown): SessionState.WorkflowStepOutcome => ({
  _tag: "Completed",
  seq,
  at: seq * 10,
  ...(output === undefined ? {} : { output })
})

const backends: ReadonlyArray<
  readonly [string, Effect.Effect<WorkflowCheckpoint.Service, never, SessionStore.SessionStore>]
> = [
  ["memory", Effect.sync(WorkflowCheckpoint.makeMemory)],
  ["session store", sessionCheckpoint()]
]

for (const [name, make] of backends) {
  describe(`WorkflowCheckpoint (${name})`, () => {
    const run = <A, E>(body: (checkpoint: WorkflowCheckpoint.Service) => Effect.Effect<A, E, SessionStore.SessionStore>) =>
      Effect.zipRight(seed, Effect.flatMap(make, body)).pipe(Effect.provide(SessionStore.layerMemory))

    it.effect("starts a run once; starting it again returns the recorded run unchanged", () =>
      run((checkpoint) =>
        Effect.gen(function*() {
          expect(yield* checkpoint.load("r1")).toEqual(Option.none())
          const started = yield* checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 5 })
          expect(started).toEqual({ id: "r1", name: "trip", status: "running", startedAt: 5, steps: {} })
          yield* checkpoint.record("r1", "flight", completed(1, { booking: "F1" }))
          const again = yield* checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 99 })
          expect(again).toEqual({ ...started, steps: { flight: completed(1, { booking: "F1" }) } })
        })
      ))

    it.effect("records each step's latest outcome and the run's final status", () =>
      run((checkpoint) =>
        Effect.gen(function*() {
          yield* checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 })
          yield* checkpoint.record("r1", "flight", completed(1, "F1"))
          yield* checkpoint.record("r1", "payment", { _tag: "Failed", error: "declined", errorTag: "ToolResultError", at: 20 })
          yield* checkpoint.record("r1", "flight", { _tag: "Compensated", output: "F1", seq: 1, at: 30 })
          yield* checkpoint.finish("r1", "compensated")
          expect(yield* checkpoint.load("r1")).toEqual(Option.some({
            id: "r1",
            name: "trip",
            status: "compensated",
            startedAt: 0,
            steps: {
              flight: { _tag: "Compensated", output: "F1", seq: 1, at: 30 },
              payment: { _tag: "Failed", error: "declined", errorTag: "ToolResultError", at: 20 }
            }
          }))
        })
      ))

    it.effect("refuses to record for a run that was never started", () =>
      run((checkpoint) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(checkpoint.record("nope", "a", completed(1)))
          expect(error).toMatchObject({ _tag: "WorkflowCheckpointError", runId: "nope", operation: "record" })
          expect((yield* Effect.flip(checkpoint.finish("nope", "completed"))).reason).toBe("no such run was started")
        })
      ))
  })
}

describe("WorkflowCheckpoint over a SessionStore", () => {
  it.effect("keeps runs in the session's activeWorkflows, which survive the session's JSON form", () =>
    Effect.gen(function*() {
      yield* seed
      const checkpoint = yield* sessionCheckpoint()
      yield* checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 })
      yield* checkpoint.record("r1", "when", completed(1, "2024-05-01T00:00:00.000Z"))
      yield* checkpoint.record("r1", "late", { _tag: "Skipped", reason: "deadline", at: 100 })
      const store = yield* SessionStore.SessionStore
      const state = Option.getOrThrow(yield* store.load(sessionId))
      expect(state.version).toBe(4)
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(SessionState.SessionState)(state)))
      expect(Schema.decodeUnknownSync(SessionState.SessionState)(json).activeWorkflows).toEqual(state.activeWorkflows)
      expect(state.activeWorkflows[0]!.steps).toEqual({
        when: completed(1, "2024-05-01T00:00:00.000Z"),
        late: { _tag: "Skipped", reason: "deadline", at: 100 }
      })
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("retries a conflicting commit on fresh state and never overwrites the other writer", () =>
    Effect.gen(function*() {
      yield* seed
      const store = yield* SessionStore.SessionStore
      // Another writer commits between the checkpoint's load and its commit, once.
      let raced = false
      const racing: SessionStore.Service = {
        ...store,
        load: (id) =>
          Effect.tap(store.load(id), (loaded) => {
            if (raced || Option.isNone(loaded)) return Effect.void
            raced = true
            const state = loaded.value
            return store.commit({
              state: { ...state, context: { ...state.context, preferences: { seat: "aisle" } }, version: state.version + 1 },
              expectedVersion: state.version,
              events: []
            }).pipe(Effect.orDie)
          })
      }
      const checkpoint = yield* Effect.provideService(sessionCheckpoint(), SessionStore.SessionStore, racing)
      yield* checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 })
      const state = Option.getOrThrow(yield* store.load(sessionId))
      expect(state.version).toBe(3)
      expect(state.context.preferences).toEqual({ seat: "aisle" })
      expect(state.activeWorkflows.map((run) => run.id)).toEqual(["r1"])
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("gives up after its retries with a WorkflowCheckpointError that keeps the conflict", () =>
    Effect.gen(function*() {
      yield* seed
      const store = yield* SessionStore.SessionStore
      let commits = 0
      const contended: SessionStore.Service = {
        ...store,
        commit: (input) =>
          Effect.suspend(() => {
            commits++
            return Effect.fail(new SessionConflict({ sessionId, expectedVersion: input.expectedVersion, actualVersion: 99 }))
          })
      }
      const checkpoint = yield* Effect.provideService(sessionCheckpoint({ retries: 3 }), SessionStore.SessionStore, contended)
      const error = yield* Effect.flip(checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 }))
      expect(error).toMatchObject({ _tag: "WorkflowCheckpointError", operation: "start" })
      expect(error.cause).toBeInstanceOf(SessionConflict)
      expect(commits).toBe(4)
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("needs a session that was committed", () =>
    Effect.gen(function*() {
      const checkpoint = yield* sessionCheckpoint()
      const error = yield* Effect.flip(checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 }))
      expect(error.message).toBe(
        `Workflow checkpoint start for run "r1" failed: session "s-1" does not exist; ` +
          `commit it before running a workflow checkpointed in it`
      )
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("keeps the newest finished runs and every running one", () =>
    Effect.gen(function*() {
      yield* seed
      const checkpoint = yield* sessionCheckpoint({ keepFinished: 2 })
      for (const i of [1, 2, 3, 4]) {
        yield* checkpoint.start({ runId: `r${i}`, workflow: "trip", startedAt: i })
        if (i !== 2) yield* checkpoint.finish(`r${i}`, "completed")
      }
      const state = Option.getOrThrow(yield* (yield* SessionStore.SessionStore).load(sessionId))
      expect(state.activeWorkflows.map((run) => [run.id, run.status])).toEqual([
        ["r2", "running"],
        ["r3", "completed"],
        ["r4", "completed"]
      ])
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("writes with the lease's fencing token: a stale token stops the writer", () =>
    Effect.gen(function*() {
      yield* seed
      const store = yield* SessionStore.SessionStore
      const old = yield* store.acquireLease(sessionId, "worker-a", "1 minute")
      yield* store.releaseLease(old)
      yield* store.acquireLease(sessionId, "worker-b", "1 minute")
      const checkpoint = yield* sessionCheckpoint({ fencingToken: old.token })
      const error = yield* Effect.flip(checkpoint.start({ runId: "r1", workflow: "trip", startedAt: 0 }))
      expect(error.cause).toMatchObject({ _tag: "LeaseLost", token: old.token })
    }).pipe(Effect.provide(SessionStore.layerMemory)))
})
