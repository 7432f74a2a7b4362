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
 * On a Redis Cluster (`redis+cluster://[[user]:password@]host:port,…`, see
 * `connectCluster`) the layout and the scripts are the same: each script
 * touches one session's keys, all in the slot of its hash tag. The user's
 * index is in the slot of `{u:<userId>}`, often on another master, so it is
 * written with commands of its own: before the script on a session's first
 * commit, best effort on later ones. A commit's outcome is its script's
 * reply alone, and `listByUser` checks every member it lists.
 *
 * Redis replicates asynchronously: a master that dies can take the commits
 * it acknowledged last with it when its replica takes over. With
 * `waitForReplicas` each commit is followed, in the same round trip to the
 * session's master, by `WAIT <replicas> <timeout>`, so a commit is
 * acknowledged once a replica has it (or the timeout passed).
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
import { Errors, SessionStore } from "@baton/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Cluster, type ClusterOptions, type Redis, type RedisOptions } from "ioredis"
import * as redis from "./internal/redis.js"
import * as client from "./internal/redisClient.js"
import * as scripts from "./internal/redisScripts.js"
import * as store from "./internal/store.js"
import * as Migrations from "./Migrations.js"

/** @since 0.1.0 @category models */
export interface Options {
  /**
   * `redis://[:password@]host:port[/db]` for one server,
   * `redis+cluster://[[user]:password@]host:port[,host:port…]` for a Redis
   * Cluster; prefer a `Redacted` value.
   */
  readonly url: string | Redacted.Redacted<string>
  /** The first segment of every key. Default `baton`. */
  readonly keyPrefix?: string
  /** How long a session lives after its last commit. Default 24 hours. */
  readonly ttl?: Duration.DurationInput
  /** The approximate cap of a session's event stream (`XADD MAXLEN ~`). Default 10 000. */
  readonly maxEvents?: number
  /** The record migrations. Default `Migrations.builtin`. */
  readonly migrations?: Migrations.Registry
  /**
   * Make each commit wait until `replicas` replicas of its server have it
   * (`WAIT replicas timeout`, sent with the commit in one round trip to the
   * session's master), or until `timeout` passed. Redis replicates
   * asynchronously: without this, a master that dies (kill -9, a crash)
   * can take the commits it acknowledged last with it when its replica
   * takes over. With it, a commit is acknowledged only once a replica has
   * it, unless no replica answered within the timeout: the commit then
   * stands on the master alone, as without the option (it committed; it is
   * not reported failed). It costs a replication round trip per commit.
   * Default: no wait.
   *
   * @since 0.2.0
   */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeout: Duration.DurationInput }
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
 * A connection to one Redis server or to a Redis Cluster.
 *
 * @since 0.2.0 @category models
 */
export type Client = client.Client

/**
 * A store over a connected client (one server's, or a cluster's); loads the
 * scripts into the server, or into every master of the cluster.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (
  redisClient: Client,
  options: Omit<Options, "redis" | "cluster">
): Effect.Effect<SessionStore.Service, Errors.SessionStoreError> => {
  const url = client.safeUrl(options.url)
  const wait = options.waitForReplicas
  const waitMs = wait === undefined ? 0 : Duration.toMillis(Duration.decode(wait.timeout))
  if (wait !== undefined && (!Number.isInteger(wait.replicas) || wait.replicas < 1 || !(waitMs > 0 && waitMs < Infinity))) {
    return Effect.fail(
      new Errors.SessionStoreError({
        operation: "connect",
        reason: `waitForReplicas needs a whole number of replicas of at least 1 and a finite timeout longer than 0 ` +
          `(WAIT with timeout 0 would wait forever); got ${wait.replicas} replicas and ${waitMs} ms`
      })
    )
  }
  // A cluster runs each script on its key's master. A replica promoted later
  // has not loaded them: the first call there falls back to EVAL.
  const servers: ReadonlyArray<Redis> = redisClient instanceof Cluster ? redisClient.nodes("master") : [redisClient]
  return Effect.as(
    Effect.tryPromise({
      try: () => Promise.all(servers.flatMap((server) => scripts.all.map((script) => server.script("LOAD", script.lua)))),
      catch: client.failure(url, "load scripts")
    }),
    store.make(
      redis.makeBackend(redisClient, url, {
        prefix: options.keyPrefix ?? defaultKeyPrefix,
        ttlMs: Duration.toMillis(Duration.decode(options.ttl ?? SessionStore.DEFAULT_TTL)),
        maxEvents: options.maxEvents ?? 10_000,
        waitForReplicas: wait === undefined ? undefined : { replicas: wait.replicas, timeoutMs: waitMs }
      }),
      { migrations: options.migrations ?? Migrations.builtin }
    )
  )
}

/**
 * The store with its own connection (a cluster client for a
 * `redis+cluster://` URL), quit when the layer is released.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (options: Options): Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError> =>
  Layer.scoped(
    SessionStore.SessionStore,
    Effect.flatMap(
      client.connectAny(client.safeUrl(options.url), { redis: options.redis, cluster: options.cluster }),
      (connected) => make(connected, options)
    )
  )
