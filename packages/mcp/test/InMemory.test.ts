import { Agent, AgentRegistry, EventBus, Ids, ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { McpConfig, McpGateway, McpServices } from "../src/index.js"
import { captureEvents, eventually } from "./helpers.js"
import { conformance, invoke, stats, toolCalls, until, withGateway } from "./conformance.js"
import { captureLogs, logged } from "./logs.js"
import { inMemory } from "./fixtures/inMemory.js"
import { makeStats } from "./fixtures/tools.js"

const serverOf = (options: McpConfig.ServerOptions) =>
  Effect.sync(() => McpConfig.inMemory(inMemory({ label: "memory" }), options))

conformance("in-memory transports", serverOf)

describe("McpGateway over in-memory transports", () => {
  it.scopedLive("reconnects after the server goes away; later calls use the new connection", () =>
    withGateway(serverOf, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }, Effect.gen(function*() {
      expect((yield* Effect.flip(invoke("crash")))._tag).toBe("TransportClosed")
      const services = yield* McpServices.McpServices
      yield* eventually(Effect.filterOrFail(
        services.status,
        ([status]) => status!.instances[0]!.connected && status!.instances[0]!.connects === 2,
        () => "not reconnected yet"
      ))
      expect(yield* invoke("echo", { text: "back" })).toEqual({ text: "back" })
    })).pipe(
      Effect.zipLeft(logged("WARN", `Lost the connection to fixture#0 of "fixture"; reconnecting`)),
      Effect.provide(captureLogs)
    ))

  it.scopedLive("lets configuration override readOnlyHint both ways", () =>
    withGateway(serverOf, { readOnlyTools: { search: false, echo: true } }, Effect.gen(function*() {
      const services = yield* McpServices.McpServices
      const catalogue = yield* services.catalogue("fixture")
      expect(catalogue.tools.filter((tool) => tool.readOnly).map((tool) => tool.name)).toEqual(["echo"])
      yield* Effect.all(Array.from({ length: 3 }, () => invoke("search", { query: "q", delayMs: 50 })), {
        concurrency: "unbounded"
      })
      yield* Effect.all(Array.from({ length: 3 }, () => invoke("echo", { text: "q" })), { concurrency: "unbounded" })
      const seen = yield* stats
      expect(seen.calls.search).toBe(3)
      expect(seen.calls.echo).toBe(1)
    })))

  it.scopedLive("serves a cache hit without a request and reports it as cached", () =>
    withGateway(serverOf, { cacheTtlMs: 60_000 }, Effect.gen(function*() {
      const events = yield* captureEvents
      yield* invoke("search", { query: "faro" })
      yield* invoke("search", { query: "faro" })
      const calls = yield* until(() => toolCalls(events, "search"), (found) => found.length === 2)
      expect(calls.map((event) => event.outcome)).toEqual(["ok", "cached"])
      expect(calls[1]!.instance).toBe(calls[0]!.instance)
    })))

  it.scopedLive("keeps a shared request alive while another caller still waits for it", () =>
    withGateway(serverOf, {}, Effect.gen(function*() {
      const first = yield* Effect.fork(invoke("search", { query: "shared", delayMs: 200 }))
      const second = yield* Effect.fork(invoke("search", { query: "shared", delayMs: 200 }))
      yield* eventually(Effect.filterOrFail(stats, (s) => s.calls.search === 1, () => "not started"))
      yield* Fiber.interrupt(first)
      expect(yield* Fiber.join(second)).toMatchObject({ query: "shared" })
      expect((yield* stats).cancelled).toBe(0)
    })))

  it.scopedLive("cancels a shared request when its last caller leaves", () =>
    withGateway(serverOf, {}, Effect.gen(function*() {
      const callers = yield* Effect.forEach([1, 2], () => Effect.fork(invoke("search", { query: "gone", delayMs: 5_000 })))
      yield* eventually(Effect.filterOrFail(stats, (s) => s.calls.search === 1, () => "not started"))
      yield* Fiber.interruptAll(callers)
      yield* eventually(Effect.filterOrFail(stats, (s) => s.cancelled === 1, () => "not cancelled"))
    })))

  it.scopedLive("keeps trying an instance that cannot connect, and says why", () =>
    Effect.gen(function*() {
      const failing = McpConfig.inMemory(() => Promise.reject(new Error("no such mock")), {
        reconnect: { initialDelayMs: 10, maxDelayMs: 20 }
      })
      const healthy = McpConfig.inMemory(inMemory({ label: "ok" }))
      const env = Layer.merge(McpGateway.layer({ mcpServers: { failing, healthy } }), EventBus.layer()).pipe(
        Layer.provideMerge(captureLogs)
      )
      yield* Effect.provide(
        Effect.gen(function*() {
          const gateway = yield* ToolGateway.ToolGateway
          const error = yield* Effect.flip(gateway.invoke({ service: "failing", tool: "echo", args: {} }))
          expect(error).toMatchObject({ _tag: "TransportClosed", detail: "no instance has connected yet" })
          const services = yield* McpServices.McpServices
          const statuses = yield* services.status
          expect(statuses[0]).toMatchObject({ service: "failing", health: 0, tools: undefined })
          expect(statuses[0]!.instances[0]!.lastError).toContain("no such mock")
          expect(statuses[1]).toMatchObject({ service: "healthy", tools: 10 })
          expect([...(yield* services.catalogues).keys()]).toEqual(["healthy"])
          yield* logged("WARN", `Connecting to failing#0 of "failing" failed (attempt 1): no such mock`)
        }),
        env
      )
    }))

  it.scopedLive("tells which agents lack a reachable service or a tool", () =>
    withGateway(serverOf, {}, Effect.gen(function*() {
      const registry = AgentRegistry.make([
        Agent.make({
          id: Ids.agentId("researcher"),
          description: "uses the fixture",
          capabilities: [],
          requiredServices: ["fixture"],
          handle: () => Effect.succeed(Agent.reply("ok"))
        }),
        Agent.make({
          id: Ids.agentId("payer"),
          description: "needs payments",
          capabilities: [],
          requiredServices: ["payments"],
          handle: () => Effect.succeed(Agent.reply("ok"))
        })
      ])
      const services = yield* McpServices.McpServices
      const missing = yield* services.missingRequirements(registry, {
        researcher: [{ service: "fixture", tool: "search" }, { service: "fixture", tool: "translate" }]
      })
      expect(missing).toEqual([
        { agent: "researcher", services: [], tools: ["fixture.translate"] },
        { agent: "payer", services: ["payments"], tools: [] }
      ])
    })))

  it.scopedLive("spreads calls over instances with each balancing strategy", () =>
    Effect.forEach(["round-robin", "least-outstanding", "power-of-two"] as const, (loadBalancing) => {
      let started = 0
      const connect = () => inMemory({ label: `m${started++}`, stats: makeStats() })()
      const server = McpConfig.inMemory(connect, { instances: 3, loadBalancing })
      return Effect.provide(
        Effect.gen(function*() {
          const gateway = yield* ToolGateway.ToolGateway
          const answers = yield* Effect.forEach(
            Array.from({ length: 30 }),
            () => gateway.invoke({ service: "pool", tool: "whoami", args: {} }),
            { concurrency: 3 }
          )
          const perLabel = new Map<string, number>()
          for (const { label } of answers as ReadonlyArray<{ label: string }>) {
            perLabel.set(label, (perLabel.get(label) ?? 0) + 1)
          }
          expect(perLabel.size, loadBalancing).toBe(3)
          if (loadBalancing === "round-robin") expect([...perLabel.values()]).toEqual([10, 10, 10])
        }),
        McpGateway.layer({ mcpServers: { pool: server } })
      )
    }, { discard: true }))
})
