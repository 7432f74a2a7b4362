import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Workflow from "../src/Workflow.js"
import * as WorkflowPlan from "../src/WorkflowPlan.js"

const latencies: Record<string, number> = {
  "flights.search": 120,
  "hotels.search": 80,
  "weather.forecast": 40,
  "payments.charge": 200
}
const latencyMs = (service: string, tool: string) => latencies[`${service}.${tool}`]

const trip = Workflow.make("trip")
  .tool("flights", { service: "flights", tool: "search", args: { to: "OPO" } })
  .tool("hotels", { service: "hotels", tool: "search", args: { city: "Porto" } })
  .tool("weather", { dependsOn: ["flights"], service: "weather", tool: "forecast", args: { city: "Porto" } })
  .tool("payment", {
    dependsOn: ["weather", "hotels"],
    service: "payments",
    tool: "charge",
    args: ({ hotels }) => ({ hotels }),
    compensate: { service: "payments", tool: "refund", args: () => ({}) }
  })

const timing = (plan: WorkflowPlan.ExecutionPlan) =>
  Object.fromEntries(plan.steps.map((step) => [step.id, [step.startMs, step.finishMs, step.served]]))

describe("WorkflowPlan", () => {
  it.effect("gives levels, expected start and finish times, the critical path and the sequential latency", () =>
    Effect.gen(function*() {
      const plan = yield* WorkflowPlan.make(trip, { latencyMs })
      expect(plan.levels).toEqual([["flights", "hotels"], ["weather"], ["payment"]])
      expect(timing(plan)).toEqual({
        flights: [0, 120, "call"],
        hotels: [0, 80, "call"],
        weather: [120, 160, "call"],
        payment: [160, 360, "call"]
      })
      expect(plan.expectedLatencyMs).toBe(360)
      expect(plan.sequentialLatencyMs).toBe(440)
      expect(plan.criticalPath).toEqual(["flights", "weather", "payment"])
      expect(plan.calls).toBe(4)
      expect(plan.unknownLatency).toEqual([])
    }))

  it.effect("accounts for the concurrency limit", () =>
    Effect.gen(function*() {
      const three = Workflow.make("three", { concurrency: 2 })
        .tool("a", { service: "s", tool: "a" })
        .tool("b", { service: "s", tool: "b" })
        .tool("c", { service: "s", tool: "c" })
      const plan = yield* WorkflowPlan.make(three, { latencyMs: () => 50 })
      expect(plan.expectedLatencyMs).toBe(100)
      expect(yield* WorkflowPlan.make(three, { latencyMs: () => 50, concurrency: 3 })).toMatchObject({
        expectedLatencyMs: 50,
        concurrency: 3
      })
    }))

  it.effect("shares identical read-only calls: coalesced while in flight, cached after when the service caches", () =>
    Effect.gen(function*() {
      const workflow = Workflow.make("dedupe")
        .tool("search", { service: "flights", tool: "search", args: { to: "OPO", adults: 2 } })
        .tool("same", { service: "flights", tool: "search", args: { adults: 2, to: "OPO" } })
        .step("wait", { run: () => Effect.void })
        .tool("again", { dependsOn: ["search"], service: "flights", tool: "search", args: { to: "OPO", adults: 2 } })
        .tool("hotel", { dependsOn: ["wait"], service: "hotels", tool: "search", args: { city: "Porto" } })
        .tool("hotelAgain", { dependsOn: ["hotel"], service: "hotels", tool: "search", args: { city: "Porto" } })
        .tool("dynamic", { service: "flights", tool: "search", args: () => ({ to: "OPO", adults: 2 }) })
        .tool("book", { service: "flights", tool: "book", args: { to: "OPO" } })
        .tool("bookAgain", { service: "flights", tool: "book", args: { to: "OPO" } })
      const plan = yield* WorkflowPlan.make(workflow, {
        latencyMs,
        stepLatencyMs: () => 10,
        readOnly: (_, tool) => tool === "search",
        cached: (service) => service === "flights"
      })
      const served = Object.fromEntries(plan.steps.map((step) => [step.id, [step.served, step.sharesWith]]))
      expect(served).toEqual({
        search: ["call", undefined],
        same: ["coalesced", "search"],
        wait: ["run", undefined],
        again: ["cache", "search"],
        hotel: ["call", undefined],
        hotelAgain: ["call", undefined],
        dynamic: ["call", undefined],
        book: ["call", undefined],
        bookAgain: ["call", undefined]
      })
      expect(timing(plan).same).toEqual([0, 120, "coalesced"])
      expect(plan.calls).toBe(6)
    }))

  it.effect("groups calls to one service at one level into batches", () =>
    Effect.gen(function*() {
      const workflow = Workflow.make("batch")
        .tool("lis", { service: "weather", tool: "forecast", args: { city: "Lisbon" } })
        .tool("opo", { service: "weather", tool: "forecast", args: { city: "Porto" } })
        .tool("flight", { service: "flights", tool: "search" })
        .tool("fao", { dependsOn: ["flight"], service: "weather", tool: "forecast", args: { city: "Faro" } })
      const plan = yield* WorkflowPlan.make(workflow)
      expect(plan.batches).toEqual([{ service: "weather", level: 0, steps: ["lis", "opo"] }])
      expect(plan.steps.map((step) => step.batch)).toEqual([0, 0, undefined, undefined])
      expect(plan.unknownLatency).toEqual(["lis", "opo", "flight", "fao"])
    }))

  it.effect("serves steps an earlier execution completed from the checkpoint", () =>
    Effect.gen(function*() {
      const plan = yield* WorkflowPlan.make(trip, { latencyMs, completed: ["flights", "weather"] })
      expect(timing(plan)).toEqual({
        flights: [0, 0, "checkpoint"],
        hotels: [0, 80, "call"],
        weather: [0, 0, "checkpoint"],
        payment: [80, 280, "call"]
      })
      expect(plan.calls).toBe(2)
    }))

  it.effect("estimates the chance that every required call succeeds from the services' health", () =>
    Effect.gen(function*() {
      const workflow = Workflow.make("risky")
        .tool("a", { service: "flights", tool: "search" })
        .tool("b", { service: "hotels", tool: "search" })
        .tool("c", { optional: true, service: "weather", tool: "forecast" })
      const health: Record<string, number> = { flights: 0.9, hotels: 0.5, weather: 0.1 }
      const plan = yield* WorkflowPlan.make(workflow, { health: (service) => health[service] })
      expect(plan.successProbability).toBeCloseTo(0.45)
      expect((yield* WorkflowPlan.make(workflow)).successProbability).toBeUndefined()
    }))

  it.effect("renders the plan as text", () =>
    Effect.gen(function*() {
      const plan = yield* WorkflowPlan.make(trip, {
        latencyMs,
        health: (service) => (service === "payments" ? 0.8 : 1),
        readOnly: (_, tool) => tool !== "charge"
      })
      expect(WorkflowPlan.render(plan)).toBe(
        [
          `Workflow "trip": 4 steps in 3 levels, 4 requests`,
          `Expected 360 ms (one at a time: 440 ms); required calls all succeed: 80%`,
          `Level 0`,
          `  flights  flights.search    0 ms → 120 ms    health 1.00, read-only`,
          `  hotels   hotels.search     0 ms → 80 ms     health 1.00, read-only`,
          `Level 1`,
          `  weather  weather.forecast  120 ms → 160 ms  health 1.00, read-only, after flights`,
          `Level 2`,
          `  payment  payments.charge   160 ms → 360 ms  health 0.80, compensable, after weather, hotels`,
          `Critical path: flights → weather → payment`
        ].join("\n")
      )
    }))

  it.effect("refuses an invalid workflow like the executor", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        WorkflowPlan.make(Workflow.fromSteps("bad", [{ id: "a", dependsOn: ["b"], run: () => Effect.void }]))
      )
      expect(error.unknownDependencies).toEqual([{ step: "a", dependency: "b" }])
    }))
})
