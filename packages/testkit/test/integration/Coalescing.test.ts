/**
 * Identical read-only calls in flight at the same time are sent once: the
 * mock process counts one call and every caller gets its answer. Calls with
 * other arguments, and calls to tools with side effects, are each sent.
 * A latency fault keeps the first call open so that the others overlap it.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { captureToolCalls, connected, controlStats, eventually, flightSearch, gatewayLayer, invoke } from "./gateway.js"
import { stdioMock } from "./mocks.js"

const service = "flights"
const faults = "tool=search_flights:latency:fixed(300);tool=cancel_reservation:latency:fixed(300)"

const concurrently = <A, E, R>(count: number, call: Effect.Effect<A, E, R>) =>
  Effect.all(Array.from({ length: count }, () => call), { concurrency: "unbounded" })

const callsTo = (tool: string) => Effect.map(controlStats(service), (stats) => stats.tools[tool]?.calls ?? 0)

layer(gatewayLayer({ mcpServers: { [service]: stdioMock(service, { faults }) } }), {
  excludeTestServices: true,
  timeout: "30 seconds"
})("request coalescing against a stdio mock", (it) => {
  it.scoped("five identical concurrent searches reach the mock once and share its answer", () =>
    Effect.gen(function*() {
      yield* connected(service)
      const events = yield* captureToolCalls
      const answers = yield* concurrently(5, invoke(service, "search_flights", flightSearch))
      expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1)
      expect(yield* callsTo("search_flights")).toBe(1)
      const outcomes = yield* eventually(Effect.filterOrFail(
        Effect.sync(() => events.map((event) => event.outcome).sort()),
        (found) => found.length === 5,
        () => "the ToolCalled events"
      ))
      expect(outcomes).toEqual(["coalesced", "coalesced", "coalesced", "coalesced", "ok"])
    }))

  it.effect("concurrent searches with different arguments are separate calls", () =>
    Effect.gen(function*() {
      yield* Effect.all([
        invoke(service, "search_flights", { ...flightSearch, adults: 1 }),
        invoke(service, "search_flights", { ...flightSearch, adults: 3 })
      ], { concurrency: "unbounded" })
      expect(yield* callsTo("search_flights")).toBe(3)
    }))

  it.effect("identical concurrent calls to a tool with side effects are each sent", () =>
    Effect.gen(function*() {
      const cancel = invoke(service, "cancel_reservation", { reservation_id: "rsv_404" })
      const errors = yield* concurrently(3, Effect.flip(cancel))
      expect(errors.map((error) => error._tag)).toEqual(["ToolResultError", "ToolResultError", "ToolResultError"])
      expect(yield* callsTo("cancel_reservation")).toBe(3)
    }))
})
