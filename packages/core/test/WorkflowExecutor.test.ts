import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as BatonMetrics from "../src/BatonMetrics.js"
import * as Retry from "../src/Retry.js"
import { ToolResultError } from "../src/ToolGateway.js"
import * as Workflow from "../src/Workflow.js"
import * as WorkflowExecutor from "../src/WorkflowExecutor.js"
import { after, failAfter, ofTag, runFor, scriptedGateway, withEvents } from "./workflowKit.js"

/** A step that takes `ms` and returns `value`. */
const taking = <A>(ms: number, value: A) => () => Effect.as(Effect.sleep(ms), value)

describe("WorkflowExecutor", () => {
  describe("scheduling", () => {
    it.effect("runs independent steps in parallel: three 50 ms steps finish at 50 ms", () =>
      Effect.gen(function*() {
        const tools = scriptedGateway({
          "flights.search": after(50, ["TP1"]),
          "hotels.search": after(50, ["Ribeira"]),
          "weather.forecast": after(50, { tempC: 21 })
        })
        const search = Workflow.make("search")
          .tool("flights", { service: "flights", tool: "search" })
          .tool("hotels", { service: "hotels", tool: "search" })
          .tool("weather", { service: "weather", tool: "forecast" })
        const fiber = yield* Effect.fork(WorkflowExecutor.execute(search).pipe(Effect.provide(tools.layer)))
        yield* TestClock.adjust(49)
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust(1)
        const result = yield* Fiber.join(fiber)
        expect(result.status).toBe("completed")
        expect(result.durationMs).toBe(50)
        expect(result.outputs).toEqual({ flights: ["TP1"], hotels: ["Ribeira"], weather: { tempC: 21 } })
        expect(tools.calls.map(({ at }) => at)).toEqual([0, 0, 0])
      }))

    it.effect("runs dependent steps in order: a chain of three 50 ms steps finishes at 150 ms", () =>
      withEvents((events) =>
        Effect.gen(function*() {
          const chain = Workflow.make("chain")
            .step("a", { run: taking(50, 1) })
            .step("b", { dependsOn: ["a"], run: ({ a }) => Effect.as(Effect.sleep(50), a + 1) })
            .step("c", { dependsOn: ["b"], run: ({ b }) => Effect.as(Effect.sleep(50), b + 1) })
          const fiber = yield* Effect.fork(WorkflowExecutor.execute(chain))
          yield* TestClock.adjust(149)
          expect(fiber.unsafePoll()).toBeNull()
          yield* TestClock.adjust(1)
          const result = yield* Fiber.join(fiber)
          expect(result.outputs).toEqual({ a: 1, b: 2, c: 3 })
          expect(result.durationMs).toBe(150)
          expect(ofTag(events, "StepStarted").map(({ at, step }) => [step, at])).toEqual([["a", 0], ["b", 50], ["c", 100]])
        })
      ))

    it.effect("starts a step as soon as its own dependencies finish, not level by level", () =>
      withEvents((events) =>
        Effect.gen(function*() {
          const workflow = Workflow.make("uneven")
            .step("fast", { run: taking(10, "f") })
            .step("slow", { run: taking(100, "s") })
            .step("afterFast", { dependsOn: ["fast"], run: taking(10, "af") })
            .step("afterSlow", { dependsOn: ["slow"], run: taking(10, "as") })
          const result = yield* runFor(110, WorkflowExecutor.execute(workflow))
          expect(result.completed).toEqual(["fast", "afterFast", "slow", "afterSlow"])
          expect(ofTag(events, "StepStarted").map(({ at, step }) => [step, at])).toEqual([
            ["fast", 0],
            ["slow", 0],
            ["afterFast", 10],
            ["afterSlow", 100]
          ])
        })
      ))

    it.effect("runs at most `concurrency` steps at once", () =>
      Effect.gen(function*() {
        let running = 0
        let most = 0
        const tracked = (ms: number) => () =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              running++
              most = Math.max(most, running)
            }),
            () => Effect.sleep(ms),
            () => Effect.sync(() => void running--)
          )
        const workflow = Workflow.make("limited", { concurrency: 2 })
          .step("a", { run: tracked(50) })
          .step("b", { run: tracked(50) })
          .step("c", { run: tracked(50) })
          .step("d", { run: tracked(50) })
          .step("e", { run: tracked(50) })
        const fiber = yield* Effect.fork(WorkflowExecutor.execute(workflow))
        yield* TestClock.adjust(149)
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust(1)
        expect((yield* Fiber.join(fiber)).status).toBe("completed")
        expect(most).toBe(2)
        // An execution's option overrides the workflow's limit.
        most = 0
        const wide = yield* runFor(50, WorkflowExecutor.execute(workflow, { concurrency: 5 }))
        expect(wide.durationMs).toBe(50)
        expect(most).toBe(5)
      }))

    it.effect("passes dependencies' outputs to a tool's arguments and decodes its result", () =>
      Effect.gen(function*() {
        const tools = scriptedGateway({
          "geo.locate": after(0, { city: "Porto" }),
          "weather.forecast": (call) => Effect.succeed({ tempC: 21, city: call.args.city }),
          "weather.bad": after(0, { tempC: "warm" })
        })
        const workflow = Workflow.make("forecast")
          .tool("where", { service: "geo", tool: "locate", output: Schema.Struct({ city: Schema.String }) })
          .tool("forecast", {
            dependsOn: ["where"],
            service: "weather",
            tool: "forecast",
            args: ({ where }) => ({ city: where.city }),
            output: Schema.Struct({ tempC: Schema.Number, city: Schema.String })
          })
          .tool("broken", {
            optional: true,
            service: "weather",
            tool: "bad",
            output: Schema.Struct({ tempC: Schema.Number })
          })
        const result = yield* WorkflowExecutor.execute(workflow).pipe(Effect.provide(tools.layer))
        expect(result.outputs.forecast).toEqual({ tempC: 21, city: "Porto" })
        expect(result.failed).toHaveLength(1)
        expect(result.failed[0]!.error).toMatchObject({ _tag: "StepOutputInvalid", step: "broken" })
      }))
  })

  describe("saga", () => {
    it.effect("undoes completed side effects in reverse completion order when a required step fails", () =>
      withEvents((events) =>
        Effect.gen(function*() {
          const tools = scriptedGateway({
            "flights.book": after(10, { booking: "F1" }),
            "flights.cancel": after(5),
            "hotels.book": after(20, { booking: "H1" }),
            "hotels.cancel": after(5),
            "weather.forecast": after(30, { tempC: 21 }),
            "payments.charge": failAfter(10, "card declined")
          })
          const trip = Workflow.make("book-trip")
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
            .tool("weather", { service: "weather", tool: "forecast" })
            .tool("payment", { dependsOn: ["flight", "hotel", "weather"], service: "payments", tool: "charge" })
            .step("receipt", { dependsOn: ["payment"], run: () => Effect.succeed("sent") })
          const result = yield* runFor(100, WorkflowExecutor.execute(trip, { runId: "r1" }).pipe(Effect.provide(tools.layer)))

          expect(result.status).toBe("failed")
          expect(result.completed).toEqual(["flight", "hotel", "weather"])
          expect(result.failed).toEqual([
            {
              step: "payment",
              optional: false,
              error: new ToolResultError({ service: "payments", tool: "charge", detail: "card declined" })
            }
          ])
          expect(result.skipped).toEqual([
            { step: "receipt", optional: false, reason: "dependency-failed", dependencies: ["payment"] }
          ])
          expect(result.compensated).toEqual(["hotel", "flight"])
          expect(result.compensationFailures).toEqual([])
          // The hotel completed last, so it is cancelled first, then the flight; each with what its step returned.
          expect(tools.calls.slice(-2).map(({ at, call }) => [call.service, call.tool, call.args, at])).toEqual([
            ["hotels", "cancel", { booking: { booking: "H1" } }, 40],
            ["flights", "cancel", { booking: { booking: "F1" } }, 45]
          ])
          expect(ofTag(events, "CompensationRun").map(({ ok, step }) => [step, ok])).toEqual([["hotel", true], [
            "flight",
            true
          ]])
          expect(result.missing).toEqual([
            { step: "payment", optional: false, reason: `failed: payments.charge reported an error: card declined` },
            { step: "receipt", optional: false, reason: `skipped: "payment" did not complete` }
          ])
        })
      ))

    it.effect("lets running steps finish after a required failure, undoes them, and starts nothing more", () =>
      Effect.gen(function*() {
        const undone: Array<string> = []
        const undo = (step: string) => () => Effect.sync(() => void undone.push(step))
        const workflow = Workflow.make("stop", { concurrency: 2 })
          .step("slow", { run: taking(100, "s"), compensate: undo("slow") })
          .step("fails", { run: () => Effect.zipRight(Effect.sleep(10), Effect.fail("boom" as const)) })
          .step("queued", { run: taking(10, "q"), compensate: undo("queued") })
        const result = yield* runFor(100, WorkflowExecutor.execute(workflow))
        expect(result.completed).toEqual(["slow"])
        expect(result.skipped).toEqual([
          { step: "queued", optional: false, reason: "workflow-failed", dependencies: [] }
        ])
        expect(result.failed).toEqual([{ step: "fails", optional: false, error: "boom" }])
        expect(undone).toEqual(["slow"])
        expect(result.compensated).toEqual(["slow"])
      }))

    it.effect("reports a compensation that fails and still runs the others", () =>
      Effect.gen(function*() {
        const undone: Array<string> = []
        const workflow = Workflow.make("stuck")
          .step("first", { run: taking(10, 1), compensate: () => Effect.sync(() => void undone.push("first")) })
          .step("second", { run: taking(20, 2), compensate: () => Effect.fail("refund refused" as const) })
          .step("last", { dependsOn: ["first", "second"], run: () => Effect.fail("no" as const) })
        const result = yield* runFor(20, WorkflowExecutor.execute(workflow))
        expect(result.compensated).toEqual(["first"])
        expect(result.compensationFailures).toEqual([{ step: "second", error: "refund refused" }])
        expect(undone).toEqual(["first"])
      }))

    it.effect("a step that dies is a failure, and what completed before it is undone", () =>
      Effect.gen(function*() {
        const undone: Array<unknown> = []
        const workflow = Workflow.make("defect")
          .step("booked", { run: () => Effect.succeed("B1"), compensate: (b) => Effect.sync(() => void undone.push(b)) })
          .step("bug", {
            dependsOn: ["booked"],
            run: (): Effect.Effect<number> => {
              throw new Error("undefined is not a function")
            }
          })
        const result = yield* WorkflowExecutor.execute(workflow)
        expect(result.failed[0]!.error).toMatchObject({
          _tag: "StepDefect",
          step: "bug",
          defect: "undefined is not a function"
        })
        expect(undone).toEqual(["B1"])
      }))

    it.effect("a failed optional step makes the result partial, undoes nothing, and its dependents get undefined", () =>
      Effect.gen(function*() {
        const undone: Array<string> = []
        const tools = scriptedGateway({
          "hotels.book": after(10, { booking: "H1" }),
          "weather.forecast": failAfter(5, "weather service down")
        })
        const workflow = Workflow.make("partial")
          .tool("hotel", {
            service: "hotels",
            tool: "book",
            compensate: () => Effect.sync(() => void undone.push("hotel"))
          })
          .tool("weather", { optional: true, service: "weather", tool: "forecast" })
          .step("advice", { optional: true, dependsOn: ["weather"], run: ({ weather }) => Effect.succeed(weather) })
          .step("summary", {
            dependsOn: ["hotel", "weather"],
            run: ({ hotel, weather }) => Effect.succeed({ hotel, weather: weather ?? "no forecast" })
          })
        const result = yield* runFor(10, WorkflowExecutor.execute(workflow).pipe(Effect.provide(tools.layer)))
        expect(result.status).toBe("partial")
        expect(result.outputs.summary).toEqual({ hotel: { booking: "H1" }, weather: "no forecast" })
        expect(result.outputs.advice).toBeUndefined()
        expect(result.completed).toEqual(["advice", "hotel", "summary"])
        expect(result.missing).toEqual([
          { step: "weather", optional: true, reason: "failed: weather.forecast reported an error: weather service down" }
        ])
        expect(result.compensated).toEqual([])
        expect(undone).toEqual([])
      }))
  })

  describe("time", () => {
    it.effect("stops running steps at the workflow's deadline, skips those not started, and undoes the rest", () =>
      Effect.gen(function*() {
        const undone: Array<string> = []
        const workflow = Workflow.make("late", { deadline: "100 millis", concurrency: 1 })
          .step("first", { run: taking(60, 1), compensate: () => Effect.sync(() => void undone.push("first")) })
          .step("second", { run: taking(60, 2) })
          .step("third", { run: taking(10, 3) })
        const fiber = yield* Effect.fork(WorkflowExecutor.execute(workflow))
        yield* TestClock.adjust(100)
        const result = yield* Fiber.join(fiber)
        expect(result.durationMs).toBe(100)
        expect(result.failed).toEqual([{ step: "second", optional: false, error: expect.objectContaining({ _tag: "WorkflowDeadlineExceeded", deadlineMs: 100 }) }])
        expect(result.skipped).toEqual([{ step: "third", optional: false, reason: "workflow-failed", dependencies: [] }])
        expect(undone).toEqual(["first"])
      }))

    it.effect("skips steps that could start only after the deadline", () =>
      Effect.gen(function*() {
        const workflow = Workflow.make("late", { concurrency: 1 })
          .step("gate", { run: taking(10, 1) })
          .step("long", { optional: true, run: taking(150, 2) })
          .step("next", { optional: true, run: taking(10, 3) })
        const result = yield* runFor(100, WorkflowExecutor.execute(workflow, { deadline: 100 }))
        expect(result.completed).toEqual(["gate"])
        expect(result.status).toBe("partial")
        expect(result.missing).toEqual([
          {
            step: "long",
            optional: true,
            reason: `failed: Step "long" was stopped: workflow "late" has a deadline of 100 ms`
          },
          { step: "next", optional: true, reason: "skipped: the workflow's deadline of 100 ms had passed" }
        ])
      }))

    it.effect("a step's timeout bounds it, its policy's retries included", () =>
      Effect.gen(function*() {
        const retry = yield* Retry.make({
          service: "flights",
          schedule: Retry.backoff({ baseMs: 100, factor: 1, maxRetries: 5, jitter: false }),
          while: () => true
        })
        const tools = scriptedGateway({
          "flights.search": (call, attempt) => attempt < 3 ? failAfter(10)(call, attempt) : after(10, ["TP1"])(call, attempt),
          "hotels.search": failAfter(10)
        })
        const workflow = Workflow.make("bounded")
          .tool("flights", { service: "flights", tool: "search", policy: retry, timeout: "1 second" })
          .tool("hotels", { optional: true, service: "hotels", tool: "search", policy: retry, timeout: 250 })
        const result = yield* runFor(
          1_000,
          WorkflowExecutor.execute(workflow, { runId: "r7" }).pipe(Effect.provide(tools.layer))
        )
        expect(result.outputs.flights).toEqual(["TP1"])
        // Every attempt carries the step's idempotency key.
        expect(tools.callsTo("flights", "search").map((call) => call.idempotencyKey)).toEqual([
          "r7/flights",
          "r7/flights",
          "r7/flights"
        ])
        expect(result.failed).toEqual([{
          step: "hotels",
          optional: true,
          error: expect.objectContaining({ _tag: "StepTimedOut", step: "hotels", timeoutMs: 250 })
        }])
        // Attempts at 0, 110 and 220; the third is cut off at 250.
        expect(tools.callsTo("hotels", "search")).toHaveLength(3)
      }))
  })

  describe("idempotency", () => {
    it.effect("derives keys from the run and the step, and passes them to tools and compensations", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        const tools = scriptedGateway({
          "payments.charge": (call) => Effect.succeed({ id: "P1", key: call.args.idempotency_key }),
          "payments.refund": after(0),
          "mail.send": failAfter(0)
        })
        const workflow = Workflow.make("pay")
          .tool("charge", {
            service: "payments",
            tool: "charge",
            args: (_, { idempotencyKey }) => ({ amount: 100, idempotency_key: idempotencyKey }),
            compensate: {
              service: "payments",
              tool: "refund",
              args: (charge, { idempotencyKey }) => ({ charge, idempotency_key: idempotencyKey })
            }
          })
          .step("ledger", {
            dependsOn: ["charge"],
            run: (_, ctx) => Effect.sync(() => void seen.push(ctx.idempotencyKey)),
            compensate: (_, ctx) => Effect.sync(() => void seen.push(ctx.idempotencyKey))
          })
          .tool("mail", { dependsOn: ["ledger"], service: "mail", tool: "send" })
        yield* WorkflowExecutor.execute(workflow, { runId: "run-42" }).pipe(Effect.provide(tools.layer))
        expect(tools.calls.map(({ call }) => [call.tool, call.idempotencyKey, call.args.idempotency_key])).toEqual([
          ["charge", "run-42/charge", "run-42/charge"],
          ["send", "run-42/mail", undefined],
          ["refund", "run-42/charge/compensate", "run-42/charge/compensate"]
        ])
        expect(seen).toEqual(["run-42/ledger", "run-42/ledger/compensate"])
      }))
  })

  describe("observability", () => {
    it.effect("publishes the run's events in order and records its duration", () =>
      withEvents((events) =>
        Effect.gen(function*() {
          const before = (yield* Metric.value(Metric.tagged(BatonMetrics.workflowDuration, "status", "failed"))).count
          const workflow = Workflow.make("observed")
            .step("a", { run: taking(10, 1), compensate: () => Effect.void })
            .step("b", { dependsOn: ["a"], run: () => Effect.zipRight(Effect.sleep(5), Effect.fail("nope")) })
          yield* runFor(15, WorkflowExecutor.execute(workflow, { runId: "r" }))
          expect(events.map((event) => [event._tag, event.at])).toEqual([
            ["WorkflowStarted", 0],
            ["StepStarted", 0],
            ["StepCompleted", 10],
            ["StepStarted", 10],
            ["StepFailed", 15],
            ["CompensationRun", 15],
            ["WorkflowCompleted", 15]
          ])
          expect(ofTag(events, "StepFailed")[0]).toEqual({
            _tag: "StepFailed",
            at: 15,
            workflow: "observed",
            runId: "r",
            step: "b",
            optional: false,
            error: "nope",
            durationMs: 5
          })
          expect(ofTag(events, "WorkflowCompleted")[0]).toMatchObject({
            status: "failed",
            completed: 1,
            failed: 1,
            skipped: 0,
            compensated: 1,
            durationMs: 15
          })
          const after = (yield* Metric.value(Metric.tagged(BatonMetrics.workflowDuration, "status", "failed"))).count
          expect(after - before).toBe(1)
        })
      ))
  })
})
