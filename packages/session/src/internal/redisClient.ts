import { Errors } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis"
import type { Script } from "./redisScripts.js"

/** A connection to one Redis server or to a Redis Cluster: the commands the stores send exist on both. */
export type Client = Redis | Cluster

/**
 * A Redis URL with its password kept out of every message: `display` shows
 * the URL with the password as `***`, `scrub` removes it from any text.
 */
export interface SafeUrl {
  readonly secret: Redacted.Redacted<string>
  readonly display: string
  readonly scrub: (text: string) => string
}

/** The scheme of a Redis Cluster URL: `redis+cluster://[[user]:password@]host:port[,host:port…]`. */
export const CLUSTER_SCHEME = "redis+cluster:"

/** A node of a cluster URL. */
export interface ClusterNode {
  readonly host: string
  readonly port: number
}

/** A cluster URL read: its nodes and credentials (the password in clear: never keep it beyond connecting). */
export interface ClusterTarget {
  readonly nodes: ReadonlyArray<ClusterNode>
  readonly username: string | undefined
  readonly password: string | undefined
}

export const isClusterUrl = (url: string): boolean => url.toLowerCase().startsWith(`${CLUSTER_SCHEME}//`)

const CLUSTER_SHAPE = "redis+cluster://[[user]:password@]host:port[,host:port…]"

const decode = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const node = (text: string): ClusterNode | undefined => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim())
  if (match === null) return undefined
  const port = match[2] === undefined ? 6379 : Number(match[2])
  if (port < 1 || port > 65535) return undefined
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port }
}

/**
 * Reads a cluster URL; the Left says what is wrong without quoting the URL
 * (it may hold a password).
 */
export const parseClusterUrl = (url: string): Either.Either<ClusterTarget, string> => {
  const rest = url.slice(`${CLUSTER_SCHEME}//`.length).replace(/\/$/, "")
  const at = rest.lastIndexOf("@")
  const userinfo = at < 0 ? undefined : rest.slice(0, at)
  const hosts = (at < 0 ? rest : rest.slice(at + 1)).split(",").filter((host) => host.trim() !== "")
  if (hosts.length === 0) return Either.left(`a Redis Cluster URL names at least one node: ${CLUSTER_SHAPE}`)
  const nodes = hosts.map(node)
  const bad = nodes.findIndex((found) => found === undefined)
  if (bad >= 0) return Either.left(`node ${bad + 1} of the Redis Cluster URL is not host:port: ${CLUSTER_SHAPE}`)
  const colon = userinfo?.indexOf(":") ?? -1
  const username = userinfo === undefined ? undefined : decode(colon < 0 ? "" : userinfo.slice(0, colon))
  const password = userinfo === undefined ? undefined : decode(colon < 0 ? userinfo : userinfo.slice(colon + 1))
  return Either.right({
    nodes: nodes as ReadonlyArray<ClusterNode>,
    username: username === "" ? undefined : username,
    password: password === "" ? undefined : password
  })
}

const secretsOf = (password: string, encoded: string) => (encoded === password ? [password] : [encoded, password])

export const safeUrl = (url: string | Redacted.Redacted<string>): SafeUrl => {
  const secret = Redacted.isRedacted(url) ? url : Redacted.make(url)
  const value = Redacted.value(secret)
  const secrets: Array<string> = []
  let display: string
  if (isClusterUrl(value)) {
    const at = value.lastIndexOf("@")
    const userinfo = at < 0 ? "" : value.slice(`${CLUSTER_SCHEME}//`.length, at)
    const colon = userinfo.indexOf(":")
    const password = colon < 0 ? userinfo : userinfo.slice(colon + 1)
    if (password !== "") secrets.push(...secretsOf(decode(password), password))
    display = at < 0
      ? value
      : `${CLUSTER_SCHEME}//${colon < 0 ? "" : userinfo.slice(0, colon)}:***@${value.slice(at + 1)}`
  } else {
    try {
      const parsed = new URL(value)
      if (parsed.password !== "") {
        secrets.push(...secretsOf(decodeURIComponent(parsed.password), parsed.password))
        parsed.password = "***"
      }
      display = parsed.toString()
    } catch {
      secrets.push(value)
      display = "<unparseable Redis URL>"
    }
  }
  const scrub = (text: string) => secrets.reduce((out, secretText) => out.split(secretText).join("***"), text)
  return { secret, display, scrub }
}

