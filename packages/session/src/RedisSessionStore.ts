/**
 * A `SessionStore` in Redis (ioredis), for many processes or machines.
 *
 * Every key of a session shares the hash tag `{s:<id>}`, so all of them live
 * in one slot and the layout works on Redis Cluster unchanged:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `baton:{s:<id>}:state` | hash | `version`, `user`, `record` (the JSON), `quarantined` |
 * | `baton:{s:<id>}:events` | stream | one entry per event (`e` → JSON), capped with `MAXLEN ~` |
 * | `baton:{s:<id>}:snaps` | hash | snapshot id → metadata JSON |
 * | `baton:{s:<id>}:snap:<n>` | string | snapshot `n`'s record |
 * | `baton:{s:<id>}:lease` | hash | `owner`, `token`; expires with the lease |
 * | `baton:{s:<id>}:fence` | string | the fencing-token counter |
 * | `baton:{s:<id>}:quarantine` | hash | entry id → unreadable record, reason, time; no TTL |
 * | `baton:{u:<userId>}:sessions` | set | the user's session ids |
 *
 * A commit is ONE Lua script: fencing-token check, version compare-and-set,
 * state write, `XADD … MAXLEN ~` per event, an optional snapshot, one TTL
 * refresh for every key of the session, and a `PUBLISH` of the hint
 * `session:<id>` on `baton:invalidate` (see `InvalidationBus`). Scripts run by
 * `EVALSHA`, falling back to `EVAL` when the server answers `NOSCRIPT`.
 *
 * The URL's password never appears in errors: they show the URL with `***`.
 * Connection failures are `SessionStoreError`s.
 *
 * @example
 * import { RedisSessionStore } from "@baton/session"
 * import * as Redacted from "effect/Redacted"
 *
 * const StoreLive = RedisSessionStore.layer({
 *   url: Redacted.make("redis://:secret@localhost:6379"),
 *   ttl: "12 hours"
 * })
 *
 * @since 0.1.0
 */
import { type Errors, SessionStore } from "@baton/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Cluster, ClusterOptions, Redis, RedisOptions } from "ioredis"
import * as redis from "./internal/redis.js"
import * as client from "./internal/redisClient.js"
import * as scripts from "./internal/redisScripts.js"
import * as store from "./internal/store.js"
import * as Migrations from "./Migrations.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** `redis://[:password@]host:port[/db]`; prefer a `Redacted` value. */
  readonly url: string | Redacted.Redacted<string>
  /** The first segment of every key. Default `baton`. */
  readonly keyPrefix?: string
  /** How long a session lives after its last commit. Default 24 hours. */
  readonly ttl?: Duration.DurationInput
  /** The approximate cap of a session's event stream (`XADD MAXLEN ~`). Default 10 000. */
  readonly maxEvents?: number
  /** The record migrations. Default `Migrations.builtin`. */
  readonly migrations?: Migrations.Registry
  /** Extra ioredis options (timeouts, TLS…). */
  readonly redis?: RedisOptions
  /**
   * Extra ioredis `Cluster` options, for a `redis+cluster://` URL.
   *
   * @since 0.2.0
   */
  readonly cluster?: ClusterOptions
}

/** @since 0.1.0 @category constants */
export const defaultKeyPrefix = "baton"

/**
 * The keys of one session.
 *
 * @since 0.1.0 @category keys
 */
export const keys: (sessionId: string, keyPrefix?: string) => redis.SessionKeys = (sessionId, keyPrefix) =>
  redis.sessionKeys(keyPrefix ?? defaultKeyPrefix, sessionId)

/**
 * The key of a user's session index.
 *
 * @since 0.1.0 @category keys
 */
export const userKey = (userId: string, keyPrefix?: string): string => redis.userKey(keyPrefix ?? defaultKeyPrefix, userId)

/**
 * The pub/sub channel of invalidation hints.
 *
 * @since 0.1.0 @category keys
 */
export const invalidationChannel = (keyPrefix?: string): string => redis.channel(keyPrefix ?? defaultKeyPrefix)

/**
 * A connected client, quit when the scope closes. Fails with a
 * `SessionStoreError` (password redacted) when the server cannot be reached,
 * or when `url` names a cluster (use `connectCluster`).
 *
 * @since 0.1.0 @category constructors
 */
export const connect = (
  url: string | Redacted.Redacted<string>,
  options?: RedisOptions
): Effect.Effect<Redis, Errors.SessionStoreError, Scope.Scope> => client.connect(client.safeUrl(url), options)

/**
 * A connected Redis Cluster client, from a
 * `redis+cluster://[[user]:password@]host:port[,host:port…]` URL (one
 * reachable node is enough: the client discovers the others), quit when the
 * scope closes. Reads go to masters, so a restore sees the last commit; a
 * command whose node's connection closed is not sent again (it may have
 * run); `CLUSTERDOWN` and `TRYAGAIN` replies are retried while a failover
 * completes. Fails with a `SessionStoreError` (password redacted) when no
 * node answers.
 *
 * @since 0.2.0 @category constructors
 */
export const connectCluster = (
  url: string | Redacted.Redacted<string>,
  options?: ClusterOptions
): Effect.Effect<Cluster, Errors.SessionStoreError, Scope.Scope> => client.connectCluster(client.safeUrl(url), options)

/**
 * A store over a connected client; loads the scripts into the server.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (
  redisClient: Redis,
  options: Omit<Options, "redis">
): Effect.Effect<SessionStore.Service, Errors.SessionStoreError> => {
  const url = client.safeUrl(options.url)
  return Effect.as(
    Effect.tryPromise({
      try: () => Promise.all(scripts.all.map((script) => redisClient.script("LOAD", script.lua))),
      catch: client.failure(url, "load scripts")
    }),
    store.make(
      redis.makeBackend(redisClient, url, {
        prefix: options.keyPrefix ?? defaultKeyPrefix,
        ttlMs: Duration.toMillis(Duration.decode(options.ttl ?? SessionStore.DEFAULT_TTL)),
        maxEvents: options.maxEvents ?? 10_000
      }),
      { migrations: options.migrations ?? Migrations.builtin }
    )
  )
}

/**
 * The store with its own connection, quit when the layer is released.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (options: Options): Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError> =>
  Layer.scoped(SessionStore.SessionStore, Effect.flatMap(connect(options.url, options.redis), (c) => make(c, options)))
