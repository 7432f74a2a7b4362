/**
 * Core's `InvalidationBus` across processes, over Redis pub/sub: the Redis
 * session store publishes `session:<id>` after every commit, restore and
 * delete of a session, the MCP gateway publishes the tags a side-effecting
 * call invalidates, and every subscriber in every process sharing the Redis
 * server receives them. On a Redis Cluster (`redis+cluster://…`) a publish
 * reaches the subscribers connected to any node, as Redis Cluster forwards
 * it to every node. Hints are best effort (pub/sub does not keep them
 * for absent subscribers): a cache uses them to drop entries early, never as
 * the only way to be right.
 *
 * The port and its one-process `layerMemory` live in `@baton/core`
 * (`InvalidationBus`); they are re-exported here.
 *
 * @example
 * import { InvalidationBus } from "@baton/session"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * const program = Effect.gen(function*() {
 *   const bus = yield* InvalidationBus.InvalidationBus
 *   const hints = yield* bus.subscribe
 *   yield* bus.publish(InvalidationBus.sessionTag("s-1"))
 *   return yield* Stream.runHead(hints)
 * }).pipe(Effect.scoped, Effect.provide(InvalidationBus.layerRedis({ url: "redis://127.0.0.1:6379" })))
 *
 * @since 0.1.0
 */
import { type Errors, InvalidationBus as Port } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { ClusterOptions, RedisOptions } from "ioredis"
import * as redis from "./internal/redis.js"
import * as client from "./internal/redisClient.js"

/**
 * Core's port, so that `InvalidationBus.InvalidationBus` from either package is the same tag.
 *
 * @since 0.1.0 @category tags
 */
export const InvalidationBus = Port.InvalidationBus

/** @since 0.1.0 @category models */
export type InvalidationBus = Port.InvalidationBus

/** @since 0.1.0 @category models */
export type Service = Port.Service

/**
 * One process: core's `InvalidationBus.layerMemory`.
 *
 * @since 0.1.0 @category layers
 */
export const layerMemory: Layer.Layer<Port.InvalidationBus> = Port.layerMemory

/**
 * The hint for a session, as the session stores publish it.
 *
 * @since 0.1.0 @category constructors
 */
export const sessionTag: (sessionId: string) => string = redis.sessionHint

/** @since 0.1.0 @category models */
export interface RedisBusOptions {
  /** `redis://…` for one server, `redis+cluster://[[user]:password@]host:port[,host:port…]` for a cluster. */
  readonly url: string | Redacted.Redacted<string>
  /** Must match the store's `keyPrefix`. Default `baton`. */
  readonly keyPrefix?: string
  readonly redis?: RedisOptions
  /**
   * Extra ioredis `Cluster` options, for a cluster URL.
   *
   * @since 0.2.0
   */
  readonly cluster?: ClusterOptions
  /** Hints buffered per local subscriber. Default 1024. */
  readonly bufferPerSubscriber?: number
}

/**
 * Across processes: Redis pub/sub on `<prefix>:invalidate`, with one
 * connection to publish and one subscribed connection feeding local
 * subscribers. Building the layer fails with `SessionStoreError` when Redis
 * cannot be reached; a publish that fails is an `InvalidationBusError` that
 * names the server, never its password.
 *
 * @since 0.1.0 @category layers
 */
export const layerRedis = (options: RedisBusOptions): Layer.Layer<Port.InvalidationBus, Errors.SessionStoreError> =>
  Layer.scoped(
    Port.InvalidationBus,
    Effect.gen(function*() {
      const url = client.safeUrl(options.url)
      const channel = redis.channel(options.keyPrefix ?? "baton")
      const connections = { redis: options.redis, cluster: options.cluster }
      const publisher = yield* client.connectAny(url, connections)
      const subscriber = yield* client.connectAny(url, connections)
      const pubsub = yield* Port.hub(options.bufferPerSubscriber ?? 1024)
      subscriber.on("message", (from: string, message: string) => {
        if (from === channel) pubsub.unsafeOffer(message)
      })
      yield* Effect.tryPromise({ try: () => subscriber.subscribe(channel), catch: client.failure(url, "subscribe") })
      return {
        publish: (tag: string) =>
          Effect.asVoid(Effect.tryPromise({
            try: () => publisher.publish(channel, tag),
            catch: (cause) => new Port.InvalidationBusError({ tag, reason: client.failure(url, "publish")(cause).reason })
          })),
        subscribe: Port.subscribeTo(pubsub)
      }
    })
  )
