/**
 * The gateway's default policy (`McpGateway.recommendedPolicy`), applied to
 * a service whose configuration names none: a transient failure is retried,
 * a dead service trips the breaker, and `defaultPolicy: {}` turns it off.
 * The service is a testkit `ScriptedService`, so each call it receives is a
 * step of its script.
 */
import { type BatonEvent, EventBus, ToolGateway } from "@baton/core"
import { ScriptedService } from "@baton/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { McpGateway } from "../src/index.js"

const forecast = { service: "weather", tool: "forecast", args: { city: "Lisbon" } } as const

// Read-only, so retried without an idempotency key.
const gateway = (script: ScriptedService.ScriptedService, options?: McpGateway.Options) =>
  McpGateway.layer(
    { mcpServers: { weather: { inMemory: () => Effect.runPromise(script.connect), readOnlyTools: ["forecast"] } } },
    options
  )

const invoke = Effect.flatMap(ToolGateway.ToolGateway, (tools) => tools.invoke(forecast))

describe("McpGateway's default policy", () => {
  it.scopedLive("retries a transient failure of a service that configures no policy, and says so", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({
        steps: [{ tool: "forecast", fault: "error:rpc(-32603)" }, { tool: "forecast", respond: { tempC: 21 } }]
      })
      // The events of the calling fiber, as they are published.
      const events: Array<BatonEvent.BatonEvent> = []
      const bus = { publish: (event: BatonEvent.BatonEvent) => Effect.sync(() => void events.push(event)), subscribe: Effect.succeed(Stream.empty) }
      yield* Effect.gen(function*() {
        expect(yield* Effect.provideService(invoke, EventBus.EventBus, bus)).toEqual({ tempC: 21 })
        expect(events.filter((event) => event._tag === "RetryAttempted")).toMatchObject([
          { service: "weather", attempt: 1, error: expect.stringContaining("-32603") }
        ])
      }).pipe(Effect.provide(gateway(script)))
      yield* script.assertComplete
    }))

  it.scopedLive("opens the breaker after five failed calls in a row: the sixth never reaches the service", () =>
    Effect.gen(function*() {
      // Not transient (-32050), so each call is one attempt.
      const script = yield* ScriptedService.make({
        steps: Array.from({ length: 5 }, () => ({ tool: "forecast", fault: "error:rpc(-32050)" }))
      })
      yield* Effect.gen(function*() {
        for (let i = 0; i < 5; i++) expect(yield* Effect.flip(invoke)).toMatchObject({ _tag: "ToolProtocolError", code: -32050 })
        const refused = yield* Effect.flip(invoke)
        expect(refused).toMatchObject({ _tag: "ToolResultError", service: "weather" })
        expect(refused.message).toMatch(/unavailable/)
      }).pipe(Effect.provide(gateway(script)))
      yield* script.assertComplete
    }))

  it.scopedLive("is off with defaultPolicy {}: the first failure stands", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({ steps: [{ tool: "forecast", fault: "error:rpc(-32603)" }] })
      yield* Effect.gen(function*() {
        expect(yield* Effect.flip(invoke)).toMatchObject({ _tag: "ToolProtocolError", code: -32603 })
      }).pipe(Effect.provide(gateway(script, { defaultPolicy: {} })))
      yield* script.assertComplete
    }))
})
