/**
 * Where the commands that keep sessions keep them: `--store memory|sqlite|redis`,
 * `--db <file>` for SQLite (default `.baton/baton.db` under the working
 * directory, created on first use) and `--redis-url` for Redis (default
 * `BATON_REDIS_URL`, else `redis://127.0.0.1:6379`). A Redis Cluster is named
 * by a `redis+cluster://[[user]:password@]host:port[,host:port…]` URL, or by
 * its nodes with `--redis-node host:port` (repeated; the password then
 * comes from `BATON_REDIS_PASSWORD`, never the command line). The URL's
 * password never reaches output: it is `Redacted` from the moment it is read.
 * The options are declared in `program/StoreOptions`.
 *
 * @since 0.1.0
 */
import { Errors, type SessionStore } from "@baton/core"
import { RedisSessionStore, SqliteSessionStore } from "@baton/session"
import { SessionStore as Store } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import type { Io } from "./Io.js"
import { CLUSTER_SCHEME, DEFAULT_DB, DEFAULT_REDIS_URL, type Kind, kinds } from "./program/StoreOptions.js"

/**
 * The fields a command's options schema spreads in.
 *
 * @since 0.1.0 @category models
 */
export const StoreOptions = {
  store: Schema.Literal(...kinds),
  db: Schema.optionalWith(Schema.String, { exact: true }),
  redisUrl: Schema.optionalWith(Schema.String, { exact: true }),
  redisNode: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
}
/** @since 0.1.0 @category models */
export interface Options {
  readonly store: Kind
  readonly db?: string
  readonly redisUrl?: string
  /**
   * Redis Cluster nodes, `host:port` each.
   *
   * @since 0.2.0
   */
  readonly redisNode?: ReadonlyArray<string>
}

/**
 * The SQLite file the options name, resolved against `cwd`.
 *
 * @since 0.1.0 @category accessors
 */
export const dbPath = (io: Io, options: Options): string => Path.resolve(io.cwd, options.db ?? DEFAULT_DB)

const NODE = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@,[\]]+):(\d{1,5})$/

const isNode = (text: string) => {
  const port = Number(NODE.exec(text)?.[2] ?? 0)
  return port >= 1 && port <= 65535
}

/**
 * The hosts a Redis URL names (`host:port`, comma-separated for a cluster;
 * a socket's path), without credentials; none when it is not a Redis URL.
 */
const hostsOf = (url: string): Either.Either<{ readonly cluster: boolean; readonly hosts: string }, void> => {
  if (url.toLowerCase().startsWith(CLUSTER_SCHEME)) {
    const rest = url.slice(CLUSTER_SCHEME.length).replace(/\/$/, "")
    const hosts = rest.slice(rest.lastIndexOf("@") + 1)
    return hosts.split(",").every(isNode) ? Either.right({ cluster: true, hosts }) : Either.left(undefined)
  }
  // ioredis also takes a Unix socket's path.
  if (Path.isAbsolute(url)) return Either.right({ cluster: false, hosts: url })
  try {
    const parsed = new URL(url)
    return /^rediss?:$/.test(parsed.protocol) && parsed.host !== ""
      ? Either.right({ cluster: false, hosts: parsed.host })
      : Either.left(undefined)
  } catch {
    return Either.left(undefined)
  }
}

/**
 * What is wrong with the Redis options of a command using `--store redis`,
 * for a usage error (exit 2): a URL that names no host, both a URL and
 * nodes, or a node that is not `host:port`. A URL is never quoted: it may
 * hold a password. Other stores have no Redis options to be wrong.
 *
 * @since 0.2.0 @category validation
 */
export const problem = (io: Io, options: Options): string | undefined => {
  if (options.store !== "redis") return undefined
  const nodes = options.redisNode ?? []
  if (nodes.length === 0) {
    return Either.isLeft(hostsOf(Redacted.value(redisUrl(io, options))))
      ? `the Redis URL${options.redisUrl === undefined ? " in BATON_REDIS_URL" : ""} is neither redis://[:password@]host:port nor ${CLUSTER_SCHEME}[:password@]host:port,host:port`
      : undefined
  }
  if (options.redisUrl !== undefined) {
    return "give a Redis Cluster either as --redis-url redis+cluster://host:port,… or as --redis-node host:port, not both"
  }
  const bad = nodes.find((node) => !isNode(node))
  return bad === undefined
    ? undefined
    : `--redis-node must be host:port (a node of a Redis Cluster), got "${bad.includes("@") ? "…@…" : bad}"`
}

/**
 * The Redis URL the options name, redacted: `--redis-node`s make a
 * `redis+cluster://` URL whose password is `BATON_REDIS_PASSWORD`.
 *
 * @since 0.1.0 @category accessors
 */
export const redisUrl = (io: Io, options: Options): Redacted.Redacted<string> => {
  const nodes = options.redisNode ?? []
  if (nodes.length > 0 && options.redisUrl === undefined) {
    const password = io.env["BATON_REDIS_PASSWORD"]
    const credentials = password === undefined || password === "" ? "" : `:${encodeURIComponent(password)}@`
    return Redacted.make(`${CLUSTER_SCHEME}${credentials}${nodes.join(",")}`)
  }
  return Redacted.make(options.redisUrl ?? io.env["BATON_REDIS_URL"] ?? DEFAULT_REDIS_URL)
}

/**
 * A one-line description of the store for headers and reports, without secrets.
 *
 * @since 0.1.0 @category accessors
 */
export const describe = (io: Io, options: Options): string => {
  switch (options.store) {
    case "memory":
      return "memory (this process only)"
    case "sqlite":
      return `sqlite ${Path.relative(io.cwd, dbPath(io, options)) || dbPath(io, options)}`
    case "redis": {
      const hosts = hostsOf(Redacted.value(redisUrl(io, options)))
      if (Either.isLeft(hosts)) return "redis (an unreadable URL)"
      return hosts.right.cluster ? `redis cluster ${hosts.right.hosts}` : `redis ${hosts.right.hosts}`
    }
  }
}

const ensureDirectory = (file: string) =>
  Effect.try({
    try: () => void mkdirSync(Path.dirname(file), { recursive: true }),
    catch: (cause) => cause
  }).pipe(Effect.orDie)

/**
 * The session store the options name. Its connections and file handles live
 * as long as the layer.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (io: Io, options: Options): Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError> => {
  switch (options.store) {
    case "memory":
      return Store.layerMemory
    case "sqlite": {
      const filename = dbPath(io, options)
      return Layer.unwrapEffect(Effect.as(ensureDirectory(filename), SqliteSessionStore.layer({ filename })))
    }
    case "redis": {
      const wrong = problem(io, options)
      return wrong === undefined
        ? RedisSessionStore.layer({ url: redisUrl(io, options) })
        : Layer.fail(new Errors.SessionStoreError({ operation: "connect", reason: wrong }))
    }
  }
}
