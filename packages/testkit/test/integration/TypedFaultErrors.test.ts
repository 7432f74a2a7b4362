/**
 * Each error-shaped fault of a mock, installed at runtime through its
 * `_control` tool, reaches the caller of `ToolGateway.invoke` as core's typed
 * error, over real stdio and real Streamable HTTP, without costing the
 * connection.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { FaultCodes } from "../../src/FaultSpec.js"
import { connected, control, flightSearch, gatewayLayer, invoke, offersOf, setFaults, statusOf } from "./gateway.js"
import { httpMock, stdioMock } from "./mocks.js"

const service = "flights"

// One attempt per call: what reaches the caller is the fault's own typed
// error, not the gateway's default retry of it (a rate limit's would wait out
// its retry-after hint first).
const policy = { retry: { maxRetries: 0 } }

const transports = [
  { name: "stdio", gateway: gatewayLayer({ mcpServers: { [service]: stdioMock(service, { policy }) } }) },
  {
    name: "Streamable HTTP",
    gateway: Layer.unwrapScoped(
      Effect.map(httpMock(service), (mock) => gatewayLayer({ mcpServers: { [service]: { url: mock.url, policy } } }))
    )
  }
]

/** The typed error of a call made while `faults` are installed. */
const failureUnder = (faults: string, tool = "search_flights", args: Record<string, unknown> = flightSearch) =>
  Effect.gen(function*() {
    yield* connected(service)
    yield* setFaults(service, faults)
    return yield* Effect.flip(invoke(service, tool, args))
  })

for (const transport of transports) {
  layer(transport.gateway, { excludeTestServices: true, timeout: "30 seconds" })(
    `typed errors from injected faults over ${transport.name}`,
    (it) => {
      it.effect("a JSON-RPC error is a ToolProtocolError with its code", () =>
        Effect.gen(function*() {
          const error = yield* failureUnder("tool=search_flights:error:rpc(-32011)")
          expect(error).toMatchObject({ _tag: "ToolProtocolError", service, tool: "search_flights", code: -32011 })
          expect(error.message).toContain("Injected fault")
        }))

      it.effect("an isError result is a ToolResultError with the tool's text", () =>
        Effect.gen(function*() {
          const error = yield* failureUnder("tool=check_availability:error:tool", "check_availability", {
            offer_id: "anything"
          })
          expect(error).toMatchObject({
            _tag: "ToolResultError",
            tool: "check_availability",
            detail: "Injected fault: the tool failed"
          })
          expect(error).not.toHaveProperty("retryAfterMs")
        }))

      it.effect("rate limiting carries retryAfterMs, as a JSON-RPC error or as an isError result", () =>
        Effect.gen(function*() {
          expect(yield* failureUnder("error:rate-limit(1500)")).toMatchObject({
            _tag: "ToolProtocolError",
            code: FaultCodes.rateLimited,
            retryAfterMs: 1500
          })
          expect(yield* failureUnder("error:rate-limit(2500,result)")).toMatchObject({
            _tag: "ToolResultError",
            retryAfterMs: 2500,
            detail: "Rate limited: retry after 2500 ms"
          })
        }))

      // A result that breaks its contract is the server's fault: an internal
      // error (-32603), never a code that blames the caller's request.
      it.effect("malformed and truncated results are ToolProtocolErrors saying the answer is invalid", () =>
        Effect.gen(function*() {
          for (const faults of ["malformed(schema)", "malformed(content)", "truncate(0.5)"]) {
            const error = yield* failureUnder(faults)
            expect(error, faults).toMatchObject({ _tag: "ToolProtocolError", code: -32603 })
            expect(error.message, faults).toContain("not a valid tool result")
          }
        }))

      it.effect("none of these costs the connection: cleared faults, the same instance answers", () =>
        Effect.gen(function*() {
          yield* connected(service)
          yield* control(service, { action: "clear" })
          expect(offersOf(yield* invoke(service, "search_flights", flightSearch)).length).toBeGreaterThan(0)
          const [instance] = (yield* statusOf(service)).instances
          expect(instance).toMatchObject({ connected: true, connects: 1 })
        }))
    }
  )
}
