/**
 * The travel services TripSage's agents call: the testkit's mock MCP
 * services behind `@baton/mcp`'s gateway, which provides core's
 * `ToolGateway` (and `ServiceHealth`, so the router ranks down agents whose
 * services fail). The runner picks how they are reached:
 *
 * - `in-process`: mock servers in this process over in-memory transports;
 * - `stdio`: one `mock-server <name> --stdio` child process per service,
 *   spawned by the gateway as any `mcpServers` command entry is, and given
 *   30 s to connect;
 * - `http`: one `mock-server <name> --http 0` child per service, whose
 *   announced URL becomes a `url` entry.
 *
 * Every mock runs with the same data seed, so each transport gives the same
 * offers, listings and forecasts. Child processes stop when the layer's
 * scope closes.
 *
 * Resilience (`policies`, `fallbacks`): each service's timeout, retries
 * and breaker are set for what it does (searches retry more than a
 * forecast; payments retry only with the saga's idempotency key), over the
 * gateway's default bulkhead; a second weather provider (`weather-backup`)
 * answers forecasts when `weather` cannot.
 *
 * Caching (`caching`): a flight offer's availability is reused for 30 s,
 * and a reservation or a cancellation of that offer invalidates it, so the
 * booking saga never reads a seat count from before its own reservation.
 * Searches and forecasts are not cached: each turn sees the services as
 * they are (a fault injected for the demo's degraded turn is not hidden by an
 * earlier answer).
 *
 * @since 0.1.0
 */
import { BatonApp, type ServiceHealth, ToolGateway } from "@baton/core"
import { McpConfig, McpGateway, type McpServices } from "@baton/mcp"
import { FaultSpec, type MockControl, type MockService, MockServer, MockServices } from "@baton/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as MockProcess from "./internal/mockProcess.js"

/**
 * The mock services' data seed; the demo's expectations rely on what it gives.
 *
 * @since 0.1.0 @category constants
 */
export const seed = 1

/**
 * The services TripSage uses; `weather-backup` answers forecasts when
 * `weather` cannot.
 *
 * @since 0.1.0 @category constants
 */
export const used: ReadonlyArray<MockService.MockService> = [
  MockServices.flights,
  MockServices.accommodations,
  MockServices.weather,
  MockServices.weatherBackup,
  MockServices.activities,
  MockServices.payments
]

// A flapping search service still answers about half its calls, and the
// retries get through between its outages; a crashed one fails nearly all.
// The breaker opens for the second, and briefly: searches are what users wait on.
const searchBreaker: McpConfig.Policy["breaker"] = {
  trip: { _tag: "TimeWindow", windowMs: 5_000, failureRate: 0.75, minimumThroughput: 20 },
  openMs: 2_000,
  maxOpenMs: 10_000
}

/**
 * Each service's policy over the gateway's defaults (`McpGateway.recommendedPolicy`).
 *
 * @since 0.2.0 @category constants
 */
export const policies: Readonly<Record<string, McpConfig.Policy>> = {
  flights: { timeoutMs: 8_000, retry: { maxRetries: 3, maxDelayMs: 1_000 }, breaker: searchBreaker },
  accommodations: { timeoutMs: 8_000, retry: { maxRetries: 3, maxDelayMs: 1_000 }, breaker: searchBreaker },
  // One retry: the backup provider answers sooner than more retries would.
  weather: { timeoutMs: 3_000, retry: { maxRetries: 1 } },
  "weather-backup": { timeoutMs: 3_000, retry: { maxRetries: 1 } },
  activities: { timeoutMs: 5_000 },
  // Retried only with the saga's idempotency key, so a retry never charges twice.
  payments: { timeoutMs: 10_000, retry: { maxRetries: 3, maxDelayMs: 1_000 } }
}

/**
 * The services that answer for another when it fails.
 *
 * @since 0.2.0 @category constants
 */
export const fallbacks: Readonly<Record<string, ReadonlyArray<string>>> = { weather: ["weather-backup"] }

/** @since 0.1.0 @category models */
export type Provided = ToolGateway.ToolGateway | McpServices.McpServices | ServiceHealth.ServiceHealth

export {
  /**
   * A mock service process did not start (`http`; over `stdio` the gateway
   * keeps trying, and a call fails with `TransportClosed` meanwhile).
   *
   * @since 0.1.0 @category errors
   */
  MockServiceFailed
} from "./internal/mockProcess.js"

/**
 * Per service and tool: how long answers are reused, the tags they carry,
 * and what a successful call invalidates.
 *
 * @since 0.1.0 @category constants
 */
