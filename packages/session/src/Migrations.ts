/**
 * Stored session records carry a `schemaVersion`. A registry of migrations
 * upgrades an older record, one version at a time, when it is loaded; a record
 * of a version newer than this build understands is refused (the store then
 * reports it as `SessionCorrupted` and quarantines it — nothing is dropped).
 *
 * @example
 * import { Migrations } from "@baton/session"
 *
 * const upgraded = Migrations.upgrade(Migrations.builtin, { sessionId: "s-1", userId: "u-1" })
 * // Either.right({ schemaVersion: 1, sessionId: "s-1", userId: "u-1", agentStack: [], ... })
 *
 * @since 0.1.0
 */
import { SessionState } from "@baton/core"
import * as Either from "effect/Either"

/** @since 0.1.0 @category models */
export type JsonObject = { readonly [key: string]: unknown }

/**
 * Upgrades a record of version `from` to version `from + 1`.
 *
 * @since 0.1.0 @category models
 */
export interface Migration {
  readonly from: number
  readonly description: string
  readonly migrate: (record: JsonObject) => JsonObject
}

/** @since 0.1.0 @category models */
export interface Registry {
  /** The version records are upgraded to: the current `SessionState.SCHEMA_VERSION`. */
  readonly target: number
  readonly steps: ReadonlyMap<number, Migration>
}

/**
 * A registry from a list of migrations. Throws when two migrations start from
 * the same version or one starts at or past the target: both are programming
 * errors that must stop the process before it reads any record.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (migrations: ReadonlyArray<Migration>, target: number = SessionState.SCHEMA_VERSION): Registry => {
  const steps = new Map<number, Migration>()
  for (const migration of migrations) {
    if (!Number.isInteger(migration.from) || migration.from < 0 || migration.from >= target) {
      throw new Error(`Migration "${migration.description}" starts at version ${migration.from}, outside 0..${target - 1}.`)
    }
    if (steps.has(migration.from)) {
      throw new Error(`Two migrations start at version ${migration.from}.`)
    }
    steps.set(migration.from, migration)
  }
  return { target, steps }
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Version 0: records written before records were versioned. They have no
 * `schemaVersion` and may lack the fields added since (the agent stack,
 * workflows, cached results, preferences and search context), which start
 * empty.
 *
 * @since 0.1.0 @category migrations
 */
export const fromUnversioned: Migration = {
  from: 0,
  description: "unversioned record: add schemaVersion, default the agent stack, workflows, cache and context maps",
  migrate: (record) => {
    const context = record.context
    return {
      ...record,
      schemaVersion: 1,
      agentStack: record.agentStack ?? [],
      activeWorkflows: record.activeWorkflows ?? [],
      cachedResults: record.cachedResults ?? {},
      ...(isObject(context) ? { context: { preferences: {}, searchContext: {}, ...context } } : {})
    }
  }
}

/**
 * The migrations Baton ships.
 *
 * @since 0.1.0 @category constructors
 */
export const builtin: Registry = make([fromUnversioned])

/**
 * The record's schema version: 0 when it has none, a reason when it has one
 * that is not a version.
 *
 * @since 0.1.0 @category utils
 */
export const versionOf = (record: JsonObject): Either.Either<number, string> => {
  const version = record.schemaVersion
  if (version === undefined) return Either.right(0)
  return typeof version === "number" && Number.isInteger(version) && version >= 0
    ? Either.right(version)
    : Either.left(`its schemaVersion ${JSON.stringify(version)} is not a version number`)
}

/**
 * Upgrades a parsed record to the registry's target version, or says why it
 * cannot: not an object, an unknown (newer) version, a missing migration, or
 * a migration that threw.
 *
 * @since 0.1.0 @category utils
 */
export const upgrade = (registry: Registry, record: unknown): Either.Either<JsonObject, string> => {
  if (!isObject(record)) return Either.left("the record is not a JSON object")
  const version = versionOf(record)
  if (Either.isLeft(version)) return Either.left(version.left)
  if (version.right > registry.target) {
    return Either.left(
      `its schema version ${version.right} is newer than this build reads (up to ${registry.target}); ` +
        `upgrade Baton to read it`
    )
  }
  let current = record
  for (let from = version.right; from < registry.target; from++) {
    const step = registry.steps.get(from)
    if (step === undefined) return Either.left(`there is no migration from schema version ${from}`)
    try {
      current = step.migrate(current)
    } catch (error) {
      return Either.left(`the migration from schema version ${from} failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return Either.right(current)
}
