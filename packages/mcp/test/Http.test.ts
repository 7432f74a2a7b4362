import { ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { McpGateway, McpServices } from "../src/index.js"
import { conformance, invoke, stats, withGateway } from "./conformance.js"
import { eventually, httpServer } from "./helpers.js"
import { captureLogs, logged } from "./logs.js"

conformance("Streamable HTTP", (options) => Effect.map(httpServer(), (server) => ({ url: server.url, ...options })))

const statusOf = (service: string) =>
  Effect.flatMap(McpServices.McpServices, (services) => services.status).pipe(
    Effect.map((statuses) => statuses.find((status) => status.service === service)!)
  )

describe("McpGateway over Streamable HTTP", () => {
  it.scopedLive("reconnects to a server that was killed and started again", () =>
    Effect.gen(function*() {
      const first = yield* httpServer()
      yield* withGateway(
        () => Effect.succeed({ url: first.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
        {},
        Effect.gen(function*() {
          expect(yield* invoke("echo", { text: "before" })).toEqual({ text: "before" })
          const inFlight = yield* Effect.fork(invoke("slow", { ms: 10_000 }))
          yield* eventually(Effect.filterOrFail(stats, (s) => s.calls.slow === 1, () => "not started yet"))
          yield* first.kill
          const exit = yield* Fiber.await(inFlight)
          expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("TransportClosed")
          const refused = yield* Effect.flip(invoke("echo", { text: "while down" }))
          expect(refused._tag).toBe("TransportClosed")
          yield* httpServer({ port: first.port })
          yield* eventually(Effect.filterOrFail(
            statusOf("fixture"),
            (status) => status.instances[0]!.connected && status.instances[0]!.connects === 2,
            () => "not reconnected yet"
          ))
          expect(yield* invoke("echo", { text: "after" })).toEqual({ text: "after" })
        })
      )
      yield* logged("WARN", `Lost the connection to ${first.url} of "fixture"; reconnecting`)
    }).pipe(Effect.provide(captureLogs)))

  it.scopedLive("balances over several URLs and routes around a dead one", () =>
    Effect.gen(function*() {
      const a = yield* httpServer({ label: "a" })
      const b = yield* httpServer({ label: "b" })
      const server = { url: a.url, instances: [a.url, b.url] as const, healthCheckIntervalMs: 100 }
      yield* Effect.provide(
        Effect.gen(function*() {
          const gateway = yield* ToolGateway.ToolGateway
          const whoami = Effect.map(
            gateway.invoke({ service: "pool", tool: "whoami", args: {} }),
            (answer) => (answer as { readonly label: string }).label
          )
          const labels = yield* Effect.forEach(Array.from({ length: 10 }), () => whoami)
          expect(labels.filter((label) => label === "a")).toHaveLength(5)
          expect(labels.filter((label) => label === "b")).toHaveLength(5)
          yield* b.kill
          // An HTTP server that died says nothing until asked: the health check finds out.
          yield* eventually(Effect.filterOrFail(
            statusOf("pool"),
            (status) => !status.instances[1]!.connected,
            () => "not noticed yet"
          ))
          const after = yield* Effect.forEach(Array.from({ length: 10 }), () => whoami)
          expect(new Set(after)).toEqual(new Set(["a"]))
          yield* logged("WARN", `Lost the connection to ${b.url} of "pool"; reconnecting`)
        }),
        McpGateway.layer({ mcpServers: { pool: { ...server, instances: [...server.instances] } } }).pipe(
          Layer.provideMerge(captureLogs)
        )
      )
    }))

  it.scopedLive("makes 2,100 calls without a MaxListenersExceeded warning", () =>
    Effect.gen(function*() {
      const server = yield* httpServer()
      const warnings: Array<string> = []
      const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`)
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("warning", onWarning)),
        () => Effect.sync(() => process.off("warning", onWarning))
      )
      yield* withGateway(
        () => Effect.succeed({ url: server.url }),
        {},
        Effect.forEach(Array.from({ length: 2_100 }), (_, i) => invoke("echo", { text: String(i) }), { discard: true })
      )
      expect(warnings.filter((warning) => warning.startsWith("MaxListenersExceededWarning"))).toEqual([])
    }), { timeout: 60_000 })
})