export const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** A foreign failure as a typed error that names the server, never its password. */
export const failure = (url: SafeUrl, operation: string) => (cause: unknown) => {
  const reason = url.scrub(describe(cause))
  return new Errors.SessionStoreError({ operation, reason: `Redis at ${url.display}: ${reason}`, cause: reason })
}

export const defaultOptions: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 2_000,
  // Fail a command after one reconnection attempt instead of queueing it for
  // long: callers get a typed error and decide.
  maxRetriesPerRequest: 1,
  // A command that was sent but not answered may have run: never send it
  // again on reconnection (a commit would be reported as a conflict).
  autoResendUnfulfilledCommands: false
}

/**
 * A cluster client's options: Baton's defaults for a session store, then
 * `options` over them.
 */
export const clusterOptions = (target: ClusterTarget, options: ClusterOptions = {}): ClusterOptions => ({
  lazyConnect: true,
  enableReadyCheck: true,
  // A restore right after a commit must see it: replicas lag.
  scaleReads: "master",
  maxRedirections: 16,
  // Off: ioredis would send a command again when its node's connection
  // closed, and a command in flight may have run (a commit would come back
  // as a conflict and its turn be played twice). The caller gets a typed
  // error and reads the store again, as with one server.
  retryDelayOnFailover: 0,
  // CLUSTERDOWN and TRYAGAIN replies mean the command did not run: retried
  // while a failover completes, up to `maxRedirections` times.
  retryDelayOnClusterDown: 250,
  retryDelayOnTryAgain: 100,
  slotsRefreshTimeout: 2_000,
  clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
  ...options,
  redisOptions: {
    connectTimeout: defaultOptions.connectTimeout,
    maxRetriesPerRequest: defaultOptions.maxRetriesPerRequest,
    autoResendUnfulfilledCommands: false,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...options.redisOptions
  }
})

/** Why a connection failed: the client's last error explains what "Connection is closed" hides (a refused password). */
const connectionFailure = (error: unknown, last: unknown) => {
  const why = last === undefined || describe(last) === describe(error) ? "" : ` (${describe(last)})`
  return new Error(`${describe(error)}${why}`)
}

/**
 * Fails the commands a closed connection left unanswered. ioredis, told not
 * to send them again on reconnection, drops them there without settling
 * them, unless the close also exhausted `maxRetriesPerRequest`: a commit cut
 * off mid-flight would never return. ("close" is emitted on the next tick,
 * before any reconnection replaces the queue.)
 */
const failUnanswered = (client: Redis) => {
  for (let item = client.commandQueue.shift(); item !== undefined; item = client.commandQueue.shift()) {
    item.command.reject(new Error("Connection is closed before Redis answered: the command may have run"))
  }
}

/**
 * Connects a client to one server (failing with a typed error when the
 * server cannot be reached, or when the URL names a cluster) and quits it
 * when the scope closes.
 */
export const connect = (
  url: SafeUrl,
  options?: RedisOptions
): Effect.Effect<Redis, Errors.SessionStoreError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        if (isClusterUrl(Redacted.value(url.secret))) {
          throw new Error("the URL names a Redis Cluster (redis+cluster://): connect with a cluster client")
        }
        const client = new Redis(Redacted.value(url.secret), { ...defaultOptions, ...options })
        // Errors surface as failed commands; without a listener ioredis would
        // also print them. The last one explains a failed connection
        // ("Connection is closed" hides a refused password).
        let last: unknown
        client.on("error", (error) => (last = error))
        client.on("close", () => failUnanswered(client))
        try {
          await client.connect()
        } catch (error) {
          client.disconnect()
          throw connectionFailure(error, last)
        }
        return client
      },
      catch: failure(url, "connect")
    }),
    (client) => Effect.promise(() => quit(client))
  )

