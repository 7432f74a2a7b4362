import { type ToolGateway as Gateway, ToolGateway, Workflow, WorkflowCheckpoint, WorkflowPlan } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { McpConfig, McpGateway, McpOrchestrator, McpServices, type ToolCatalogue } from "../src/index.js"
import { stats } from "./conformance.js"
import { inMemory } from "./fixtures/inMemory.js"

// --- an in-process stand-in for the gateway and its services ----------------

interface FakeService {
  readonly health: number
  /** Per connected instance; 0 = not observed yet. */
  readonly latencies: ReadonlyArray<number>
  /** Tool name → read-only, and whether it takes `idempotency_key`; `undefined`: not listed yet. */
  readonly tools: Readonly<Record<string, { readonly readOnly?: boolean; readonly keyed?: boolean }>> | undefined
  /** How long each call takes. */
  readonly callMs?: number
}

const catalogueOf = (service: string, fake: FakeService): ToolCatalogue.ToolCatalogue => ({
  service,
  refreshedAt: 0,
  tools: Object.entries(fake.tools ?? {}).map(([name, tool]) => ({
    name,
    inputSchema: { type: "object", properties: tool.keyed ? { idempotency_key: { type: "string" } } : {} },
    readOnly: tool.readOnly ?? false
  }))
})

/** `McpServices` and a `ToolGateway` over fakes; `calls` records what reached the gateway. */
const fakes = (fakeServices: Readonly<Record<string, FakeService>>) => {
  const calls: Array<Gateway.ToolCall> = []
  const names = Object.keys(fakeServices)
  const services: McpServices.McpServices.Service = {
    names,
    status: Effect.succeed(Object.entries(fakeServices).map(([service, fake]) => ({
      service,
      health: fake.health,
      tools: fake.tools === undefined ? undefined : Object.keys(fake.tools).length,
      instances: fake.latencies.map((latencyMs, i) => ({
        id: `${service}#${i + 1}`,
        connected: true,
        outstanding: 0,
        health: fake.health,
        errorRate: 0,
        latencyMs,
        connects: 1
      }))
    }))),
    health: (service) => Effect.succeed(fakeServices[service]?.health ?? 0),
    catalogue: (service) => {
      const fake = fakeServices[service]
      if (fake === undefined) return Effect.fail(new ToolGateway.UnknownService({ service, known: names }))
      if (fake.tools === undefined) {
        return Effect.fail(new ToolGateway.TransportClosed({ service, detail: "no instance has connected yet" }))
      }
      return Effect.succeed(catalogueOf(service, fake))
    },
    catalogues: Effect.succeed(
      new Map(
        Object.entries(fakeServices).flatMap(([service, fake]) =>
          fake.tools === undefined ? [] : [[service, catalogueOf(service, fake)] as const]
        )
      )
    ),
    refresh: () => Effect.die("not used"),
    missingRequirements: () => Effect.succeed([])
  }
  const gateway: Gateway.ToolGateway["Type"] = {
    invoke: (call) =>
      Effect.suspend(() => {
        calls.push(call)
        return Effect.as(Effect.sleep(fakeServices[call.service]?.callMs ?? 0), { from: `${call.service}.${call.tool}` })
      })
  }
  const layer = Layer.merge(Layer.succeed(McpServices.McpServices, services), Layer.succeed(ToolGateway.ToolGateway, gateway))
  return { calls, layer }
}

const travel = {
  flights: { health: 0.95, latencies: [100, 140], tools: { search: { readOnly: true }, book: { keyed: true } }, callMs: 50 },
  hotels: { health: 0.8, latencies: [90], tools: { search: { readOnly: true }, book: {} }, callMs: 50 },
  weather: { health: 1, latencies: [0], tools: { forecast: { readOnly: true } }, callMs: 50 },
  payments: { health: 0.5, latencies: [200], tools: undefined }
} satisfies Record<string, FakeService>

const orchestrator = (options?: McpOrchestrator.Options) =>
  Effect.flatMap(McpOrchestrator.McpOrchestrator, Effect.succeed).pipe(
    Effect.provide(McpOrchestrator.layer(options))
  )

