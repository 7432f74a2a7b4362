/**
 * One live MCP client connection to one instance of a service: a spawned
 * process over stdio, a Streamable HTTP endpoint, or an in-memory transport.
 * A connection is scoped: closing its scope closes the client and leaves no
 * process behind. Pools reconnect by opening a new connection.
 *
 * @example
 * ```ts
 * import { McpConnection } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const tools = Effect.scoped(Effect.gen(function*() {
 *   const [endpoint] = McpConnection.endpoints("weather", { command: "weather-mcp" })
 *   const connection = yield* McpConnection.connect(endpoint!, { service: "weather", timeoutMs: 10_000 })
 *   return yield* Effect.promise(() => connection.client.listTools())
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { McpConnectError } from "./Errors.js"
import * as internal from "./internal/connection.js"
import type { ServerConfig } from "./McpConfig.js"

/**
 * Where one instance lives. `id` names it in events, status, logs and
 * errors: the URL as `ServerAddress.redactUrl` shows it for HTTP (never its
 * credentials), `service#n` otherwise. An HTTP endpoint's `url` has no
 * userinfo: a configured `user:password@` travels in `headers` as
 * `Authorization: Basic …`, unless the configuration sets that header.
 *
 * @since 0.1.0 @category models
 */
export type Endpoint =
  | {
    readonly _tag: "Stdio"
    readonly id: string
    readonly command: string
    readonly args: ReadonlyArray<string>
    readonly env?: Readonly<Record<string, string>> | undefined
    readonly cwd?: string | undefined
  }
  | {
    readonly _tag: "Http"
    readonly id: string
    readonly url: string
    readonly headers?: Readonly<Record<string, string>> | undefined
  }
  | { readonly _tag: "InMemory"; readonly id: string; readonly connect: () => Promise<Transport> }

/** @since 0.1.0 @category models */
export interface McpConnection {
  readonly endpoint: Endpoint
  readonly client: Client
  /** The server process, for stdio instances. */
  readonly pid: number | undefined
  readonly isClosed: () => boolean
  /** Completes when the connection closes, whoever closed it. */
  readonly closed: Effect.Effect<void>
  /**
   * Closes the connection now, without waiting; for a connection found
   * broken. Calls in flight fail with `TransportClosed`.
   */
  readonly close: () => void
}

/** @since 0.1.0 @category models */
export interface ConnectOptions {
  readonly service: string
  /** Bounds the MCP handshake. */
  readonly timeoutMs: number
  readonly clientInfo?: { readonly name: string; readonly version: string }
}

/**
 * The instances a server configuration describes.
 *
 * @since 0.1.0 @category constructors
 */
export const endpoints: (service: string, server: ServerConfig) => ReadonlyArray<Endpoint> = internal.endpoints

/**
 * Open a connection and complete the MCP handshake. The scope closes it.
 *
 * @since 0.1.0 @category constructors
 */
export const connect: (
  endpoint: Endpoint,
  options: ConnectOptions
) => Effect.Effect<McpConnection, McpConnectError, Scope.Scope> = internal.connect
