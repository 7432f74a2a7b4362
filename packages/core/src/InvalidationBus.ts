/**
 * Hints that cached data went stale, within a process and across processes.
 * A hint is a tag — `session:<id>` after a session store's commit,
 * `availability:<offer>` after a reservation — and every subscriber, in any
 * process sharing the bus, receives it. Hints are best effort (a pub/sub bus
 * does not keep them for absent subscribers): a cache uses them to drop
 * entries early, never as the only way to be right (entries still expire).
 *
 * This is the port; `layerMemory` serves one process, and `@baton/session`'s
 * `InvalidationBus.layerRedis` serves several over Redis pub/sub.
 *
 * @example
 * ```ts
 * import { InvalidationBus } from "@baton/core"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * const program = Effect.gen(function*() {
 *   const bus = yield* InvalidationBus.InvalidationBus
 *   const hints = yield* bus.subscribe
 *   yield* bus.publish("availability:off_1")
 *   return yield* Stream.runHead(hints)
 * }).pipe(Effect.scoped, Effect.provide(InvalidationBus.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * A hint could not be published (the bus's server is unreachable).
 *
 * @since 0.1.0 @category errors
 */
export class InvalidationBusError extends Schema.TaggedError<InvalidationBusError>("@baton/core/InvalidationBusError")(
  "InvalidationBusError",
  { tag: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `Could not publish the invalidation hint "${this.tag}": ${this.reason}`
  }
}

/** @since 0.1.0 @category models */
export interface Service {
  readonly publish: (tag: string) => Effect.Effect<void, InvalidationBusError>
  /** The hints published from now on (by anyone, this process included), until the scope closes. */
  readonly subscribe: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
}

/** @since 0.1.0 @category tags */
export class InvalidationBus extends Context.Tag("@baton/core/InvalidationBus")<InvalidationBus, Service>() {}

/**
 * A hub of hints for local subscribers, shut down with the scope. A slow
 * subscriber loses hints beyond its buffer rather than slowing the publisher;
 * adapters (Redis) feed it from their subscription.
 *
 * @since 0.1.0 @category constructors
 */
export const hub = (buffer = 1024): Effect.Effect<PubSub.PubSub<string>, never, Scope.Scope> =>
  Effect.acquireRelease(PubSub.sliding<string>(buffer), PubSub.shutdown)

/**
 * The `subscribe` of a bus whose hints arrive in `pubsub`.
 *
 * @since 0.1.0 @category constructors
 */
export const subscribeTo = (pubsub: PubSub.PubSub<string>): Effect.Effect<Stream.Stream<string>, never, Scope.Scope> =>
  Effect.map(PubSub.subscribe(pubsub), Stream.fromQueue)

/**
 * One process: hints go from publishers to subscribers in memory.
 *
 * @since 0.1.0 @category layers
 */
export const layerMemory: Layer.Layer<InvalidationBus> = Layer.scoped(
  InvalidationBus,
  Effect.map(hub(), (pubsub) => ({
    publish: (tag: string) => Effect.asVoid(PubSub.publish(pubsub, tag)),
    subscribe: subscribeTo(pubsub)
  }))
)
