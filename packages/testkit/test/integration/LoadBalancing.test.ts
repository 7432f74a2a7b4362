/**
 * A service with several instances spreads its calls over them, and keeps
 * serving from the others when one dies: three stdio processes from one
 * command, and a list of two HTTP URLs. Each mock counts the calls it
 * served, so the spread is read from the mocks themselves.
 */
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  captureToolCalls,
  connected,
  controlStats,
  eventually,
  flightSearch,
  gatewayLayer,
  invoke,
  pidsOf,
  statusUntil,
  type ToolCalled
} from "./gateway.js"
import { captureLogs, logged } from "../../../mcp/test/logs.js"
import { type HttpMock, httpMock, httpStats, stdioMock } from "./mocks.js"

const service = "flights"

const searches = (count: number) =>
  Effect.forEach(Array.from({ length: count }), () => invoke(service, "search_flights", flightSearch), { discard: true })

/** Waits for the `ToolCalled` events of `tool` to number `count`. */
const callsOf = (events: ReadonlyArray<ToolCalled>, tool: string, count: number) =>
  eventually(Effect.filterOrFail(
    Effect.sync(() => events.filter((event) => event.tool === tool)),
    (found) => found.length === count,
    () => `${count} ${tool} events`
  ))

/** Each stdio instance's `search_flights` count, asking each through `_control` in turn. */
const searchesPerInstance = (events: ReadonlyArray<ToolCalled>, instances: number) =>
  Effect.gen(function*() {
    const before = events.filter((event) => event.tool === "_control").length
    const counts: Record<string, number> = {}
    for (let i = 1; i <= instances; i++) {
      const stats = yield* controlStats(service)
      const answered = (yield* callsOf(events, "_control", before + i))[before + i - 1]!
      counts[answered.instance] = stats.tools["search_flights"]?.calls ?? 0
    }
    return counts
  })

// The dead instance must stay dead for the test: no reconnection within it.
const stdioPool = stdioMock(service, { instances: 3, reconnect: { initialDelayMs: 60_000 } })

layer(gatewayLayer({ mcpServers: { [service]: stdioPool } }).pipe(Layer.provideMerge(captureLogs)), {
  excludeTestServices: true,
  timeout: "30 seconds"
})(
  "three stdio instances of one command",
  (it) => {
    it.scoped("spread calls evenly, round robin", () =>
      Effect.gen(function*() {
        yield* connected(service, 3)
        expect(new Set(yield* pidsOf(service)).size).toBe(3)
        const events = yield* captureToolCalls
        yield* searches(30)
        expect(yield* searchesPerInstance(events, 3)).toEqual({ "flights#0": 10, "flights#1": 10, "flights#2": 10 })
      }))

    it.scoped("route around an instance whose process was killed", () =>
      Effect.gen(function*() {
        const [, dead] = yield* pidsOf(service)
        process.kill(dead!, "SIGKILL")
        const status = yield* connected(service, 2)
        expect(status.instances.find((instance) => !instance.connected)?.id).toBe("flights#1")

        const events = yield* captureToolCalls
        yield* searches(12)
        const served = yield* callsOf(events, "search_flights", 12)
        expect(served.every((event) => event.outcome === "ok")).toBe(true)
        expect(new Set(served.map((event) => event.instance))).toEqual(new Set(["flights#0", "flights#2"]))
        yield* logged("WARN", `Lost the connection to flights#1 of "flights"; reconnecting`)
      }))
  }
)

class HttpMocks extends Context.Tag("test/HttpMocks")<HttpMocks, { readonly a: HttpMock; readonly b: HttpMock }>() {}

const twoUrls = Layer.unwrapScoped(Effect.gen(function*() {
  const [a, b] = yield* Effect.all([httpMock(service), httpMock(service)], { concurrency: 2 })
  const server = {
    url: a.url,
    instances: [a.url, b.url] as [string, string],
    // An HTTP server that died says nothing until asked: the health check finds out.
    healthCheckIntervalMs: 100,
    reconnect: { initialDelayMs: 60_000 }
  }
  return Layer.merge(Layer.succeed(HttpMocks, { a, b }), gatewayLayer({ mcpServers: { [service]: server } })).pipe(
    Layer.provideMerge(captureLogs)
  )
}))

layer(twoUrls, { excludeTestServices: true, timeout: "30 seconds" })("a list of two HTTP URLs", (it) => {
  it.effect("spread calls evenly over both servers", () =>
    Effect.gen(function*() {
      const { a, b } = yield* HttpMocks
      yield* connected(service, 2)
      yield* searches(10)
      expect((yield* httpStats(a.url)).tools["search_flights"]!.calls).toBe(5)
      expect((yield* httpStats(b.url)).tools["search_flights"]!.calls).toBe(5)
    }))

  it.effect("route around a server whose process was killed", () =>
    Effect.gen(function*() {
      const { a, b } = yield* HttpMocks
      const before = (yield* httpStats(a.url)).tools["search_flights"]!.calls
      yield* b.kill
      yield* statusUntil(service, (status) => !status.instances[1]!.connected, "the dead server noticed")
      yield* searches(10)
      expect((yield* httpStats(a.url)).tools["search_flights"]!.calls).toBe(before + 10)
      yield* logged("WARN", `Lost the connection to ${b.url} of "flights"; reconnecting`)
    }))
})
