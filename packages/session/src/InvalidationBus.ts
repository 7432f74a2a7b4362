/**
 * Hints that cached data went stale, across processes. A hint is a tag — the
 * Redis session store publishes `session:<id>` after every commit, restore and
 * delete of a session — and every subscriber, in any process, receives it.
 * Hints are best effort (pub/sub does not keep them for absent subscribers):
 * a cache uses them to drop entries early, never as the only way to be right.
 *
 * @example
 * import { InvalidationBus } from "@baton/session"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * const program = Effect.gen(function*() {
 *   const bus = yield* InvalidationBus.InvalidationBus
 *   const hints = yield* bus.subscribe
 *   yield* bus.publish("session:s-1")
 *   return yield* Stream.runHead(hints)
 * }).pipe(Effect.scoped, Effect.provide(InvalidationBus.layerMemory))
 *
 * @since 0.1.0
 */
import type { Errors } from "@baton/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { RedisOptions } from "ioredis"
import * as redis from "./internal/redis.js"
import * as client from "./internal/redisClient.js"

/** @since 0.1.0 @category models */
export interface Service {
  readonly publish: (tag: string) => Effect.Effect<void, Errors.SessionStoreError>
  /** The hints published from now on, until the scope closes. */
  readonly subscribe: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
}

/** @since 0.1.0 @category tags */
export class InvalidationBus extends Context.Tag("@baton/session/InvalidationBus")<InvalidationBus, Service>() {}

/**
 * The hint for a session, as the session stores publish it.
 *
 * @since 0.1.0 @category constructors
 */
export const sessionTag: (sessionId: string) => string = redis.sessionHint

// A slow subscriber loses hints beyond its buffer rather than slowing the publisher.
const hub = (buffer: number) => Effect.acquireRelease(PubSub.sliding<string>(buffer), PubSub.shutdown)
const subscribeTo = (pubsub: PubSub.PubSub<string>) => Effect.map(PubSub.subscribe(pubsub), Stream.fromQueue)

/**
 * One process: hints go from publishers to subscribers in memory.
 *
 * @since 0.1.0 @category layers
 */
export const layerMemory: Layer.Layer<InvalidationBus> = Layer.scoped(
  InvalidationBus,
  Effect.map(hub(1024), (pubsub) => ({
    publish: (tag: string) => Effect.asVoid(PubSub.publish(pubsub, tag)),
    subscribe: subscribeTo(pubsub)
  }))
)

/** @since 0.1.0 @category models */
export interface RedisBusOptions {
  readonly url: string | Redacted.Redacted<string>
  /** Must match the store's `keyPrefix`. Default `baton`. */
  readonly keyPrefix?: string
  readonly redis?: RedisOptions
  /** Hints buffered per local subscriber. Default 1024. */
  readonly bufferPerSubscriber?: number
}

/**
 * Across processes: Redis pub/sub on `<prefix>:invalidate`, with one
 * connection to publish and one subscribed connection feeding local
 * subscribers.
 *
 * @since 0.1.0 @category layers
 */
export const layerRedis = (options: RedisBusOptions): Layer.Layer<InvalidationBus, Errors.SessionStoreError> =>
  Layer.scoped(
    InvalidationBus,
    Effect.gen(function*() {
      const url = client.safeUrl(options.url)
      const channel = redis.channel(options.keyPrefix ?? "baton")
      const publisher = yield* client.connect(url, options.redis)
      const subscriber = yield* client.connect(url, options.redis)
      const pubsub = yield* hub(options.bufferPerSubscriber ?? 1024)
      subscriber.on("message", (from: string, message: string) => {
        if (from === channel) pubsub.unsafeOffer(message)
      })
      yield* Effect.tryPromise({ try: () => subscriber.subscribe(channel), catch: client.failure(url, "subscribe") })
      return {
        publish: (tag: string) =>
          Effect.asVoid(Effect.tryPromise({ try: () => publisher.publish(channel, tag), catch: client.failure(url, "publish") })),
        subscribe: subscribeTo(pubsub)
      }
    })
  )
