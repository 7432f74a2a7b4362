import { ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { McpGateway, McpServices } from "../src/index.js"
import { conformance, gatewayOptions, invoke, withGateway } from "./conformance.js"
import { eventually, isAlive, stdioServer } from "./helpers.js"
import { captureLogs, logged } from "./logs.js"

const serverOf = (options: Parameters<typeof stdioServer>[0]) => Effect.succeed(stdioServer(options))

conformance("stdio", serverOf)

const pool = "pool"

const whoami = Effect.flatMap(ToolGateway.ToolGateway, (gateway) =>
  gateway.invoke({ service: pool, tool: "whoami", args: {} })) as Effect.Effect<
    { readonly pid: number },
    ToolGateway.ToolError,
    ToolGateway.ToolGateway
  >

const statusOf = (service: string) =>
  Effect.flatMap(McpServices.McpServices, (services) => services.status).pipe(
    Effect.map((statuses) => statuses.find((status) => status.service === service)!)
  )

const pids = (service: string) =>
  Effect.map(statusOf(service), (status) => status.instances.flatMap((instance) => (instance.pid === undefined ? [] : [instance.pid])))

describe("McpGateway over stdio", () => {
  it.scopedLive("reconnects after the server process is killed; calls in flight fail with TransportClosed", () =>
    withGateway(serverOf, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }, Effect.gen(function*() {
      const [before] = yield* pids("fixture")
      const inFlight = yield* Effect.fork(invoke("slow", { ms: 10_000 }))
      yield* eventually(Effect.filterOrFail(statusOf("fixture"), (s) => s.instances[0]!.outstanding === 1, () => "idle"))
      process.kill(before!, "SIGKILL")
      const exit = yield* Fiber.await(inFlight)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("TransportClosed")
      const after = yield* eventually(Effect.filterOrFail(
        statusOf("fixture"),
        (status) => status.instances[0]!.connected && status.instances[0]!.connects === 2,
        () => "not reconnected yet"
      ))
      expect(after.instances[0]!.pid).not.toBe(before)
      expect(yield* invoke("echo", { text: "again" })).toEqual({ text: "again" })
    })).pipe(
      Effect.zipLeft(logged("WARN", `Lost the connection to fixture#0 of "fixture"; reconnecting`)),
      Effect.provide(captureLogs)
    ))

  it.scopedLive("spreads calls round robin across instance processes", () =>
    Effect.provide(
      Effect.gen(function*() {
        const served = yield* Effect.forEach(Array.from({ length: 30 }), () => whoami)
        const perPid = new Map<number, number>()
        for (const { pid } of served) perPid.set(pid, (perPid.get(pid) ?? 0) + 1)
        expect([...perPid.keys()].sort()).toEqual([...(yield* pids(pool))].sort())
        expect([...perPid.values()]).toEqual([10, 10, 10])
      }),
      McpGateway.layer({ mcpServers: { [pool]: stdioServer({ instances: 3 }) } }, gatewayOptions)
    ))

  it.scopedLive("routes around a dead instance", () =>
    Effect.provide(
      Effect.gen(function*() {
        const [dead, ...alive] = yield* pids(pool)
        process.kill(dead!, "SIGKILL")
        yield* eventually(Effect.filterOrFail(
          statusOf(pool),
          (status) => status.instances.filter((instance) => instance.connected).length === 2,
          () => "the death is not noticed yet"
        ))
        const served = yield* Effect.forEach(Array.from({ length: 20 }), () => whoami, { concurrency: 4 })
        expect(new Set(served.map(({ pid }) => pid))).toEqual(new Set(alive))
        yield* logged("WARN", `Lost the connection to pool#0 of "pool"; reconnecting`)
      }),
      McpGateway.layer({
        mcpServers: {
          [pool]: stdioServer({ instances: 3, loadBalancing: "least-outstanding", reconnect: { initialDelayMs: 60_000 } })
        }
      }, gatewayOptions).pipe(Layer.provideMerge(captureLogs))
    ))

  it.live("leaves no process behind when the scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const gateway = yield* Scope.extend(
        McpGateway.make({ mcpServers: { [pool]: stdioServer({ instances: 3 }), other: stdioServer() } }, gatewayOptions),
        scope
      )
      const statuses = yield* gateway.services.status
      const spawned = statuses.flatMap((status) => status.instances.map((instance) => instance.pid!))
      expect(spawned).toHaveLength(4)
      expect(spawned.every(isAlive)).toBe(true)
      yield* gateway.gateway.invoke({ service: pool, tool: "echo", args: { text: "x" } })
      yield* Scope.close(scope, Exit.void)
      expect(spawned.filter(isAlive)).toEqual([])
    }))

  it.live("a call in flight when the gateway shuts down fails with ToolCancelled", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { gateway, services } = yield* Scope.extend(
        McpGateway.make({ mcpServers: { [pool]: stdioServer() } }, gatewayOptions),
        scope
      )
      const call = yield* Effect.fork(gateway.invoke({ service: pool, tool: "slow", args: { ms: 10_000 } }))
      yield* eventually(Effect.filterOrFail(
        services.status,
        ([status]) => status!.instances[0]!.outstanding === 1,
        () => "not in flight yet"
      ))
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(Fiber.join(call))
      expect(error._tag).toBe("ToolCancelled")
    }))

  it.scopedLive("reports a command that cannot start and keeps retrying it", () =>
    Effect.provide(
      Effect.gen(function*() {
        const status = yield* statusOf(pool)
        expect(status.instances[0]).toMatchObject({ connected: false })
        expect(status.instances[0]!.lastError).toContain("ENOENT")
        const error = yield* Effect.flip(whoami)
        expect(error._tag).toBe("TransportClosed")
        yield* logged("WARN", `Connecting to pool#0 of "pool" failed (attempt 1): spawn /nonexistent/mcp-server ENOENT`)
      }),
      McpGateway.layer({
        mcpServers: { [pool]: { command: "/nonexistent/mcp-server", reconnect: { initialDelayMs: 60_000 } } }
      }).pipe(Layer.provideMerge(captureLogs))
    ))
})