/**
 * Connects a cluster client to the nodes a `redis+cluster://` URL names
 * (any one reachable node is enough: the client discovers the others),
 * failing with a typed error when the URL is not a cluster URL or no node
 * answers; quits it when the scope closes.
 */
export const connectCluster = (
  url: SafeUrl,
  options?: ClusterOptions
): Effect.Effect<Cluster, Errors.SessionStoreError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const value = Redacted.value(url.secret)
        if (!isClusterUrl(value)) throw new Error(`not a Redis Cluster URL: ${CLUSTER_SHAPE}`)
        const target = parseClusterUrl(value)
        if (Either.isLeft(target)) throw new Error(target.left)
        const client = new Cluster([...target.right.nodes], clusterOptions(target.right, options))
        let last: unknown
        client.on("error", (error) => (last = error))
        client.on("node error", (error) => (last = error))
        try {
          await client.connect()
        } catch (error) {
          client.disconnect()
          throw connectionFailure(error, (last as { lastNodeError?: unknown } | undefined)?.lastNodeError ?? last)
        }
        return client
      },
      catch: failure(url, "connect")
    }),
    (client) => Effect.promise(() => quit(client))
  )

/** A client for whatever the URL names: a cluster for `redis+cluster://`, else one server. */
export const connectAny = (
  url: SafeUrl,
  options: { readonly redis?: RedisOptions | undefined; readonly cluster?: ClusterOptions | undefined } = {}
): Effect.Effect<Client, Errors.SessionStoreError, Scope.Scope> =>
  isClusterUrl(Redacted.value(url.secret)) ? connectCluster(url, options.cluster) : connect(url, options.redis)

export const quit = (client: Client): Promise<void> => {
  if (client.status === "end") return Promise.resolve()
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())
  return Promise.race([client.quit().then(() => undefined, () => undefined), timeout]).then(() => client.disconnect())
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT")

/**
 * EVALSHA (EVAL when the server lost its script cache), then `WAIT replicas
 * timeoutMs` on the same connection, in one round trip: on a cluster the
 * pipeline goes to the master of the script's keys, so WAIT counts the
 * replicas of the server that ran the script. Resolves with the script's
 * reply and the replicas that acknowledged it (fewer than asked after the
 * timeout).
 */
export const evalScriptWaiting = async (
  client: Client,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number | Buffer>,
  replicas: number,
  timeoutMs: number
): Promise<{ readonly reply: unknown; readonly replicas: number }> => {
  const run = async (lua: boolean, redirections: number): Promise<{ readonly reply: unknown; readonly replicas: number }> => {
    const pipeline = client.pipeline()
    if (lua) pipeline.eval(script.lua, keys.length, ...keys, ...args)
    else pipeline.evalsha(script.sha, keys.length, ...keys, ...args)
    const [ran, waited] = (await pipeline.wait(replicas, timeoutMs).exec()) ?? []
    const error = ran?.[0]
    if (error !== null && error !== undefined) {
      if (!lua && isNoScript(error)) return run(true, redirections)
      // ioredis follows a pipeline's redirection only when every command
      // failed alike, and WAIT fails otherwise (a replica refuses it): the
      // script did not run, so it is sent again once the slots are known.
      if (client instanceof Cluster && notRun(error) && redirections < MAX_REDIRECTIONS) {
        await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()))
        if (!/^(MOVED|ASK) /.test(error.message)) await new Promise((resolve) => setTimeout(resolve, 100))
        return run(lua, redirections + 1)
      }
      throw error
    }
    return { reply: ran?.[1], replicas: waited?.[0] === null ? Number(waited[1]) : 0 }
  }
  return run(false, 0)
}

const MAX_REDIRECTIONS = 16

/** A cluster's answer that the command did not run here: elsewhere, or not yet. */
const notRun = (error: Error) => /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(error.message)

/** EVALSHA, falling back to EVAL when the server lost its script cache. */
export const evalScript = (
  client: Client,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number | Buffer>
): Promise<unknown> =>
  client.evalsha(script.sha, keys.length, ...keys, ...args).catch((error: unknown) =>
    isNoScript(error) ? client.eval(script.lua, keys.length, ...keys, ...args) : Promise.reject(error)
  )
