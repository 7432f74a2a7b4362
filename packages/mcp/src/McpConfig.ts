/**
 * Which MCP services Baton talks to, in the shape the ecosystem already uses
 * (`{"mcpServers": {"name": {"command": …} | {"url": …}}}`), extended per
 * server with instances, a resilience policy, fallbacks and caching: a
 * lifetime per tool, dependency tags (a reservation invalidates the cached
 * availability of its offer) and hot keys warmed at start.
 *
 * @example
 * ```ts
 * import { McpConfig } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const config = yield* McpConfig.load("baton.config.json")
 *   return Object.keys(config.mcpServers)
 * })
 *
 * // A server defined in code, e.g. an in-process mock:
 * declare const connectMock: McpConfig.InMemoryServer["inMemory"]
 * const inline: McpConfig.McpConfig = { mcpServers: { weather: { inMemory: connectMock, readOnlyTools: ["forecast"] } } }
 *
 * // Availability cached for 30 s; a reservation or a cancellation makes that offer's entry stale:
 * const flights: McpConfig.McpConfig = {
 *   mcpServers: {
 *     flights: {
 *       command: "flights-mcp",
 *       tools: {
 *         check_availability: { cacheTtlMs: 30_000, tags: ["availability:{offer_id}"] },
 *         reserve: { invalidates: ["availability:{offer_id}"] },
 *         cancel_reservation: { invalidates: ["availability:{result.reservation.offer_id}"] }
 *       }
 *     }
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ResiliencePolicy } from "@baton/core"
import type { McpConfigError } from "./Errors.js"
import * as internal from "./internal/config.js"

const Millis = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
const PositiveMillis = Schema.Number.pipe(Schema.finite(), Schema.positive())
const Count = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

/**
 * Retries with backoff, bounded by the service's retry budget: core's
 * `ResiliencePolicy.RetryConfig` (`maxRetries`, `baseDelayMs`, `maxDelayMs`,
 * `factor`, `jitter`, `maxRetryAfterMs`, `budget: {ratio, minRetries, windowMs}`).
 *
 * @since 0.1.0 @category schemas
 */
export const RetryPolicy = ResiliencePolicy.RetryConfig

/**
 * A circuit breaker: core's `ResiliencePolicy.BreakerConfig` (`trip`,
 * `halfOpen`, `openMs`, `maxOpenMs`, `openBackoffFactor`).
 *
 * @since 0.1.0 @category schemas
 */
export const BreakerPolicy = ResiliencePolicy.BreakerConfig

/**
 * A bulkhead: core's `ResiliencePolicy.BulkheadConfig` (`maxConcurrent`, `maxQueued`).
 *
 * @since 0.1.0 @category schemas
 */
export const BulkheadPolicy = ResiliencePolicy.BulkheadConfig

/**
 * A service's call policy: core's `ResiliencePolicy.Config` (one schema for
 * both), plus `resetTimeoutOnProgress`. The gateway builds the service's
 * stack from it (see `McpGateway`); absent entries get the gateway's
 * defaults:
 *
 * - `timeoutMs`: `McpGateway.Options.defaultTimeoutMs` (30 s), per attempt;
 * - `retry`: `{ maxRetries: 2 }` (backoff from 100 ms, budget 20 % of calls
 *   + 10 per 10 s); never for side-effecting calls without an idempotency key;
 * - `breaker`: 5 consecutive failures, open 5 s (doubling up to 60 s), one probe;
 * - `bulkhead`: 64 calls in flight, 1,000 waiting;
 * - `rateLimit`, `hedge`, `adaptiveTimeout`: none.
 *
 * (`McpGateway.Options.defaultPolicy` changes these defaults; `retry:
 * { maxRetries: 0 }` turns retries off for one service.)
 *
 * @since 0.1.0 @category schemas
 */
export const Policy = Schema.Struct({
  ...ResiliencePolicy.Config.fields,
  /** A progress notification restarts the timeout, for long tools that report progress. */
  resetTimeoutOnProgress: Schema.optional(Schema.Boolean)
})

