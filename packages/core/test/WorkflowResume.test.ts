/**
 * A crashed run's successor: a new executor, with a new checkpoint over the
 * same store, executes the same run id. A crash is the executing fiber
 * being interrupted.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Ids from "../src/Ids.js"
import * as SessionState from "../src/SessionState.js"
import * as SessionStore from "../src/SessionStore.js"
import * as Workflow from "../src/Workflow.js"
import * as WorkflowCheckpoint from "../src/WorkflowCheckpoint.js"
import * as WorkflowExecutor from "../src/WorkflowExecutor.js"
import { after, failAfter, ofTag, runFor, scriptedGateway, withEvents } from "./workflowKit.js"

const sessionId = Ids.sessionId("s-1")

const seed = Effect.flatMap(SessionStore.SessionStore, (store) =>
  store.commit({
    state: { ...SessionState.empty({ sessionId, userId: Ids.userId("u-1"), state: {}, now: 0 }), version: 1 },
    expectedVersion: 0,
    events: []
  }))

/** A new executor with its own checkpoint over the session store: what a successor process builds. */
const newExecutor = Effect.map(
  WorkflowCheckpoint.makeSessionStore({ sessionId }),
  (checkpoint) => WorkflowExecutor.make({ checkpoint })
)

/** Runs `effect` for `ms` of test time, then interrupts it. */
const crashAfter = <A, E, R>(ms: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(ms)
    expect(fiber.unsafePoll()).toBeNull()
    yield* Fiber.interrupt(fiber)
  })

const recordedSteps = Effect.map(
  Effect.flatMap(SessionStore.SessionStore, (store) => store.load(sessionId)),
  (state) => Option.getOrThrow(state).activeWorkflows[0]?.steps ?? {}
)

/** How many times each idempotency key's call completed (its side effect happened). */
const sideEffects = (completions: ReadonlyArray<{ readonly call: { readonly idempotencyKey?: string } }>) => {
  const counts: Record<string, number> = {}
  for (const { call } of completions) counts[call.idempotencyKey!] = (counts[call.idempotencyKey!] ?? 0) + 1
  return counts
}

const bookTrip = Workflow.make("book-trip")
  .tool("flight", {
    service: "flights",
    tool: "book",
    compensate: { service: "flights", tool: "cancel", args: (booking) => ({ booking }) }
  })
  .tool("hotel", {
    service: "hotels",
    tool: "book",
    compensate: { service: "hotels", tool: "cancel", args: (booking) => ({ booking }) }
  })
  .tool("car", { service: "cars", tool: "rent" })
  .tool("payment", {
    dependsOn: ["flight", "hotel", "car"],
    service: "payments",
    tool: "charge",
    args: ({ flight, hotel }) => ({ items: [flight, hotel] })
  })

