/**
 * The gateway side of the integration tests: calls through core's
 * `ToolGateway`, the mock's `_control` tool reached through the same
 * gateway, instance status from `McpServices`, and bounded waiting.
 */
import { type BatonEvent, EventBus, ToolGateway } from "@baton/core"
import { McpGateway, type McpPool, McpServices } from "@baton/mcp"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as MockControl from "../../src/MockControl.js"
import { settle } from "../support.js"

export { flightSearch, twoAdults } from "../support.js"

/** The gateway over `config` and an `EventBus`, for the life of the effect it is provided to. */
export const gatewayLayer = (config: Parameters<typeof McpGateway.layer>[0], options?: McpGateway.Options) =>
  Layer.merge(McpGateway.layer(config, options), EventBus.layer())

export const invoke = (service: string, tool: string, args: Record<string, unknown> = {}, idempotencyKey?: string) =>
  Effect.flatMap(ToolGateway.ToolGateway, (gateway) =>
    gateway.invoke({ service, tool, args, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }))

/** The `offers` of a `search_flights` answer. */
export const offersOf = (answer: unknown) =>
  (answer as { readonly offers: ReadonlyArray<{ readonly id: string; readonly seats_left: number }> }).offers

/** A `_control` request through the gateway, to whichever instance it picks. */
export const control = (service: string, request: MockControl.ControlRequest) =>
  invoke(service, "_control", request as Record<string, unknown>)

/** Replaces a running mock's faults through `_control`. */
export const setFaults = (service: string, faults: string) => control(service, { action: "set_faults", faults })

/** The mock's call counts through `_control`. */
export const controlStats = (service: string) =>
  Effect.flatMap(control(service, { action: "stats" }), Schema.decodeUnknown(MockControl.MockStats)).pipe(Effect.orDie)

export const statusOf = (service: string): Effect.Effect<McpPool.ServiceStatus, never, McpServices.McpServices> =>
  Effect.flatMap(McpServices.McpServices, (services) => services.status).pipe(
    Effect.map((statuses) => statuses.find((status) => status.service === service)!)
  )

/** The pids of a service's stdio instances that are connected now. */
export const pidsOf = (service: string) =>
  Effect.map(statusOf(service), (status) =>
    status.instances.flatMap((instance) => (instance.pid === undefined ? [] : [instance.pid])))

/** Retries `check` every 20 ms until it succeeds, for at most `timeoutMs` of real time. */
export const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, timeoutMs = 10_000) =>
  Effect.retry(check, Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.millis(timeoutMs))))

/** Waits (real time) until `holds` is true of the service's status, and yields that status. */
export const statusUntil = (service: string, holds: (status: McpPool.ServiceStatus) => boolean, what: string) =>
  eventually(Effect.filterOrFail(statusOf(service), holds, () => `${service}: ${what}`))

/** Waits until `count` instances of the service are connected. */
export const connected = (service: string, count = 1) =>
  statusUntil(
    service,
    (status) => status.instances.filter((instance) => instance.connected).length === count,
    `${count} connected instance(s)`
  )

/**
 * Moves the `TestClock` on by `step` until `read` satisfies `done`, letting
 * in-memory I/O settle between steps; for what follows the gateway's own
 * timers (reconnection backoff) under test time.
 */
export const advanceUntil = <A, E, R>(
  read: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  step: Duration.DurationInput,
  what: string,
  steps = 50
) =>
  Effect.gen(function*() {
    for (let i = 0; i < steps; i++) {
      yield* settle
      const value = yield* read
      if (done(value)) return value
      yield* TestClock.adjust(step)
    }
    return yield* Effect.dieMessage(`gave up waiting for ${what}`)
  })

export type ToolCalled = Extract<BatonEvent.BatonEvent, { readonly _tag: "ToolCalled" }>

/** The `ToolCalled` events published from now on, in order. */
export const captureToolCalls: Effect.Effect<ReadonlyArray<ToolCalled>, never, Scope.Scope | EventBus.EventBus> =
  Effect.gen(function*() {
    const bus = yield* EventBus.EventBus
    const calls: Array<ToolCalled> = []
    const stream = yield* bus.subscribe
    yield* Effect.forkScoped(Stream.runForEach(stream, (event) =>
      Effect.sync(() => {
        if (event._tag === "ToolCalled") calls.push(event)
      })))
    return calls
  })
