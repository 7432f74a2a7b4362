/**
 * Automatic restoration: a worker that restores a session with an unfinished
 * workflow run resumes it (`SessionManager.resumeUnfinished`). A crash is the
 * executing fiber being interrupted while a step waits after its side effect;
 * the successor builds everything anew over the same store.
 */
import { Errors, Ids, SessionState, SessionStore, Workflow, WorkflowCheckpoint, WorkflowExecutor } from "@baton/core"
import { afterAll, expect, layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as path from "node:path"
import { SessionManager, SqliteSessionStore } from "../src/index.js"
import { freshSession, freshUser } from "./conformance.js"
import { bookTrip, type BookingOptions, type Ledger, memoryLedger, WORKFLOW } from "./support/booking.js"
import * as TempDir from "./support/TempDir.js"

afterAll(() => TempDir.removeAll())

type Env = SessionStore.SessionStore | SessionManager.SessionManager

const memory: Layer.Layer<Env> = Layer.provideMerge(SessionManager.layer, SessionStore.layerMemory)

const sqlite: Layer.Layer<Env, Errors.SessionStoreError> = Layer.provideMerge(
  SessionManager.layer,
  Layer.scoped(
    SessionStore.SessionStore,
    Effect.gen(function*() {
      const dir = yield* TempDir.scoped("baton-recovery-")
      return yield* SqliteSessionStore.make(yield* SqliteSessionStore.open(path.join(dir, "baton.db")))
    })
  )
)

const seed = (sessionId: Ids.SessionId, userId: Ids.UserId) =>
  Effect.flatMap(SessionManager.SessionManager, (manager) =>
    manager.saveSessionState(userId, SessionState.empty({ sessionId, userId, state: {}, now: 1_000 })))

/** Starts `runId` of the booking workflow and crashes it where it blocks, after that step's side effect. */
const crashAt = (
  sessionId: Ids.SessionId,
  runId: string,
  ledger: Ledger,
  blockAt: NonNullable<BookingOptions["blockAt"]>
) =>
  Effect.gen(function*() {
    const blocked = yield* Deferred.make<void>()
    const checkpoint = yield* WorkflowCheckpoint.makeSessionStore({ sessionId })
    const workflow = bookTrip(ledger, { blockAt, onBlocked: Deferred.succeed(blocked, undefined) })
    const fiber = yield* Effect.fork(WorkflowExecutor.execute(workflow, { runId, checkpoint }))
    yield* Deferred.await(blocked)
    yield* Fiber.interrupt(fiber)
  })

const runsOf = (sessionId: Ids.SessionId) =>
  Effect.map(
    Effect.flatMap(SessionStore.SessionStore, (store) => store.load(sessionId)),
    (state) => Option.getOrThrow(state).activeWorkflows
  )

const suite = (name: string, storeLayer: Layer.Layer<Env, Errors.SessionStoreError>) =>
  layer(storeLayer, { timeout: 30_000 })(`resuming unfinished workflows on ${name}`, (it) => {
    it.effect("a worker that restores the session resumes its crashed run: completed steps reused, no side effect twice", () =>
      Effect.gen(function*() {
        const sessionId = freshSession("resume")
        const userId = freshUser("ana")
        yield* seed(sessionId, userId)
        const { calls, effects, ledger } = memoryLedger()
        yield* crashAt(sessionId, "trip-1", ledger, "pay")

        const manager = yield* SessionManager.SessionManager
        const restored = Option.getOrThrow(yield* manager.restoreSession(sessionId, userId))
        const [unfinished] = SessionManager.unfinishedRuns(restored)
        expect(unfinished).toMatchObject({ id: "trip-1", name: WORKFLOW, status: "running" })
        expect(Object.keys(unfinished!.steps ?? {})).toEqual(["reserve"])

        const report = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)])
        expect(report.withoutDefinition).toEqual([])
        expect(report.failed).toEqual([])
        expect(report.resumed).toHaveLength(1)
        const [result] = report.resumed
        expect(result).toMatchObject({ runId: "trip-1", workflow: WORKFLOW, status: "completed" })
        expect(result!.reused).toEqual(["reserve"])
        expect(result!.completed).toEqual(["reserve", "pay", "confirm"])
        expect(result!.outputs).toEqual({ reserve: { reservation: "R-1" }, pay: { paid: "R-1" }, confirm: { confirmed: "R-1" } })
        // The reservation was not made again; the payment cut off by the crash ran again with the same key.
        expect(calls).toEqual([
          { step: "reserve", key: "trip-1/reserve" },
          { step: "pay", key: "trip-1/pay" },
          { step: "pay", key: "trip-1/pay" },
          { step: "confirm", key: "trip-1/confirm" }
        ])
        expect(Object.fromEntries(effects)).toEqual({ "trip-1/reserve": 1, "trip-1/pay": 1, "trip-1/confirm": 1 })
        expect((yield* runsOf(sessionId)).map((run) => [run.id, run.status])).toEqual([["trip-1", "completed"]])

        // A second restoration finds nothing to resume and runs nothing.
        const again = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)])
        expect(again).toEqual({ resumed: [], failed: [], withoutDefinition: [] })
        expect(calls).toHaveLength(4)
      }))

    it.effect("resumes several runs at once; a run without a definition is reported and left running", () =>
      Effect.gen(function*() {
        const sessionId = freshSession("several")
        const userId = freshUser("ana")
        yield* seed(sessionId, userId)
        const { calls, effects, ledger } = memoryLedger()
        yield* crashAt(sessionId, "trip-a", ledger, "reserve")
        yield* crashAt(sessionId, "trip-b", ledger, "confirm")
        const started = yield* Deferred.make<void>()
        const orphan = Workflow.make("not-deployed-here")
          .step("wait", { run: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never) })
        const orphanCheckpoint = yield* WorkflowCheckpoint.makeSessionStore({ sessionId })
        const orphanFiber = yield* Effect.fork(
          WorkflowExecutor.execute(orphan, { runId: "orphan-1", checkpoint: orphanCheckpoint })
        )
        yield* Deferred.await(started)
        yield* Fiber.interrupt(orphanFiber)
        expect((yield* runsOf(sessionId)).map((run) => run.id)).toEqual(["trip-a", "trip-b", "orphan-1"])

        const manager = yield* SessionManager.SessionManager
        const report = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)])
        expect(report.resumed.map((result) => [result.runId, result.status, result.reused])).toEqual([
          ["trip-a", "completed", []],
          ["trip-b", "completed", ["reserve", "pay"]]
        ])
        expect(report.withoutDefinition).toEqual([{ runId: "orphan-1", workflow: "not-deployed-here" }])
        // Each key's side effect happened once, though trip-a's reservation and trip-b's confirmation were called twice.
        expect([...effects.values()].every((n) => n === 1)).toBe(true)
        expect([...effects.keys()].sort()).toEqual(
          ["trip-a/confirm", "trip-a/pay", "trip-a/reserve", "trip-b/confirm", "trip-b/pay", "trip-b/reserve"]
        )
        expect(calls.filter((call) => call.key === "trip-a/reserve")).toHaveLength(2)
        expect(calls.filter((call) => call.key === "trip-b/confirm")).toHaveLength(2)
        expect(calls.filter((call) => call.key === "trip-b/reserve")).toHaveLength(1)
        expect((yield* runsOf(sessionId)).map((run) => [run.id, run.status])).toEqual([
          ["trip-a", "completed"],
          ["trip-b", "completed"],
          ["orphan-1", "running"]
        ])
      }))

    it.effect("a run that cannot be resumed is reported and does not stop the others", () =>
      Effect.gen(function*() {
        const sessionId = freshSession("mismatch")
        const userId = freshUser("ana")
        yield* seed(sessionId, userId)
        const { effects, ledger } = memoryLedger()
        yield* crashAt(sessionId, "trip-1", ledger, "pay")
        // A run of "audit" recorded a step that this build's "audit" no longer has.
        const started = yield* Deferred.make<void>()
        const oldAudit = Workflow.make("audit")
          .step("scan", { run: () => Effect.succeed("ok") })
          .step("wait", { dependsOn: ["scan"], run: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never) })
        const fiber = yield* Effect.fork(
          WorkflowExecutor.execute(oldAudit, { runId: "audit-1", checkpoint: yield* WorkflowCheckpoint.makeSessionStore({ sessionId }) })
        )
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        const newAudit = Workflow.make("audit").step("wait", { run: () => Effect.void })

        const manager = yield* SessionManager.SessionManager
        const report = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger), newAudit])
        expect(report.resumed.map((result) => [result.runId, result.status])).toEqual([["trip-1", "completed"]])
        expect(report.failed).toEqual([{
          runId: "audit-1",
          workflow: "audit",
          error: expect.objectContaining({ _tag: "WorkflowCheckpointError", reason: "its checkpoint has steps the workflow does not: scan" })
        }])
        expect(Object.fromEntries(effects)).toEqual({ "trip-1/reserve": 1, "trip-1/pay": 1, "trip-1/confirm": 1 })
        expect((yield* runsOf(sessionId)).map((run) => [run.id, run.status])).toEqual([
          ["trip-1", "completed"],
          ["audit-1", "running"]
        ])
      }))

    it.effect("only the owner resumes; a missing session is SessionNotFound", () =>
      Effect.gen(function*() {
        const sessionId = freshSession("owned")
        const ana = freshUser("ana")
        yield* seed(sessionId, ana)
        const { calls, ledger } = memoryLedger()
        yield* crashAt(sessionId, "trip-1", ledger, "pay")
        const manager = yield* SessionManager.SessionManager
        const forbidden = yield* Effect.flip(manager.resumeUnfinished(sessionId, freshUser("bob"), [bookTrip(ledger)]))
        expect(forbidden).toBeInstanceOf(Errors.Forbidden)
        const missing = yield* Effect.flip(manager.resumeUnfinished(freshSession("none"), ana, [bookTrip(ledger)]))
        expect(missing._tag).toBe("SessionNotFound")
        expect(calls).toHaveLength(2)
        expect((yield* runsOf(sessionId))[0]!.status).toBe("running")
      }))

    // Leases expire on real time.
    it.effect("checkpoints with the worker's fencing token: a worker whose lease was taken over cannot resume", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore.SessionStore
        const sessionId = freshSession("fenced")
        const userId = freshUser("ana")
        yield* seed(sessionId, userId)
        const { calls, effects, ledger } = memoryLedger()
        yield* crashAt(sessionId, "trip-1", ledger, "pay")
        const stale = yield* store.acquireLease(sessionId, "worker-a", "1 millis")
        yield* Effect.sleep("5 millis")
        const current = yield* store.acquireLease(sessionId, "worker-b", "1 minute")
        expect(current.token).toBeGreaterThan(stale.token)
        const manager = yield* SessionManager.SessionManager
        const refused = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)], { fencingToken: stale.token })
        expect(refused.resumed).toEqual([])
        expect(refused.failed).toEqual([{ runId: "trip-1", workflow: WORKFLOW, error: expect.objectContaining({ _tag: "WorkflowCheckpointError" }) }])
        const error = refused.failed[0]!.error
        expect(error._tag === "WorkflowCheckpointError" && (error.cause as { readonly _tag?: string })._tag).toBe("LeaseLost")
        expect((yield* runsOf(sessionId))[0]!.status).toBe("running")
        const report = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)], { fencingToken: current.token })
        expect(report.resumed[0]!.status).toBe("completed")
        // The stale worker ran the payment again before its checkpoint was refused: the key kept it from repeating.
        expect(calls.map((call) => call.key)).toEqual(
          ["trip-1/reserve", "trip-1/pay", "trip-1/pay", "trip-1/pay", "trip-1/confirm"]
        )
        expect(Object.fromEntries(effects)).toEqual({ "trip-1/reserve": 1, "trip-1/pay": 1, "trip-1/confirm": 1 })
      }).pipe(Effect.withClock(Clock.make())))
  })

suite("memory", memory)
suite("SQLite", sqlite)
