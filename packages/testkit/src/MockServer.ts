/**
 * Runs a mock MCP service: in process over the SDK's in-memory transport, on
 * this process's stdio, or over Streamable HTTP on 127.0.0.1. Whatever the
 * transport, the server is a real SDK `McpServer`, faults are injected per
 * the `FaultSpec`, and the returned handle controls it (`setFaults`,
 * `clearFaults`, `state`, `stats`). Every constructor is scoped: closing the
 * scope closes the connections and the listener.
 *
 * In process, delays, flapping and timestamps follow Effect's `Clock`, so a
 * test drives them with `TestClock.adjust`; out of process it is real time.
 *
 * @example
 * ```ts
 * import { MockServer, MockServices } from "@baton/testkit"
 * import { Client } from "@modelcontextprotocol/sdk/client/index.js"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const mock = yield* MockServer.make(MockServices.flights, { seed: 7, faults: "tool=reserve:error:rpc(-32000)@0.2" })
 *   const transport = yield* mock.connect
 *   const client = new Client({ name: "test", version: "1.0.0" })
 *   yield* Effect.promise(() => client.connect(transport))
 *   yield* Effect.promise(() => client.callTool({ name: "search_flights", arguments: { origin: "LHR", destination: "JFK", departure_date: "2026-06-01" } }))
 *   return yield* mock.stats
 * })
 * ```
 *
 * @since 0.1.0
 */
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type InvalidFaultSpec, ServeFailed } from "./Errors.js"
import * as FaultSpec from "./FaultSpec.js"
import type { MockControl } from "./MockControl.js"
import type { MockService } from "./MockService.js"
import * as HttpServer from "./internal/httpServer.js"
import * as MockHost from "./internal/mockHost.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** The data and fault seed; 1 when absent. */
  readonly seed?: number
  /** Faults from the start, as a compact spec string or a `FaultSpec`. */
  readonly faults?: FaultSpec.FaultSpec | string
}

/**
 * What a crash fault does: `"exit"` ends the process (exit code
 * `FaultSpec.crashExitCode`), `"disconnect"` closes the connection.
 *
 * @since 0.1.0 @category models
 */
export type CrashMode = MockHost.CrashMode

/** @since 0.1.0 @category models */
export interface MockServer<State> extends MockControl<State> {
  /** Opens a new session; the result is the client's end of an in-memory pair. */
  readonly connect: Effect.Effect<Transport>
}

/** @since 0.1.0 @category models */
export interface HttpMockServer<State> extends MockControl<State> {
  readonly port: number
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string
  /** The control endpoint, `http://127.0.0.1:<port>/control`. */
  readonly controlUrl: string
}

/** @since 0.1.0 @category models */
export interface StdioMockServer<State> extends MockControl<State> {
  /** Completes when the client goes away (stdin ends). */
  readonly closed: Effect.Effect<void>
}

const host = <State>(service: MockService<State>, options: Options, crash: CrashMode) =>
  Effect.gen(function*() {
    const faults = yield* FaultSpec.decode(options.faults ?? FaultSpec.empty)
    const runtime = yield* Effect.runtime<never>()
    return yield* Effect.acquireRelease(
      Effect.sync(() => MockHost.make({ service, seed: options.seed ?? 1, faults, runtime, crash })),
      (running) => Effect.promise(running.close)
    )
  })

/**
 * A mock in this process. A crash fault closes the connection.
 *
 * @since 0.1.0 @category constructors
 */
export const make = <State>(
  service: MockService<State>,
  options: Options = {}
): Effect.Effect<MockServer<State>, InvalidFaultSpec, Scope.Scope> =>
  Effect.map(host(service, options, "disconnect"), (running) => ({
    ...running.control,
    connect: Effect.promise(async () => {
      const [client, server] = InMemoryTransport.createLinkedPair()
      await running.serve(server)
      return client
    })
  }))

/**
 * How an HTTP mock listens: `port` (0, the default, picks a free one), what a
 * crash fault does, and the `Authorization` header it requires, to stand in
 * for a server that wants credentials (requests without it are answered 401).
 *
 * @since 0.2.0 @category models
 */
export interface HttpOptions extends Options {
  readonly port?: number
  readonly crash?: CrashMode
  readonly authorization?: string
}

/**
 * A mock over Streamable HTTP on 127.0.0.1. Port 0 (the default) picks a free
 * port; the handle reports it. A crash fault closes the session unless
 * `crash` is `"exit"`.
 *
 * Like any local MCP server it guards against DNS rebinding: a request whose
 * `Host` is not `127.0.0.1:<port>` or `localhost:<port>`, or whose `Origin`
 * is not a loopback origin, is answered 403. A body that is not JSON, or
 * nests deeper than core's `JsonInput` allows, is answered with a JSON-RPC
 * parse error (`-32700`), on `/mcp` and `/control` alike.
 *
 * @since 0.1.0 @category constructors
 */
export const serveHttp = <State>(
  service: MockService<State>,
  options: HttpOptions = {}
): Effect.Effect<HttpMockServer<State>, InvalidFaultSpec | ServeFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const running = yield* host(service, options, options.crash ?? "disconnect")
    const runtime = yield* Effect.runtime<never>()
    const serving = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => HttpServer.listen(running, runtime, { port: options.port ?? 0, authorization: options.authorization }),
        catch: (error) =>
          new ServeFailed({ service: service.name, reason: error instanceof Error ? error.message : String(error) })
      }),
      (serving) => Effect.promise(serving.close)
    )
    const base = `http://127.0.0.1:${serving.port}`
    return { ...running.control, port: serving.port, url: `${base}/mcp`, controlUrl: `${base}/control` }
  })

/**
 * A mock on this process's stdin and stdout, for a process started by an MCP
 * client. A crash fault exits the process unless `crash` is `"disconnect"`.
 *
 * @since 0.1.0 @category constructors
 */
export const serveStdio = <State>(
  service: MockService<State>,
  options: Options & { readonly crash?: CrashMode } = {}
): Effect.Effect<StdioMockServer<State>, InvalidFaultSpec, Scope.Scope> =>
  Effect.gen(function*() {
    const running = yield* host(service, options, options.crash ?? "exit")
    const closed = yield* Deferred.make<void>()
    const transport = new StdioServerTransport()
    yield* Effect.promise(() => running.serve(transport, () => Deferred.unsafeDone(closed, Effect.void)))
    // The SDK's stdio transport does not watch stdin; a client stops a stdio server by closing it.
    const onEnd = () => void transport.close()
    process.stdin.once("end", onEnd)
    yield* Effect.addFinalizer(() => Effect.sync(() => process.stdin.off("end", onEnd)))
    return { ...running.control, closed: Deferred.await(closed) }
  })
