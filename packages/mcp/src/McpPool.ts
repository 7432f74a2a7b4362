/**
 * The instances of one service: a connection per instance, kept alive by a
 * supervisor that reconnects with exponential backoff after a transport
 * closes or a process dies, periodic pings, per-instance health, load
 * balancing, and the service's tool catalogue (refreshed on
 * `notifications/tools/list_changed`). Closing the pool's scope closes every
 * connection and leaves no process behind.
 *
 * @example
 * ```ts
 * import { McpPool } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const status = Effect.scoped(Effect.gen(function*() {
 *   const pool = yield* McpPool.make(
 *     "flights",
 *     { command: "flights-mcp", instances: 3, loadBalancing: "least-outstanding" },
 *     { defaultTimeoutMs: 30_000, connectTimeoutMs: 10_000 }
 *   )
 *   return pool.status()
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ToolGateway } from "@baton/core"
import * as internal from "./internal/pool.js"
import type { ServerConfig } from "./McpConfig.js"
import type { McpConnection } from "./McpConnection.js"
import type { ToolCatalogue, ToolInfo } from "./ToolCatalogue.js"

/** @since 0.1.0 @category models */
export interface PooledInstance {
  /** `service#n`, or the URL without its credentials (see `ServerAddress`). */
  readonly id: string
  readonly connection: McpConnection | undefined
  readonly connected: boolean
  /** Calls in flight. */
  readonly outstanding: number
  /** 0..1 from recent error rate and latency; 0 while disconnected. */
  readonly health: () => number
}

/**
 * A tool ready to call: its description and its argument check, compiled
 * from the input schema on first use.
 *
 * @since 0.1.0 @category models
 */
export interface PooledTool {
  readonly info: ToolInfo
  /** Readable issues with `args`, or `undefined` when they fit the input schema. */
  readonly check: (args: unknown) => ReadonlyArray<string> | undefined
}

/** @since 0.1.0 @category models */
export interface InstanceStatus {
  readonly id: string
  readonly connected: boolean
  readonly pid?: number | undefined
  readonly outstanding: number
  readonly health: number
  readonly errorRate: number
  readonly latencyMs: number
  /** How many times the instance has connected; above 1 it has reconnected. */
  readonly connects: number
  readonly lastError?: string | undefined
}

/** @since 0.1.0 @category models */
export interface ServiceStatus {
  readonly service: string
  /** The best instance's health: the service works while one instance does. */
  readonly health: number
  readonly instances: ReadonlyArray<InstanceStatus>
  /** Tools listed, or `undefined` before any instance has answered. */
  readonly tools: number | undefined
}

/** @since 0.1.0 @category models */
export interface McpPool {
  readonly service: string
  readonly server: ServerConfig
  readonly instances: ReadonlyArray<PooledInstance>
  /** The call timeout from the service's policy. */
  readonly timeoutMs: number
  /** Picks the instance for the next call; `undefined` when none is connected. */
  readonly pick: () => PooledInstance | undefined
  /** The latest listing, `undefined` until an instance has answered. */
  readonly catalogue: () => ToolCatalogue | undefined
  readonly tool: (name: string) => PooledTool | undefined
  /** List the tools again now, from a connected instance. */
  readonly refresh: Effect.Effect<ToolCatalogue, ToolGateway.TransportClosed>
  readonly health: () => number
  readonly status: () => ServiceStatus
}

/** @since 0.1.0 @category models */
export interface PoolOptions {
  /** Used when the service's policy sets no `timeoutMs`. */
  readonly defaultTimeoutMs: number
  /** Bounds each connection attempt's MCP handshake. */
  readonly connectTimeoutMs: number
  readonly clientInfo?: { readonly name: string; readonly version: string }
}

/**
 * Start a pool. It returns once every instance has made its first connection
 * attempt; instances that failed keep trying in the background.
 *
 * @since 0.1.0 @category constructors
 */
export const make: (
  service: string,
  server: ServerConfig,
  options: PoolOptions
) => Effect.Effect<McpPool, never, Scope.Scope> = internal.make
