/**
 * Core's `ToolGateway` over MCP. A call names a service and a tool; the
 * gateway checks the arguments against the tool's input schema before
 * sending, picks a connected instance, applies the service's timeout, maps
 * every failure to core's typed tool errors, shares identical concurrent
 * read-only calls, caches read-only results when configured, and publishes
 * `ToolCalled` (every call) and `ToolProgress` events on the `EventBus` of
 * the calling fiber, when one is provided.
 *
 * A successful call returns the tool's `structuredContent` when it gives one,
 * its `content` blocks otherwise.
 *
 * Resilience: each service's calls go through its policy stack, built once
 * from its `policy` (core's `ResiliencePolicy.Config`) over
 * `Options.defaultPolicy`: bulkhead → retry (within the retry budget) →
 * hedge (read-only calls) → rate limiter → circuit breaker → per-attempt
 * timeout (core's `Timeout`, fixed or adaptive; it fails with `ToolTimeout`).
 * Each attempt picks an instance anew, and its outcome feeds that instance's
 * health, which the balancer reads. Side-effecting calls are retried only
 * when they carry an `idempotencyKey`. The policies' refusals reach the
 * caller as `ToolResultError`s that say the service is unavailable and when
 * to try again; an exhausted retry budget as the last error.
 *
 * Caching: one cache across services, keyed by service, tool and canonical
 * arguments, for read-only tools with a lifetime (`cacheTtlMs`, per server
 * or per tool in `tools`). A cached result carries the tags its tool's
 * `tags` templates give for its arguments and result; a successful call of
 * a tool with `invalidates` drops every entry with those tags (a reservation
 * drops the cached availability of its offer), and a result fetched while
 * one of its tags was invalidated is not stored. Hot keys (`tools.<tool>.warm`)
 * are fetched in the background when the gateway starts and again when
 * their entry is invalidated; a hot key that cannot be fetched is logged.
 * With core's `InvalidationBus` provided to the layer, invalidated tags are
 * published on it and hints from other processes (Redis pub/sub through
 * `@baton/session`) drop entries here too. A hit is reported as a
 * `ToolCalled` event with outcome `cached`; warming calls as ordinary calls.
 *
 * Degradation: a call that fails with a service fault or a refusal goes to
 * the service's `fallback` services in order (the same tool and arguments),
 * then, for read-only tools with `staleIfErrorMs`, to the last result past
 * its expiry. A degraded answer is returned as usual, and announced: a
 * `FallbackUsed` event, and a `Degradation.Note` for the caller's
 * `Degradation.collect`.
 *
 * Ending a call early: interrupting the calling fiber aborts the request (the
 * SDK sends `notifications/cancelled`) and publishes `ToolCalled` with outcome
 * `cancelled`; a call that outlives its service's `timeoutMs` fails with
 * `ToolTimeout` (the server is told to stop too); a call cut short by the
 * gateway's own shutdown fails with `ToolCancelled`; a call whose connection
 * breaks fails with `TransportClosed`, and the next call uses another
 * instance or the new connection.
 *
 * @example
 * ```ts
 * import { ToolGateway } from "@baton/core"
 * import { McpGateway } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const tools = yield* ToolGateway.ToolGateway
 *   return yield* tools.invoke({ service: "weather", tool: "forecast", args: { city: "Lisbon" } })
 * })
 *
 * Effect.runPromise(Effect.provide(program, McpGateway.layerConfigFile("baton.config.json")))
 * ```
 *
 * @since 0.1.0
 */
import { type CircuitBreaker, ServiceHealth, ToolGateway } from "@baton/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { McpConfigError } from "./Errors.js"
import * as gateway from "./internal/gateway.js"
import * as pool from "./internal/pool.js"
import * as resilience from "./internal/resilience.js"
import { makeServices } from "./internal/services.js"
import * as McpConfig from "./McpConfig.js"
import { McpServices } from "./McpServices.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** The call timeout of services whose policy sets none; default 30 s. */
  readonly defaultTimeoutMs?: number
  /** Bounds each connection attempt's handshake; default 10 s. */
  readonly connectTimeoutMs?: number
  /** Read-only results kept at most, across services; default 1,000. */
  readonly cacheMaxEntries?: number
  /**
   * The resilience policies (retry, breaker, bulkhead, rate limit, hedge) of
   * services whose `policy` leaves them out; each field of a service's own
   * policy replaces the same field here. Default `recommendedPolicy`; `{}`
   * leaves a service without a policy only its timeout.
   */
  readonly defaultPolicy?: DefaultPolicy
  /** How Baton introduces itself to servers. */
  readonly clientInfo?: { readonly name: string; readonly version: string }
}