describe("McpOrchestrator", () => {
  it.effect("runs a workflow's calls on the MCP services, independent ones in parallel", () =>
    Effect.gen(function*() {
      const { calls, layer } = fakes(travel)
      const search = Workflow.make("search")
        .tool("flights", { service: "flights", tool: "search", args: { to: "OPO" } })
        .tool("hotels", { service: "hotels", tool: "search", args: { city: "Porto" } })
        .tool("weather", { service: "weather", tool: "forecast", args: { city: "Porto" } })
      const fiber = yield* Effect.fork(
        Effect.flatMap(orchestrator(), (o) => o.executeWorkflow(search, { runId: "r1" })).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust(50)
      const result = yield* Fiber.join(fiber)
      expect(result.durationMs).toBe(50)
      expect(result.outputs).toEqual({
        flights: { from: "flights.search" },
        hotels: { from: "hotels.search" },
        weather: { from: "weather.forecast" }
      })
      expect(calls.map((call) => call.idempotencyKey)).toEqual(["r1/flights", "r1/hotels", "r1/weather"])
    }))

  it.effect("refuses a workflow whose services or tools do not exist, naming each, before calling anything", () =>
    Effect.gen(function*() {
      const { calls, layer } = fakes(travel)
      const broken = Workflow.make("broken")
        .tool("flights", { service: "flights", tool: "search" })
        .tool("cars", { service: "cars", tool: "rent" })
        .tool("hotel", {
          service: "hotels",
          tool: "reserve",
          compensate: { service: "hotels", tool: "release", args: () => ({}) }
        })
        // Not listed yet: checked when called.
        .tool("pay", { service: "payments", tool: "charge" })
      const error = yield* Effect.flip(
        Effect.flatMap(orchestrator(), (o) => o.executeWorkflow(broken)).pipe(Effect.provide(layer))
      )
      expect(error).toBeInstanceOf(McpOrchestrator.WorkflowUnbound)
      expect(error.message).toBe(
        `Workflow "broken" cannot run on these MCP services: ` +
          `1) step "cars" calls service "cars", which is not configured (configured: flights, hotels, weather, payments); ` +
          `2) step "hotel" calls "hotels.reserve", which does not exist (its tools: search, book); ` +
          `3) the compensation of step "hotel" calls "hotels.release", which does not exist (its tools: search, book)`
      )
      expect(calls).toEqual([])
    }))

  it.effect("adds the idempotency key to the arguments of tools that declare it, and only those", () =>
    Effect.gen(function*() {
      const { calls, layer } = fakes(travel)
      const book = Workflow.make("book")
        .tool("flight", { service: "flights", tool: "book", args: { offer: "TP1" } })
        .tool("hotel", { service: "hotels", tool: "book", args: { offer: "H1" } })
        .tool("again", { service: "flights", tool: "book", args: { offer: "TP2", idempotency_key: "mine" } })
      const fiber = yield* Effect.fork(
        Effect.flatMap(orchestrator(), (o) => o.executeWorkflow(book, { runId: "b1" })).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust(50)
      yield* Fiber.join(fiber)
      expect(calls.map((call) => [call.args, call.idempotencyKey])).toEqual([
        [{ offer: "TP1", idempotency_key: "b1/flight" }, "b1/flight"],
        [{ offer: "H1" }, "b1/hotel"],
        [{ offer: "TP2", idempotency_key: "mine" }, "b1/again"]
      ])
    }))

  it.effect("plans from the services' observed latency and health and their read-only tools", () =>
    Effect.gen(function*() {
      const { layer } = fakes(travel)
      const workflow = Workflow.make("trip")
        .tool("flights", { service: "flights", tool: "search", args: { to: "OPO" } })
        .tool("flights2", { service: "flights", tool: "search", args: { to: "OPO" } })
        .tool("hotels", { service: "hotels", tool: "search", args: { city: "Porto" } })
        .tool("again", { dependsOn: ["hotels"], service: "hotels", tool: "search", args: { city: "Porto" } })
        .tool("weather", { dependsOn: ["flights"], service: "weather", tool: "forecast" })
        .tool("pay", { dependsOn: ["again", "weather"], service: "payments", tool: "charge" })
      const config: McpConfig.McpConfig = {
        mcpServers: {
          hotels: McpConfig.inMemory(() => Promise.reject(new Error("unused")), { cacheTtlMs: 60_000 })
        }
      }
      const plan = yield* Effect.flatMap(orchestrator({ config }), (o) => o.plan(workflow)).pipe(Effect.provide(layer))
      expect(plan.steps.map((step) => [step.id, step.served, step.latencyMs, step.startMs, step.finishMs])).toEqual([
        ["flights", "call", 120, 0, 120],
        ["flights2", "coalesced", 120, 0, 120],
        ["hotels", "call", 90, 0, 90],
        ["again", "cache", 0, 90, 90],
        // No call observed yet: the latency is unknown.
        ["weather", "call", undefined, 120, 120],
        ["pay", "call", 200, 120, 320]
      ])
      expect(plan.successProbability).toBeCloseTo(0.95 * 0.8 * 1 * 0.5)
      expect(plan.unknownLatency).toEqual(["weather"])
      expect(WorkflowPlan.render(plan).split("\n")[4]).toMatch(/^ {2}flights2 +flights\.search +0 ms → 120 ms +shares the request of "flights"/)
    }))

  it.effect("plans a resumed run with the steps its checkpoint holds as done", () =>
    Effect.gen(function*() {
      const { layer } = fakes(travel)
      const checkpoint = WorkflowCheckpoint.makeMemory()
      yield* checkpoint.start({ runId: "r9", workflow: "trip", startedAt: 0 })
      yield* checkpoint.record("r9", "flights", { _tag: "Completed", output: {}, seq: 1, at: 0 })
      const workflow = Workflow.make("trip")
        .tool("flights", { service: "flights", tool: "search" })
        .tool("weather", { dependsOn: ["flights"], service: "weather", tool: "forecast" })
      const plan = yield* Effect.flatMap(orchestrator({ checkpoint }), (o) => o.plan(workflow, { runId: "r9" })).pipe(
        Effect.provide(layer)
      )
      expect(plan.steps.map((step) => [step.id, step.served])).toEqual([["flights", "checkpoint"], ["weather", "call"]])
    }))

  it.effect("optimizeExecution plans independent calls: duplicates coalesced, calls to one service batched", () =>
    Effect.gen(function*() {
      const { layer } = fakes(travel)
      const plan = yield* Effect.flatMap(orchestrator(), (o) =>
        o.optimizeExecution([
          { service: "flights", tool: "search", args: { to: "OPO" } },
          { service: "hotels", tool: "search", args: { city: "Porto" } },
          { service: "flights", tool: "search", args: { to: "OPO" } },
          { service: "flights", tool: "search", args: { to: "FAO" } }
        ], { concurrency: 2 })).pipe(Effect.provide(layer))
      expect(plan.steps.map((step) => [step.id, step.served])).toEqual([
        ["flights.search#1", "call"],
        ["hotels.search#2", "call"],
        ["flights.search#3", "coalesced"],
        ["flights.search#4", "call"]
      ])
      expect(plan.batches).toEqual([{ service: "flights", level: 0, steps: ["flights.search#1", "flights.search#4"] }])
      // Two at a time: the third joins the first's request when the second ends (90 ms);
      // the fourth starts when the first ends (120 ms) and takes 120 ms.
      expect(plan.steps.map((step) => [step.startMs, step.finishMs])).toEqual([[0, 120], [0, 90], [90, 120], [120, 240]])
      expect(plan.expectedLatencyMs).toBe(240)
    }))

  it.scopedLive("runs over a real gateway: identical read-only calls share one request", () =>
    Effect.gen(function*() {
      const fixture = McpConfig.inMemory(inMemory({ label: "memory" }), { readOnlyTools: ["search"] })
      const gateway = McpGateway.layer({ mcpServers: { fixture } })
      const workflow = Workflow.make("fixture")
        .tool("one", { service: "fixture", tool: "search", args: { query: "porto", delayMs: 50 } })
        .tool("two", { service: "fixture", tool: "search", args: { query: "porto", delayMs: 50 } })
        .tool("echo", {
          dependsOn: ["one", "two"],
          service: "fixture",
          tool: "echo",
          args: ({ one, two }) => ({ text: JSON.stringify([one, two]) })
        })
      yield* Effect.gen(function*() {
        const orchestrated = yield* McpOrchestrator.McpOrchestrator
        const plan = yield* orchestrated.plan(workflow)
        expect(plan.steps.map((step) => step.served)).toEqual(["call", "coalesced", "call"])
        const result = yield* orchestrated.executeWorkflow(workflow)
        expect(result.status).toBe("completed")
        expect(result.outputs.one).toEqual(result.outputs.two)
        expect((yield* stats).calls.search).toBe(1)
      }).pipe(Effect.provide(Layer.provideMerge(McpOrchestrator.layer(), gateway)))
    }))
})
