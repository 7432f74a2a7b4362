/**
 * A workflow step's alternative plan, run by `McpOrchestrator.executeWorkflow`
 * when the step's service is down: recorded in the result and in a
 * `Degradation` note that reaches the caller's collector. Testkit mocks count
 * what each service received.
 */
import { Degradation, Workflow } from "@baton/core"
import { MockServer, MockServices } from "@baton/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type McpConfig, McpGateway, McpOrchestrator } from "../src/index.js"

type Mock = MockServer.MockServer<unknown>

const entry = (mock: Mock, options: McpConfig.ServerOptions = {}): McpConfig.InMemoryServer =>
  ({ ...options, inMemory: () => Effect.runPromise(mock.connect) })

/** A service that never connects: every call fails at once with `TransportClosed`. */
const unreachable: McpConfig.InMemoryServer = {
  inMemory: () => Promise.reject(new Error("connection refused")),
  reconnect: { initialDelayMs: 60_000 }
}

const callsTo = (mock: Mock, tool: string) => Effect.map(mock.stats, (stats) => stats.tools[tool]?.calls ?? 0)

const orchestrated = (config: McpConfig.McpConfig) =>
  Layer.provideMerge(McpOrchestrator.layer({ config }), McpGateway.layer(config))

const forecastArgs = { location: "Lisbon", start_date: "2026-12-10", end_date: "2026-12-12" }

describe("McpOrchestrator: a step's alternative plan", () => {
  it.scoped("a read-only step whose service fails, then whose breaker is open, runs its alternative", () =>
    Effect.gen(function*() {
      const weather = yield* MockServer.make(MockServices.weather, { seed: 2, faults: "tool=forecast:error:rpc(-32603)" })
      const backup = yield* MockServer.make(MockServices.weather, { seed: 2 })
      const config: McpConfig.McpConfig = {
        mcpServers: {
          // No retry: the first failure opens the breaker, and the step's reason is the service's own error.
          weather: entry(weather, {
            policy: { retry: { maxRetries: 0 }, breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 1 }, openMs: 60_000 } }
          }),
          "weather-backup": entry(backup)
        }
      }
      const plan = Workflow.make("outlook")
        .tool("forecast", {
          service: "weather",
          tool: "forecast",
          args: forecastArgs,
          alternative: {
            service: "weather-backup",
            tool: "forecast",
            args: (args) => ({ ...args, units: "metric" })
          }
        })
        .step("summary", {
          dependsOn: ["forecast"],
          run: ({ forecast }) => Effect.succeed((forecast as { readonly days: ReadonlyArray<unknown> }).days.length)
        })
      yield* Effect.provide(
        Effect.gen(function*() {
          const orchestrator = yield* McpOrchestrator.McpOrchestrator
          // First run: the service answers with a fault (and the breaker opens).
          const [first, notes] = yield* Degradation.collect(orchestrator.executeWorkflow(plan))
          expect(first.status).toBe("completed")
          expect(first.outputs.summary).toBe(3)
          expect(first.alternatives).toEqual([{
            step: "forecast",
            service: "weather",
            servedBy: "weather-backup.forecast",
            reason: expect.stringContaining("-32603")
          }])
          expect(first.degradations).toEqual(notes)
          expect(notes).toMatchObject([{ kind: "alternative", service: "weather", tool: "forecast", servedBy: "weather-backup.forecast" }])
          expect(Degradation.describe(notes[0]!)).toBe(
            "weather is unavailable right now; forecast was done another way (weather-backup.forecast)."
          )
          expect(yield* callsTo(weather, "forecast")).toBe(1)
          expect(yield* callsTo(backup, "forecast")).toBe(1)

          // Second run: the breaker is open, the call never reaches the service.
          const second = yield* orchestrator.executeWorkflow(plan)
          expect(second.status).toBe("completed")
          expect(second.alternatives?.map((used) => used.step)).toEqual(["forecast"])
          expect(second.alternatives?.[0]?.reason).toMatch(/unavailable|open/i)
          expect(yield* callsTo(weather, "forecast")).toBe(1)
          expect(yield* callsTo(backup, "forecast")).toBe(2)
        }),
        orchestrated(config)
      )
    }))

  it.scoped("a side-effecting step switches only when its service was never reached", () =>
    Effect.gen(function*() {
      const backup = yield* MockServer.make(MockServices.payments, { seed: 2 })
      const config: McpConfig.McpConfig = { mcpServers: { payments: unreachable, "payments-backup": entry(backup) } }
      const charge = Workflow.make("charge").tool("pay", {
        service: "payments",
        tool: "process",
        args: (_inputs, { idempotencyKey }) => ({
          amount: 120,
          currency: "GBP",
          card_token: "tok_visa",
          idempotency_key: idempotencyKey
        }),
        alternative: { service: "payments-backup", tool: "process" }
      })
      const result = yield* Effect.provide(
        Effect.flatMap(McpOrchestrator.McpOrchestrator, (orchestrator) => orchestrator.executeWorkflow(charge, { runId: "run-1" })),
        orchestrated(config)
      )
      expect(result.status).toBe("completed")
      expect(result.alternatives).toEqual([{
        step: "pay",
        service: "payments",
        servedBy: "payments-backup.process",
        reason: "no instance of payments is connected"
      }])
      expect(yield* callsTo(backup, "process")).toBe(1)
    }))

  it.scoped("a step without an alternative fails as before when its service is down", () =>
    Effect.gen(function*() {
      const config: McpConfig.McpConfig = { mcpServers: { weather: unreachable } }
      const plan = Workflow.make("outlook").tool("forecast", { service: "weather", tool: "forecast", args: forecastArgs })
      const result = yield* Effect.provide(
        Effect.flatMap(McpOrchestrator.McpOrchestrator, (orchestrator) => orchestrator.executeWorkflow(plan)),
        orchestrated(config)
      )
      expect(result.status).toBe("failed")
      expect(result.alternatives).toEqual([])
      expect(result.failed.map((failure) => failure.step)).toEqual(["forecast"])
    }))
})