/**
 * A service's policies but its timeout: see `Options.defaultPolicy`.
 *
 * @since 0.1.0 @category models
 */
export type DefaultPolicy = resilience.DefaultPolicy

/**
 * The default policy: two retries within the retry budget (20 % of calls +
 * 10 per 10 s; core's backoff from 100 ms; a retry-after hint is waited for,
 * up to 30 s), a breaker that opens after 5 consecutive failures for 5 s
 * (doubling up to 60 s) and closes after one good probe, and a bulkhead of
 * 64 calls in flight with 1,000 waiting.
 *
 * @since 0.1.0 @category constructors
 */
export const recommendedPolicy: DefaultPolicy = resilience.recommended

/** @since 0.1.0 @category models */
export interface McpGateway {
  readonly gateway: Context.Tag.Service<ToolGateway.ToolGateway>
  readonly services: McpServices.Service
  /** The state of a service's circuit breaker; none for a service without one, or not configured. @since 0.2.0 */
  readonly breaker: (service: string) => Effect.Effect<CircuitBreaker.BreakerState | undefined>
}

/**
 * Start a pool per configured service (waiting for each instance's first
 * connection attempt) and the gateway over them. Closing the scope closes
 * every connection and stops every spawned process.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (config: McpConfig.McpConfig, options: Options = {}): Effect.Effect<McpGateway, never, Scope.Scope> =>
  Effect.gen(function*() {
    const poolOptions = {
      defaultTimeoutMs: options.defaultTimeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      ...(options.clientInfo === undefined ? {} : { clientInfo: options.clientInfo })
    }
    const pools = new Map(
      yield* Effect.forEach(
        Object.entries(config.mcpServers),
        ([name, server]) => Effect.map(pool.make(name, server, poolOptions), (started) => [name, started] as const),
        { concurrency: "unbounded" }
      )
    )
    const guards = new Map(
      yield* Effect.forEach([...pools], ([name, pool]) =>
        Effect.map(resilience.make(name, pool, options.defaultPolicy ?? resilience.recommended), (guard) => [name, guard] as const))
    )
    const tools = yield* gateway.make(pools, { cacheMaxEntries: options.cacheMaxEntries ?? 1_000, guards })
    const breaker = (service: string) => guards.get(service)?.policy.parts.breaker?.state ?? Effect.succeed(undefined)
    return { gateway: tools, services: makeServices(pools), breaker }
  })

/**
 * Provides core's `ToolGateway` and `ServiceHealth` (fed by instance health
 * and each service's breaker) and this package's `McpServices`.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (
  config: McpConfig.McpConfig,
  options?: Options
): Layer.Layer<ToolGateway.ToolGateway | McpServices | ServiceHealth.ServiceHealth> =>
  Layer.scopedContext(
    Effect.map(make(config, options), ({ breaker, gateway: tools, services }) =>
      Context.make(ToolGateway.ToolGateway, tools).pipe(
        Context.add(McpServices, services),
        Context.add(ServiceHealth.ServiceHealth, { score: services.health, breaker })
      ))
  )

/**
 * `layer` over a JSON configuration file (see `McpConfig.load`).
 *
 * @since 0.1.0 @category layers
 */
export const layerConfigFile = (
  path: string,
  options?: Options
): Layer.Layer<ToolGateway.ToolGateway | McpServices | ServiceHealth.ServiceHealth, McpConfigError> =>
  Layer.unwrapEffect(Effect.map(McpConfig.load(path), (config) => layer(config, options)))

/**
 * Core's `ServiceHealth` from an `McpServices` provided elsewhere.
 *
 * @since 0.1.0 @category layers
 */
export const layerServiceHealth: Layer.Layer<ServiceHealth.ServiceHealth, never, McpServices> = Layer.effect(
  ServiceHealth.ServiceHealth,
  Effect.map(McpServices, (services) => ({ score: services.health }))
)