/** @since 0.1.0 @category models */
export interface Policy extends Schema.Schema.Type<typeof Policy> {}

/**
 * How a call picks one of a service's instances.
 *
 * - `round-robin`: in turn.
 * - `least-outstanding`: the instance with the fewest calls in flight.
 * - `power-of-two`: the better of two random instances, by health over load.
 *
 * @since 0.1.0 @category schemas
 */
export const LoadBalancing = Schema.Literal("round-robin", "least-outstanding", "power-of-two")

/** @since 0.1.0 @category models */
export type LoadBalancing = typeof LoadBalancing.Type

/**
 * Backoff between reconnection attempts: doubling from `initialDelayMs` up
 * to `maxDelayMs`, with jitter.
 *
 * @since 0.1.0 @category schemas
 */
export const Reconnect = Schema.Struct({
  initialDelayMs: Schema.optional(Millis),
  maxDelayMs: Schema.optional(Millis)
})

const TagTemplate = Schema.String.pipe(
  Schema.filter((template) => /^(?:[^{}]|\{[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*\})+$/.test(template), {
    message: () => "must be a tag template such as \"availability:{offer_id}\" (placeholders are dotted paths in braces)"
  })
)

/**
 * What the gateway caches for one tool, and what the tool's calls make
 * stale. Tags are templates: `{path}` is replaced by the value at that
 * dotted path in the call's arguments, or in its result when the path
 * starts with `result.` (`"availability:{offer_id}"`,
 * `"availability:{result.reservation.offer_id}"`). A template whose value is
 * missing, or is not a string, number or boolean, gives no tag.
 *
 * @since 0.1.0 @category schemas
 */
export const ToolOptions = Schema.Struct({
  /**
   * How long this read-only tool's results are reused, overriding the
   * server's `cacheTtlMs`; 0 turns its cache off.
   */
  cacheTtlMs: Schema.optional(Millis),
  /** The tags a cached result of this tool carries; invalidating one of them drops it. */
  tags: Schema.optional(Schema.Array(TagTemplate)),
  /**
   * The tags a successful call of this tool invalidates, in every cache of
   * every service (and, through an `InvalidationBus`, of every process):
   * `reserve` invalidating `"availability:{offer_id}"`.
   */
  invalidates: Schema.optional(Schema.Array(TagTemplate)),
  /**
   * Hot keys: the arguments of calls fetched into the cache when the gateway
   * starts, and again whenever their entry is invalidated (read-only tools
   * with a cache only).
   */
  warm: Schema.optional(Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })))
})

/** @since 0.1.0 @category models */
export interface ToolOptions extends Schema.Schema.Type<typeof ToolOptions> {}

const serverOptions = {
  /** Accepted for compatibility with other clients' files; the other keys decide the transport. */
  type: Schema.optional(Schema.Literal("stdio", "http", "streamable-http")),
  policy: Schema.optional(Policy),
  /**
   * Services to try, in order, when this one fails with a service fault or
   * refuses the call (breaker open, bulkhead full, rate limited): the same
   * tool with the same arguments. Side-effecting calls without an
   * idempotency key only fall back on a refusal (the service never saw them).
   */
  fallback: Schema.optional(Schema.Array(Schema.String)),
  /**
   * Which tools have no side effects, overriding their `readOnlyHint`: a list
   * of read-only tools, or `{tool: boolean}` to mark either way. Read-only
   * calls are coalesced and may be cached.
   */
  readOnlyTools: Schema.optional(
    Schema.Union(Schema.Array(Schema.String), Schema.Record({ key: Schema.String, value: Schema.Boolean }))
  ),
  /**
   * How long a read-only tool's result is reused; 0 (the default) disables
   * the cache. `tools.<name>.cacheTtlMs` overrides it per tool.
   */
  cacheTtlMs: Schema.optional(Millis),
  /** Per tool: its cache lifetime, the tags its results carry, what it invalidates, its hot keys. */
  tools: Schema.optional(Schema.Record({ key: Schema.String, value: ToolOptions })),
  /**
   * How long after it expires (after `cacheTtlMs`) a read-only result may
   * still be served, marked stale, when the service fails; 0 (the default)
   * never serves stale results.
   */
  staleIfErrorMs: Schema.optional(Millis),
  loadBalancing: Schema.optional(LoadBalancing),
  /** How often each connected instance is pinged; default 10 s. */
  healthCheckIntervalMs: Schema.optional(PositiveMillis),
  reconnect: Schema.optional(Reconnect)
}

