/**
 * Where the commands that keep sessions keep them: `--store memory|sqlite|redis`,
 * `--db <file>` for SQLite (default `.baton/baton.db` under the working
 * directory, created on first use) and `--redis-url` for Redis (default
 * `BATON_REDIS_URL`, else `redis://127.0.0.1:6379`). The URL's password never
 * reaches output: it is `Redacted` from the moment it is read.
 *
 * @since 0.1.0
 */
import type { Errors, SessionStore } from "@baton/core"
import { RedisSessionStore, SqliteSessionStore } from "@baton/session"
import { SessionStore as Store } from "@baton/core"
import { type Command, Option as CommandOption } from "commander"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import type { Io } from "./Io.js"

/** @since 0.1.0 @category constants */
export const kinds = ["memory", "sqlite", "redis"] as const
/** @since 0.1.0 @category models */
export type Kind = typeof kinds[number]

/** @since 0.1.0 @category constants */
export const DEFAULT_DB = Path.join(".baton", "baton.db")
/** @since 0.1.0 @category constants */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"

/**
 * The fields a command's options schema spreads in.
 *
 * @since 0.1.0 @category models
 */
export const StoreOptions = {
  store: Schema.Literal(...kinds),
  db: Schema.optionalWith(Schema.String, { exact: true }),
  redisUrl: Schema.optionalWith(Schema.String, { exact: true })
}
/** @since 0.1.0 @category models */
export interface Options {
  readonly store: Kind
  readonly db?: string
  readonly redisUrl?: string
}

/**
 * Adds `--store`, `--db` and `--redis-url` to a command, with `fallback` as
 * the default store.
 *
 * @since 0.1.0 @category commands
 */
export const withStoreOptions = (command: Command, fallback: Kind): Command =>
  command
    .addOption(new CommandOption("--store <kind>", "where sessions are kept").choices(kinds).default(fallback))
    .option("--db <file>", `SQLite file for --store sqlite (default ${DEFAULT_DB})`)
    .option("--redis-url <url>", `Redis for --store redis (default $BATON_REDIS_URL, else ${DEFAULT_REDIS_URL})`)

/**
 * The SQLite file the options name, resolved against `cwd`.
 *
 * @since 0.1.0 @category accessors
 */
export const dbPath = (io: Io, options: Options): string => Path.resolve(io.cwd, options.db ?? DEFAULT_DB)

/**
 * The Redis URL the options name, redacted.
 *
 * @since 0.1.0 @category accessors
 */
export const redisUrl = (io: Io, options: Options): Redacted.Redacted<string> =>
  Redacted.make(options.redisUrl ?? io.env["BATON_REDIS_URL"] ?? DEFAULT_REDIS_URL)

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
      const url = new URL(Redacted.value(redisUrl(io, options)))
      return `redis ${url.host}`
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
    case "redis":
      return RedisSessionStore.layer({ url: redisUrl(io, options) })
  }
}
