import { McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { ToolGateway } from "@baton/core"
import type { ServerConfig } from "../McpConfig.js"
import * as McpConnection from "../McpConnection.js"
import type { McpPool, PoolOptions, ServiceStatus } from "../McpPool.js"
import * as Balancer from "./balancer.js"
import { listTools } from "./discovery.js"
import { Instance } from "./instance.js"
import { type Listing, makeListing } from "./listing.js"
import { redactText } from "./serverAddress.js"

const defaults = {
  healthCheckIntervalMs: 10_000,
  pingTimeoutMs: 5_000,
  initialDelayMs: 250,
  maxDelayMs: 30_000
}

/** The pool as the gateway sees it: instances it may update. */
export interface Pool extends McpPool {
  readonly instances: ReadonlyArray<Instance>
  readonly pick: () => Instance | undefined
  readonly resetTimeoutOnProgress: boolean
  readonly cacheTtlMs: number
  /** The pool's scope is closing: calls failing now were cancelled by us. */
  readonly closing: () => boolean
}

// Shown in status and logs, where a URL with credentials must not be.
const messageOf = (error: unknown) => redactText(error instanceof Error ? error.message : String(error))

// Doubling from the initial delay, halved at random so that many instances
// that lost the same server do not reconnect in lockstep.
const backoff = (failures: number, initialMs: number, maxMs: number) => {
  const delay = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1))
  return Duration.millis(delay / 2 + Math.random() * (delay / 2))
}

