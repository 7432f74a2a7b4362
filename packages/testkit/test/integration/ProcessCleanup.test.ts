/**
 * Closing the gateway's scope stops every mock process it spawned, even with
 * a call hanging in one of them (that call fails with `ToolCancelled`): no
 * orphan is left behind.
 */
import { describe, expect, it } from "@effect/vitest"
import { McpGateway } from "@baton/mcp"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { isAlive } from "../processes.js"
import { eventually, flightSearch } from "./gateway.js"
import { stdioMock } from "./mocks.js"

describe("mock processes after the gateway's scope closes", () => {
  it.live("every spawned process is gone, and the hanging call was cancelled", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { gateway, services } = yield* Scope.extend(
        McpGateway.make({
          mcpServers: {
            flights: stdioMock("flights", { instances: 2, faults: "tool=search_flights:hang" }),
            weather: stdioMock("weather")
          }
        }),
        scope
      )
      const connected = yield* eventually(Effect.filterOrFail(
        services.status,
        (statuses) => statuses.every((status) => status.instances.every((instance) => instance.connected)),
        () => "not all connected"
      ))
      const pids = connected.flatMap((status) => status.instances.map((instance) => instance.pid!))
      expect(new Set(pids).size).toBe(3)
      expect(pids.every(isAlive)).toBe(true)

      const hanging = yield* Effect.fork(gateway.invoke({ service: "flights", tool: "search_flights", args: flightSearch }))
      yield* eventually(Effect.filterOrFail(
        services.status,
        ([flights]) => flights!.instances.some((instance) => instance.outstanding === 1),
        () => "the call is not in flight yet"
      ))

      yield* Scope.close(scope, Exit.void)
      expect(pids.filter(isAlive)).toEqual([])
      expect(yield* Effect.flip(Fiber.join(hanging))).toMatchObject({ _tag: "ToolCancelled", service: "flights" })
    }))
})
