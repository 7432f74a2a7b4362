/**
 * What the gateway must do whatever the transport: the same suite runs over
 * in-memory, stdio and Streamable HTTP fixture servers.
 */
import { type BatonEvent, EventBus, ServiceHealth, ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { type McpConfig, McpGateway, McpServices } from "../src/index.js"
import { captureEvents, eventually } from "./helpers.js"

export type Env = ToolGateway.ToolGateway | McpServices.McpServices | ServiceHealth.ServiceHealth | EventBus.EventBus

/** Makes the fixture server's configuration entry with `options`. */
export type ServerOf = (options: McpConfig.ServerOptions) => Effect.Effect<McpConfig.ServerConfig, never, Scope.Scope>

const service = "fixture"

/**
 * The gateway's options in these tests: a fixture process started on a busy
 * machine may take longer than the default 10 s to answer `initialize`
 * (several at once, more so); it is waited for, not killed and started again.
 */
export const gatewayOptions: McpGateway.Options = { connectTimeoutMs: 60_000 }

/** Runs `body` against a gateway whose one service, "fixture", is `serverOf(options)`. */
export const withGateway = <A, E>(
  serverOf: ServerOf,
  options: McpConfig.ServerOptions,
  body: Effect.Effect<A, E, Env | Scope.Scope>
) =>
  Effect.flatMap(serverOf(options), (server) =>
    Effect.provide(
      body,
      Layer.merge(McpGateway.layer({ mcpServers: { [service]: server } }, gatewayOptions), EventBus.layer())
    ))

export const invoke = (tool: string, args: Record<string, unknown> = {}) =>
  Effect.flatMap(ToolGateway.ToolGateway, (gateway) => gateway.invoke({ service, tool, args }))

const Stats = Schema.Struct({ calls: Schema.Record({ key: Schema.String, value: Schema.Number }), cancelled: Schema.Number })

/** What the fixture server has seen: calls per tool, cancelled calls. */
export const stats = invoke("stats").pipe(Effect.flatMap(Schema.decodeUnknown(Stats)), Effect.orDie)

type ToolCalled = Extract<BatonEvent.BatonEvent, { readonly _tag: "ToolCalled" }>

export const toolCalls = (events: ReadonlyArray<BatonEvent.BatonEvent>, tool: string) =>
  events.filter((event): event is ToolCalled => event._tag === "ToolCalled" && event.tool === tool)

export const until = <A>(get: () => A, holds: (a: A) => boolean) =>
  eventually(Effect.filterOrFail(Effect.sync(get), holds, () => "not yet"))

export const conformance = (transport: string, serverOf: ServerOf) =>
  describe(`McpGateway over ${transport}`, () => {
    const run = <A, E>(options: McpConfig.ServerOptions, body: Effect.Effect<A, E, Env | Scope.Scope>) =>
      withGateway(serverOf, options, body)

    it.scopedLive("calls a tool, returns its structured result and publishes ToolCalled", () =>
      run({}, Effect.gen(function*() {
        const events = yield* captureEvents
        expect(yield* invoke("echo", { text: "hi" })).toEqual({ text: "hi" })
        const [event] = yield* until(() => toolCalls(events, "echo"), (found) => found.length === 1)
        expect(event).toMatchObject({ service, tool: "echo", outcome: "ok" })
        expect(event?.instance).not.toBe("none")
      })))

    it.scopedLive("checks arguments against the input schema before sending, naming each field", () =>
      run({}, Effect.gen(function*() {
        const error = yield* Effect.flip(invoke("echo", { txt: 1 }))
        expect(error).toBeInstanceOf(ToolGateway.InvalidToolArguments)
        expect((error as ToolGateway.InvalidToolArguments).issues).toEqual(["text: is required", "txt: is not allowed"])
        const negative = yield* Effect.flip(invoke("slow", { ms: -1 }))
        expect(negative.message).toContain("ms: must be >= 0")
        expect((yield* stats).calls).not.toHaveProperty("echo")
        expect((yield* stats).calls).not.toHaveProperty("slow")
      })))

    it.scopedLive("fails with UnknownService and UnknownTool, listing what exists", () =>
      run({}, Effect.gen(function*() {
        const gateway = yield* ToolGateway.ToolGateway
        const unknownService = yield* Effect.flip(gateway.invoke({ service: "nope", tool: "echo", args: {} }))
        expect(unknownService).toMatchObject({ _tag: "UnknownService", service: "nope", known: [service] })
        const unknownTool = yield* Effect.flip(invoke("nope"))
        expect(unknownTool._tag).toBe("UnknownTool")
        expect((unknownTool as ToolGateway.UnknownTool).known).toContain("echo")
      })))

    it.scopedLive("maps isError results to ToolResultError with the retry-after hint", () =>
      run({}, Effect.gen(function*() {
        const error = yield* Effect.flip(invoke("fail", { message: "sold out", retryAfterMs: 1500 }))
        expect(error).toMatchObject({ _tag: "ToolResultError", detail: "sold out", retryAfterMs: 1500 })
        const plain = yield* Effect.flip(invoke("fail", { message: "no" }))
        expect(plain).toMatchObject({ _tag: "ToolResultError", detail: "no" })
        expect(plain).not.toHaveProperty("retryAfterMs")
      })))

    it.scopedLive("maps JSON-RPC errors to ToolProtocolError with code and retry-after hint", () =>
      run({}, Effect.gen(function*() {
        const error = yield* Effect.flip(invoke("protocol_error", { code: -32050, retryAfterMs: 250 }))
        expect(error).toMatchObject({
          _tag: "ToolProtocolError",
          code: -32050,
          detail: "the fixture refused",
          retryAfterMs: 250
        })
      })))

    it.scopedLive("times out with ToolTimeout and tells the server to stop", () =>
      run({ policy: { timeoutMs: 500 } }, Effect.gen(function*() {
        const events = yield* captureEvents
        const error = yield* Effect.flip(invoke("slow", { ms: 10_000 }))
        expect(error).toMatchObject({ _tag: "ToolTimeout", timeoutMs: 500 })
        yield* eventually(Effect.filterOrFail(stats, (s) => s.cancelled === 1, () => "not cancelled yet"))
        const [event] = yield* until(() => toolCalls(events, "slow"), (found) => found.length === 1)
        expect(event?.outcome).toBe("timeout")
      })))

    it.scopedLive("cancels the request when the calling fiber is interrupted", () =>
      run({ policy: { timeoutMs: 20_000 } }, Effect.gen(function*() {
        const events = yield* captureEvents
        const fiber = yield* Effect.fork(invoke("slow", { ms: 10_000 }))
        yield* eventually(Effect.filterOrFail(stats, (s) => s.calls.slow === 1, () => "not started yet"))
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        // The server saw notifications/cancelled and aborted the tool.
        yield* eventually(Effect.filterOrFail(stats, (s) => s.cancelled === 1, () => "not cancelled yet"))
        const [event] = yield* until(() => toolCalls(events, "slow"), (found) => found.length === 1)
        expect(event?.outcome).toBe("cancelled")
      })))

    it.scopedLive("fails a call whose connection dies with TransportClosed", () =>
      run({ reconnect: { initialDelayMs: 60_000 } }, Effect.gen(function*() {
        const error = yield* Effect.flip(invoke("crash"))
        expect(error._tag).toBe("TransportClosed")
        const services = yield* McpServices.McpServices
        const [status] = yield* services.status
        expect(status!.instances[0]!.connected).toBe(false)
        expect(yield* Effect.flip(invoke("echo", { text: "x" }))).toMatchObject({
          _tag: "TransportClosed",
          detail: "no instance is connected"
        })
      })))

    it.scopedLive("runs identical concurrent read-only calls once", () =>
      run({}, Effect.gen(function*() {
        const events = yield* captureEvents
        const results = yield* Effect.all(
          Array.from({ length: 5 }, () => invoke("search", { query: "lisbon", delayMs: 150 })),
          { concurrency: "unbounded" }
        )
        expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1)
        expect((yield* stats).calls.search).toBe(1)
        const calls = yield* until(() => toolCalls(events, "search"), (found) => found.length === 5)
        expect(calls.map((event) => event.outcome).sort()).toEqual(["coalesced", "coalesced", "coalesced", "coalesced", "ok"])
        // Different arguments are different calls.
        yield* Effect.all([invoke("search", { query: "a" }), invoke("search", { query: "b" })], { concurrency: 2 })
        expect((yield* stats).calls.search).toBe(3)
      })))

    it.scopedLive("sends every concurrent call to a tool that is not read-only", () =>
      run({}, Effect.gen(function*() {
        yield* Effect.all(Array.from({ length: 3 }, () => invoke("echo", { text: "same" })), { concurrency: "unbounded" })
        expect((yield* stats).calls.echo).toBe(3)
      })))

    it.scoped("reuses read-only results until their TTL passes (TestClock)", () =>
      run({ cacheTtlMs: 1_000 }, Effect.gen(function*() {
        const first = yield* invoke("search", { query: "porto" })
        expect(yield* invoke("search", { query: "porto" })).toEqual(first)
        yield* TestClock.adjust("999 millis")
        expect(yield* invoke("search", { query: "porto" })).toEqual(first)
        expect((yield* stats).calls.search).toBe(1)
        yield* TestClock.adjust("1 millis")
        const fresh = yield* invoke("search", { query: "porto" })
        expect(fresh).toMatchObject({ query: "porto", served: 2 })
        expect((yield* stats).calls.search).toBe(2)
      })))

    it.scopedLive("publishes progress notifications as ToolProgress events", () =>
      run({}, Effect.gen(function*() {
        const events = yield* captureEvents
        yield* invoke("progress", { steps: 3 })
        const progress = yield* until(
          () => events.filter((event) => event._tag === "ToolProgress"),
          (found) => found.length === 3
        )
        expect(progress.map((event) => event._tag === "ToolProgress" && event.progress)).toEqual([1, 2, 3])
        expect(progress[0]).toMatchObject({ service, tool: "progress", total: 3, message: "step 1" })
      })))

    it.scopedLive("discovers every page of tools and refreshes on tools/list_changed", () =>
      run({}, Effect.gen(function*() {
        const services = yield* McpServices.McpServices
        const catalogue = yield* services.catalogue(service)
        expect(catalogue.tools.map((tool) => tool.name)).toHaveLength(10)
        expect(catalogue.tools.find((tool) => tool.name === "search")).toMatchObject({
          readOnly: true,
          annotations: { readOnlyHint: true }
        })
        expect(catalogue.tools.find((tool) => tool.name === "echo")?.inputSchema).toMatchObject({ required: ["text"] })
        yield* invoke("add_tool", { name: "extra" })
        yield* eventually(Effect.filterOrFail(
          services.catalogue(service),
          (latest) => latest.tools.some((tool) => tool.name === "extra"),
          () => "not refreshed yet"
        ))
        expect(yield* invoke("extra")).toEqual({ dynamic: "extra" })
      })))

    it.scopedLive("reports instance health through McpServices and core's ServiceHealth", () =>
      run({}, Effect.gen(function*() {
        yield* invoke("echo", { text: "warm" })
        const services = yield* McpServices.McpServices
        const score = yield* ServiceHealth.lowest([service])
        expect(score).toBeGreaterThan(0.9)
        expect(yield* services.health(service)).toBe(score)
        expect(yield* services.health("nope")).toBe(0)
      })))
  })