describe("Resuming a workflow run", () => {
  it.effect("a new executor resumes a crashed run from the session store without repeating a side effect", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        yield* seed
        const tools = scriptedGateway({
          "flights.book": after(10, { booking: "F1" }),
          "hotels.book": after(20, { booking: "H1" }),
          "cars.rent": after(100, { car: "C1" }),
          "payments.charge": after(10, { paid: true })
        })
        const first = yield* newExecutor
        yield* crashAfter(50, first.execute(bookTrip, { runId: "trip-1" }).pipe(Effect.provide(tools.layer)))
        expect(Object.entries(yield* recordedSteps).map(([step, outcome]) => [step, outcome._tag])).toEqual([
          ["flight", "Completed"],
          ["hotel", "Completed"]
        ])

        const successor = yield* newExecutor
        const result = yield* runFor(110, successor.execute(bookTrip, { runId: "trip-1" }).pipe(Effect.provide(tools.layer)))
        expect(result.status).toBe("completed")
        expect(result.completed).toEqual(["flight", "hotel", "car", "payment"])
        expect(result.reused).toEqual(["flight", "hotel"])
        expect(result.outputs.payment).toEqual({ paid: true })
        // The payment got the flight and hotel outputs recorded by the crashed executor.
        expect(tools.callsTo("payments", "charge")[0]!.args).toEqual({ items: [{ booking: "F1" }, { booking: "H1" }] })
        // The car was cut off by the crash and called again, with the same key; nothing completed twice.
        expect(tools.callsTo("cars", "rent").map((call) => call.idempotencyKey)).toEqual(["trip-1/car", "trip-1/car"])
        expect(tools.callsTo("flights", "book")).toHaveLength(1)
        expect(sideEffects(tools.completions)).toEqual({
          "trip-1/flight": 1,
          "trip-1/hotel": 1,
          "trip-1/car": 1,
          "trip-1/payment": 1
        })
        expect(ofTag(events, "WorkflowStarted").map(({ reused }) => reused)).toEqual([0, 2])
        const store = yield* SessionStore.SessionStore
        expect(Option.getOrThrow(yield* store.load(sessionId)).activeWorkflows[0]!.status).toBe("completed")
      })
    ).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("a run that crashed while compensating is finished by its successor, which only compensates", () =>
    Effect.gen(function*() {
      yield* seed
      const tools = scriptedGateway({
        "flights.book": after(10, { booking: "F1" }),
        "flights.cancel": after(50),
        "hotels.book": after(20, { booking: "H1" }),
        "hotels.cancel": after(50),
        "cars.rent": after(5, { car: "C1" }),
        "payments.charge": failAfter(10, "card declined")
      })
      const first = yield* newExecutor
      // Payment fails at 30; the hotel's cancellation (30–80) is under way at 50.
      yield* crashAfter(50, first.execute(bookTrip, { runId: "trip-2" }).pipe(Effect.provide(tools.layer)))
      expect((yield* recordedSteps).hotel?._tag).toBe("Compensating")

      const successor = yield* newExecutor
      const result = yield* runFor(200, successor.execute(bookTrip, { runId: "trip-2" }).pipe(Effect.provide(tools.layer)))
      expect(result.status).toBe("failed")
      expect(result.compensated).toEqual(["hotel", "flight"])
      expect(result.failed).toEqual([{
        step: "payment",
        optional: false,
        error: expect.objectContaining({
          _tag: "RecordedStepFailure",
          error: "payments.charge reported an error: card declined",
          errorTag: "ToolResultError"
        })
      }])
      // The failed payment is not tried again once compensation has begun.
      expect(tools.callsTo("payments", "charge")).toHaveLength(1)
      expect(tools.callsTo("hotels", "cancel").map((call) => call.idempotencyKey)).toEqual([
        "trip-2/hotel/compensate",
        "trip-2/hotel/compensate"
      ])
      expect(sideEffects(tools.completions)).toEqual({
        "trip-2/flight": 1,
        "trip-2/hotel": 1,
        "trip-2/car": 1,
        "trip-2/hotel/compensate": 1,
        "trip-2/flight/compensate": 1
      })
      const store = yield* SessionStore.SessionStore
      expect(Option.getOrThrow(yield* store.load(sessionId)).activeWorkflows[0]!.status).toBe("compensated")
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("a finished run is answered from its record, running nothing", () =>
    Effect.gen(function*() {
      yield* seed
      const tools = scriptedGateway({
        "flights.book": after(10, { booking: "F1" }),
        "hotels.book": after(20, { booking: "H1" }),
        "cars.rent": after(5, { car: "C1" }),
        "payments.charge": after(10, { paid: true })
      })
      const executor = yield* newExecutor
      const done = yield* runFor(30, executor.execute(bookTrip, { runId: "trip-3" }).pipe(Effect.provide(tools.layer)))
      const again = yield* executor.execute(bookTrip, { runId: "trip-3" }).pipe(Effect.provide(tools.layer))
      expect(tools.calls).toHaveLength(4)
      expect(again.outputs).toEqual(done.outputs)
      expect(again.completed).toEqual(done.completed)
      expect(again.reused).toEqual(done.completed)
      expect(again.status).toBe("completed")
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("checkpoints outputs in their encoded form and decodes them on resumption", () =>
    Effect.gen(function*() {
      yield* seed
      let seen: unknown
      const workflow = Workflow.make("dated")
        .step("when", { run: () => Effect.succeed(new Date("2024-05-01T00:00:00Z")), output: Schema.Date })
        .step("wait", { run: () => Effect.sleep(100) })
        .step("use", {
          dependsOn: ["when", "wait"],
          run: ({ when }) => Effect.sync(() => void (seen = when))
        })
      yield* crashAfter(50, Effect.flatMap(newExecutor, (executor) => executor.execute(workflow, { runId: "d-1" })))
      expect((yield* recordedSteps).when).toMatchObject({ _tag: "Completed", output: "2024-05-01T00:00:00.000Z" })
      yield* runFor(100, Effect.flatMap(newExecutor, (executor) => executor.execute(workflow, { runId: "d-1" })))
      expect(seen).toEqual(new Date("2024-05-01T00:00:00Z"))
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("a run id recorded for another workflow is refused", () =>
    Effect.gen(function*() {
      const executor = WorkflowExecutor.make({ checkpoint: WorkflowCheckpoint.makeMemory() })
      yield* executor.execute(Workflow.make("one").step("a", { run: () => Effect.void }), { runId: "r" })
      const error = yield* Effect.flip(
        executor.execute(Workflow.make("two").step("a", { run: () => Effect.void }), { runId: "r" })
      )
      expect(error).toMatchObject({ _tag: "WorkflowCheckpointError", reason: `run "r" belongs to workflow "one"` })
    }))

  it.effect("records through the WorkflowCheckpoint provided to the effect or the executor layer", () =>
    Effect.gen(function*() {
      let runs = 0
      const workflow = Workflow.make("counted")
        .step("once", { run: () => Effect.sync(() => ++runs) })
        .step("slow", { dependsOn: ["once"], run: () => Effect.sleep(100) })
      yield* crashAfter(50, WorkflowExecutor.execute(workflow, { runId: "c-1" }))
      const executor = yield* WorkflowExecutor.WorkflowExecutor
      yield* runFor(100, executor.execute(workflow, { runId: "c-1" }))
      expect(runs).toBe(1)
    }).pipe(Effect.provide(Layer.provideMerge(WorkflowExecutor.layer(), WorkflowCheckpoint.layerMemory))))

  it.effect("stops when its checkpoint cannot be written, rather than run steps it could not resume", () =>
    Effect.gen(function*() {
      const memory = WorkflowCheckpoint.makeMemory()
      const broken: WorkflowCheckpoint.Service = {
        ...memory,
        record: (runId) =>
          Effect.fail(new WorkflowCheckpointError({ runId, operation: "record", reason: "disk full" }))
      }
      let ran = 0
      const workflow = Workflow.make("fragile")
        .step("a", { run: () => Effect.sync(() => ran++) })
        .step("b", { dependsOn: ["a"], run: () => Effect.sync(() => ran++) })
      const error = yield* Effect.flip(WorkflowExecutor.execute(workflow, { checkpoint: broken }))
      expect(error).toMatchObject({ _tag: "WorkflowCheckpointError", reason: "disk full" })
      expect(ran).toBe(1)
    }))
})

const { WorkflowCheckpointError } = WorkflowCheckpoint
