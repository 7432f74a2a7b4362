/**
 * A durable `SessionStore` in one SQLite file (better-sqlite3, WAL mode), for
 * one machine: one process or several sharing the file.
 *
 * Each commit is one `BEGIN IMMEDIATE` transaction: fencing-token check,
 * version compare-and-set, the state row, the appended events and, when asked
 * for, a snapshot. Expiry follows the Effect `Clock`: a session's rows live
 * `ttl` after its last commit, expired sessions are removed when touched and
 * when the store opens. Quarantined records stay until the session is deleted.
 *
 * @example
 * import { SqliteSessionStore } from "@baton/session"
 *
 * // The CLI's default: .baton/baton.db under the working directory.
 * const StoreLive = SqliteSessionStore.layer({ filename: SqliteSessionStore.defaultFilename })
 *
 * @since 0.1.0
 */
import { Errors, SessionStore } from "@baton/core"
import Database from "better-sqlite3"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import * as sqlite from "./internal/sqlite.js"
import * as store from "./internal/store.js"
import * as Migrations from "./Migrations.js"

/**
 * Where the CLI keeps its sessions, relative to the working directory.
 *
 * @since 0.1.0 @category constants
 */
export const defaultFilename = ".baton/baton.db"

/** @since 0.1.0 @category models */
export interface Options {
  /** The database file; its folder is created when missing. Default `.baton/baton.db`. */
  readonly filename?: string
  /** How long a session lives after its last commit. Default 24 hours. */
  readonly ttl?: Duration.DurationInput
  /** The record migrations. Default `Migrations.builtin`. */
  readonly migrations?: Migrations.Registry
}

const failure = (operation: string, filename: string, cause: unknown) =>
  new Errors.SessionStoreError({
    operation,
    reason: `SQLite database ${filename}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * Opens (creating when missing) the database file with the store's tables,
 * and closes it when the scope closes.
 *
 * @since 0.1.0 @category constructors
 */
export const open = (filename: string = defaultFilename): Effect.Effect<Database.Database, Errors.SessionStoreError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        if (filename !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true })
        const db = new Database(filename)
        try {
          sqlite.prepareTables(db)
        } catch (error) {
          db.close()
          throw error
        }
        return db
      },
      catch: (cause) => failure("open", filename, cause)
    }),
    (db) => Effect.sync(() => db.close())
  )

/**
 * A store over an open database (see `open`); removes expired sessions first.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (
  db: Database.Database,
  options?: Omit<Options, "filename">
): Effect.Effect<SessionStore.Service, Errors.SessionStoreError> =>
  Effect.gen(function*() {
    const { backend, purgeExpired } = sqlite.makeBackend(db, {
      ttlMs: Duration.toMillis(Duration.decode(options?.ttl ?? SessionStore.DEFAULT_TTL))
    })
    const now = yield* Clock.currentTimeMillis
    yield* Effect.try({ try: () => purgeExpired(now), catch: (cause) => failure("purge", db.name, cause) })
    return store.make(backend, { migrations: options?.migrations ?? Migrations.builtin })
  })

/**
 * The store in a database file, open for the layer's lifetime.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (options?: Options): Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError> =>
  Layer.scoped(SessionStore.SessionStore, Effect.flatMap(open(options?.filename), (db) => make(db, options)))