export const make = (
  service: string,
  server: ServerConfig,
  options: PoolOptions
): Effect.Effect<Pool, never, Scope.Scope> =>
  Effect.gen(function*() {
    // With an adaptive timeout, its ceiling bounds every call.
    const timeoutMs = server.policy?.adaptiveTimeout?.ceilingMs ?? server.policy?.timeoutMs ?? options.defaultTimeoutMs
    const instances = McpConnection.endpoints(service, server).map((endpoint) => new Instance(endpoint, timeoutMs))
    const balance = Balancer.make(server.loadBalancing ?? "round-robin")
    const runFork = yield* FiberSet.makeRuntime<never>()
    let listing: Listing | undefined

    const discover = (connection: McpConnection.McpConnection) =>
      Effect.tryPromise({ try: () => listTools(connection.client, timeoutMs), catch: messageOf }).pipe(
        Effect.flatMap((tools) =>
          Effect.map(Clock.currentTimeMillis, (refreshedAt) => {
            listing = makeListing(service, server, tools, refreshedAt)
            return listing.catalogue
          })
        )
      )

    // A server that starts slowly (a child process on a busy machine) would
    // time out on every attempt alike, so each failed attempt doubles the
    // next one's time, up to eight times the configured timeout.
    const connectOnce = (instance: Instance, ready: Deferred.Deferred<void>, failures: number) =>
      Effect.scoped(Effect.gen(function*() {
        const connection = yield* McpConnection.connect(instance.endpoint, {
          service,
          timeoutMs: options.connectTimeoutMs * 2 ** Math.min(failures, 3),
          ...(options.clientInfo === undefined ? {} : { clientInfo: options.clientInfo })
        })
        connection.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          runFork(Effect.catchAll(discover(connection), (reason) =>
            Effect.logWarning(`Refreshing the tools of "${service}" failed: ${reason}`)))
        })
        yield* Effect.mapError(discover(connection), (reason) => `listing tools failed: ${reason}`)
        instance.stats.reset()
        instance.connection = connection
        instance.connects++
        instance.lastError = undefined
        yield* Deferred.succeed(ready, undefined)
        yield* connection.closed
      })).pipe(
        Effect.mapError((error) => (typeof error === "string" ? error : error.reason)),
        Effect.ensuring(Effect.sync(() => (instance.connection = undefined)))
      )

    // Keeps one instance connected for the life of the pool.
    const supervise = (instance: Instance, ready: Deferred.Deferred<void>) =>
      Effect.gen(function*() {
        const initialMs = server.reconnect?.initialDelayMs ?? defaults.initialDelayMs
        const maxMs = server.reconnect?.maxDelayMs ?? defaults.maxDelayMs
        let failures = 0
        while (true) {
          const exit = yield* Effect.exit(connectOnce(instance, ready, failures))
          yield* Deferred.succeed(ready, undefined)
          if (Exit.isSuccess(exit)) {
            failures = 0
            yield* Effect.logWarning(`Lost the connection to ${instance.id} of "${service}"; reconnecting`)
          } else {
            failures++
            const reason = exit.cause._tag === "Fail" ? exit.cause.error : String(exit.cause)
            instance.lastError = reason
            // Said once per outage; the attempts that follow are detail.
            const log = failures === 1 ? Effect.logWarning : Effect.logDebug
            yield* log(`Connecting to ${instance.id} of "${service}" failed (attempt ${failures}): ${reason}`)
          }
          yield* Effect.sleep(backoff(failures, initialMs, maxMs))
        }
      })

    const ping = (instance: Instance) =>
      Effect.suspend(() => {
        const connection = instance.connection
        if (connection === undefined) return Effect.void
        const pingTimeoutMs = Math.min(timeoutMs, defaults.pingTimeoutMs)
        const started = performance.now()
        return Effect.tryPromise({
          try: (signal) => connection.client.ping({ signal, timeout: pingTimeoutMs }),
          catch: (error) => error
        }).pipe(
          Effect.match({
            onSuccess: () => instance.stats.success(performance.now() - started),
            onFailure: (error) => {
              instance.stats.failure()
              // A ping that could not be sent at all means the transport is
              // gone (an HTTP server that died says nothing until asked).
              if (!(error instanceof McpError)) connection.close()
            }
          })
        )
      })

    const readies = yield* Effect.forEach(instances, () => Deferred.make<void>())
    yield* Effect.forEach(instances, (instance, i) => Effect.forkScoped(supervise(instance, readies[i]!)), {
      discard: true
    })
    // Added after the supervisors, so it runs before they close connections.
    let closing = false
    yield* Effect.addFinalizer(() => Effect.sync(() => (closing = true)))
    yield* Effect.forEach(readies, Deferred.await, { discard: true })
    yield* Effect.forkScoped(
      Effect.schedule(
        Effect.forEach(instances, ping, { concurrency: "unbounded", discard: true }),
        Schedule.spaced(Duration.millis(server.healthCheckIntervalMs ?? defaults.healthCheckIntervalMs))
      )
    )

    const health = () => instances.reduce((best, instance) => Math.max(best, instance.health()), 0)

    const refresh = Effect.suspend(() => {
      const instance = instances.find((candidate) => candidate.connected)
      return instance?.connection === undefined
        ? Effect.fail(new ToolGateway.TransportClosed({ service, detail: "no instance is connected" }))
        : Effect.mapError(
          discover(instance.connection),
          (reason) => new ToolGateway.TransportClosed({ service, detail: `listing tools failed: ${reason}` })
        )
    })

    const status = (): ServiceStatus => ({
      service,
      health: health(),
      tools: listing?.catalogue.tools.length,
      instances: instances.map((instance) => ({
        id: instance.id,
        connected: instance.connected,
        pid: instance.connection?.pid,
        outstanding: instance.outstanding,
        health: instance.health(),
        errorRate: instance.stats.errorRate,
        latencyMs: instance.stats.latencyMs,
        connects: instance.connects,
        lastError: instance.lastError
      }))
    })

    return {
      service,
      server,
      instances,
      timeoutMs,
      resetTimeoutOnProgress: server.policy?.resetTimeoutOnProgress ?? false,
      cacheTtlMs: server.cacheTtlMs ?? 0,
      closing: () => closing,
      pick: () => balance(instances),
      catalogue: () => listing?.catalogue,
      tool: (name) => listing?.byName.get(name),
      refresh,
      health,
      status
    }
  })