/**
 * What every kind of server accepts besides its address.
 *
 * @since 0.1.0 @category models
 */
export interface ServerOptions extends Schema.Struct.Type<typeof serverOptions> {}

/**
 * A server Baton spawns and talks to over stdio; `instances` processes of it.
 *
 * @since 0.1.0 @category schemas
 */
export const CommandServer = Schema.Struct({
  command: Schema.NonEmptyString,
  args: Schema.optional(Schema.Array(Schema.String)),
  env: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** Relative to the configuration file when loaded from one. */
  cwd: Schema.optional(Schema.String),
  instances: Schema.optional(Count),
  ...serverOptions
})

/** @since 0.1.0 @category models */
export interface CommandServer extends Schema.Schema.Type<typeof CommandServer> {}

const HttpUrl = Schema.String.pipe(
  Schema.filter((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
    message: () => "must be an http:// or https:// URL"
  })
)

/**
 * A Streamable HTTP server. `instances`, when given, is the full list of
 * URLs to balance over; otherwise `url` is the only instance. A URL's
 * userinfo (`https://user:password@host/mcp`) is sent as
 * `Authorization: Basic …` unless `headers` sets `Authorization`; URLs are
 * only ever shown redacted (see `ServerAddress`).
 *
 * @since 0.1.0 @category schemas
 */
export const UrlServer = Schema.Struct({
  url: HttpUrl,
  instances: Schema.optional(Schema.NonEmptyArray(HttpUrl)),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  ...serverOptions
})

/** @since 0.1.0 @category models */
export interface UrlServer extends Schema.Schema.Type<typeof UrlServer> {}

/**
 * A server reached through a transport made in code (an in-process mock, an
 * SDK `McpServer` over `InMemoryTransport`). Never read from a file.
 * `connect` is called once per instance and again on every reconnection.
 *
 * @since 0.1.0 @category models
 */
export interface InMemoryServer extends ServerOptions {
  readonly inMemory: () => Promise<Transport>
  readonly instances?: number
}

/** @since 0.1.0 @category models */
export type ServerConfig = CommandServer | UrlServer | InMemoryServer

/** @since 0.1.0 @category models */
export interface McpConfig {
  readonly mcpServers: Readonly<Record<string, ServerConfig>>
}

/**
 * Decode configuration from unknown input (parsed JSON). `source` names it
 * in errors. A value nested more than `JsonInput.DEFAULT_MAX_DEPTH` levels
 * deep is refused, naming where.
 *
 * @since 0.1.0 @category decoding
 */
export const decode: (input: unknown, source?: string) => Effect.Effect<McpConfig, McpConfigError> = internal.decode

/**
 * Read and decode a JSON configuration file. Relative `cwd`s are resolved
 * against the file's directory. The text is parsed with core's `JsonInput`:
 * nesting deeper than `JsonInput.DEFAULT_MAX_DEPTH` is refused with an
 * `McpConfigError` naming the file.
 *
 * @since 0.1.0 @category decoding
 */
export const load: (path: string) => Effect.Effect<McpConfig, McpConfigError> = internal.load

/**
 * An in-memory server entry.
 *
 * @since 0.1.0 @category constructors
 */
export const inMemory = (
  connect: () => Promise<Transport>,
  options: ServerOptions & { readonly instances?: number } = {}
): InMemoryServer => ({ ...options, inMemory: connect })