export const caching: Readonly<Record<string, McpConfig.ServerOptions["tools"]>> = {
  flights: {
    check_availability: { cacheTtlMs: 30_000, tags: ["availability:{offer_id}"] },
    reserve: { invalidates: ["availability:{offer_id}"] },
    cancel_reservation: { invalidates: ["availability:{result.reservation.offer_id}"] }
  }
}

const configured = (name: string, server: McpConfig.ServerConfig): McpConfig.ServerConfig => {
  const tools = caching[name]
  const policy = policies[name]
  const fallback = fallbacks[name]
  return {
    ...server,
    ...(tools === undefined ? {} : { tools }),
    ...(policy === undefined ? {} : { policy }),
    ...(fallback === undefined ? {} : { fallback })
  }
}

const gateway = (entries: ReadonlyArray<readonly [string, McpConfig.ServerConfig]>, options?: McpGateway.Options) =>
  McpGateway.layer(
    { mcpServers: Object.fromEntries(entries.map(([name, server]) => [name, configured(name, server)])) },
    options
  )

// Six mock child processes starting at once on a busy two-core machine can
// take more than the default 10 s to answer; a connection attempt that times
// out kills its child, and the first turn then finds no service connected.
// So the stdio children get 30 s.
const STDIO_CONNECT_TIMEOUT_MS = 30_000

const seedArgs = ["--seed", String(seed)]

/**
 * The in-process mocks' control handles by service name, for tests: set
 * faults, read state (reservations) and call stats.
 *
 * @since 0.1.0 @category tags
 */
export class Mocks extends Context.Tag("@baton/example-tripsage/Mocks")<
  Mocks,
  ReadonlyMap<string, MockControl.MockControl<unknown>>
>() {}

/**
 * The in-process mocks behind the gateway, with their control handles.
 *
 * @since 0.1.0 @category layers
 */
export const inProcessWithMocks: Layer.Layer<Provided | Mocks> = Layer.unwrapScoped(
  Effect.map(
    Effect.forEach(used, (service) => Effect.map(MockServer.make(service, { seed }), (mock) => [service.name, mock] as const)),
    (mocks) =>
      Layer.merge(
        gateway(mocks.map(([name, mock]) => [name, McpConfig.inMemory(() => Effect.runPromise(mock.connect))] as const)),
        Layer.succeed(Mocks, new Map<string, MockControl.MockControl<unknown>>(mocks))
      )
  ).pipe(Effect.orDie) // No faults are given, so no fault spec can be invalid.
)

const inProcess: Layer.Layer<Provided> = inProcessWithMocks

const stdio = Layer.suspend(() =>
  gateway(
    used.map((service) => [service.name, MockProcess.command(service.name, ["--stdio", ...seedArgs])] as const),
    { connectTimeoutMs: STDIO_CONNECT_TIMEOUT_MS }
  )
)

const http = Layer.unwrapScoped(
  Effect.map(
    Effect.forEach(
      used,
      (service) => Effect.map(MockProcess.serveHttp(service.name, seedArgs), (url) => [service.name, { url }] as const),
      { concurrency: "unbounded" }
    ),
    gateway
  )
)

/**
 * The gateway over the mock services, reached by `transport`.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (transport: BatonApp.Transport): Layer.Layer<Provided, MockProcess.MockServiceFailed> =>
  transport === "in-process" ? inProcess : transport === "stdio" ? stdio : http

/**
 * Injects faults into the mock services through their `_control` tool, so
 * the same injection works in process, over stdio and over HTTP. Scenarios
 * whose turns carry `faults` use it (the demo's degraded turn). Specs are
 * the testkit's `FaultSpec` strings, checked for the service they are
 * injected into before they are sent.
 *
 * @since 0.1.0 @category layers
 */
export const faultInjector: Layer.Layer<BatonApp.FaultInjector, never, ToolGateway.ToolGateway> = Layer.effect(
  BatonApp.FaultInjector,
  Effect.map(ToolGateway.ToolGateway, (gateway) => {
    const injector: BatonApp.FaultInjectorService = {
      services: used.map((service) => service.name),
      validate: (service, spec) =>
        Either.mapBoth(FaultSpec.parseFor(service, spec), {
          onLeft: (error) => new BatonApp.InvalidFault({ service, spec, reason: error.message }),
          onRight: () => undefined
        }),
      set: (service, spec) =>
        Effect.zipRight(
          BatonApp.validateFault(injector, service, spec),
          Effect.asVoid(gateway.invoke({ service, tool: "_control", args: { action: "set_faults", faults: spec } }))
        ),
      clear: (service) => Effect.asVoid(gateway.invoke({ service, tool: "_control", args: { action: "clear" } }))
    }
    return injector
  })
)
