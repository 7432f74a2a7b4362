import { Errors } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"
import type { Script } from "./redisScripts.js"

/**
 * A Redis URL with its password kept out of every message: `display` shows
 * the URL with the password as `***`, `scrub` removes it from any text.
 */
export interface SafeUrl {
  readonly secret: Redacted.Redacted<string>
  readonly display: string
  readonly scrub: (text: string) => string
}

export const safeUrl = (url: string | Redacted.Redacted<string>): SafeUrl => {
  const secret = Redacted.isRedacted(url) ? url : Redacted.make(url)
  const value = Redacted.value(secret)
  const secrets: Array<string> = []
  let display: string
  try {
    const parsed = new URL(value)
    if (parsed.password !== "") {
      secrets.push(parsed.password)
      const decoded = decodeURIComponent(parsed.password)
      if (decoded !== parsed.password) secrets.push(decoded)
      parsed.password = "***"
    }
    display = parsed.toString()
  } catch {
    secrets.push(value)
    display = "<unparseable Redis URL>"
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
 * Connects a client (failing with a typed error when the server cannot be
 * reached) and quits it when the scope closes.
 */
export const connect = (
  url: SafeUrl,
  options?: RedisOptions
): Effect.Effect<Redis, Errors.SessionStoreError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new Redis(Redacted.value(url.secret), { ...defaultOptions, ...options })
        // Errors surface as failed commands; without a listener ioredis would
        // also print them. The last one explains a failed connection
        // ("Connection is closed" hides a refused password).
        let last: unknown
        client.on("error", (error) => (last = error))
        try {
          await client.connect()
        } catch (error) {
          client.disconnect()
          const why = last === undefined || describe(last) === describe(error) ? "" : ` (${describe(last)})`
          throw new Error(`${describe(error)}${why}`)
        }
        return client
      },
      catch: failure(url, "connect")
    }),
    (client) => Effect.promise(() => quit(client))
  )

export const quit = (client: Redis): Promise<void> => {
  if (client.status === "end") return Promise.resolve()
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())
  return Promise.race([client.quit().then(() => undefined, () => undefined), timeout]).then(() => client.disconnect())
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT")

/** EVALSHA, falling back to EVAL when the server lost its script cache. */
export const evalScript = (
  client: Redis,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number | Buffer>
): Promise<unknown> =>
  client.evalsha(script.sha, keys.length, ...keys, ...args).catch((error: unknown) =>
    isNoScript(error) ? client.eval(script.lua, keys.length, ...keys, ...args) : Promise.reject(error)
  )
