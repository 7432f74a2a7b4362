/**
 * The command-line options of the commands that keep sessions:
 * `--store memory|sqlite|redis`, `--db`, `--redis-url` and `--redis-node`.
 * Declarations only: which store they name, and what is wrong with them,
 * is the `StoreOptions` module beside `Program`.
 *
 * @since 0.2.0
 */
import { type Command, Option as CommandOption } from "commander"
import * as Path from "node:path"

/** @since 0.1.0 @category constants */
export const kinds = ["memory", "sqlite", "redis"] as const
/** @since 0.1.0 @category models */
export type Kind = typeof kinds[number]

/** @since 0.1.0 @category constants */
export const DEFAULT_DB = Path.join(".baton", "baton.db")
/** @since 0.1.0 @category constants */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
/** @since 0.2.0 @category constants */
export const CLUSTER_SCHEME = "redis+cluster://"

/**
 * Adds `--store`, `--db`, `--redis-url` and `--redis-node` to a command,
 * with `fallback` as the default store.
 *
 * @since 0.1.0 @category commands
 */
export const withStoreOptions = (command: Command, fallback: Kind): Command =>
  command
    .addOption(new CommandOption("--store <kind>", "where sessions are kept").choices(kinds).default(fallback))
    .option("--db <file>", `SQLite file for --store sqlite (default ${DEFAULT_DB})`)
    .option(
      "--redis-url <url>",
      `Redis for --store redis: redis://… or a cluster's ${CLUSTER_SCHEME}host:port,host:port (default $BATON_REDIS_URL, else ${DEFAULT_REDIS_URL})`
    )
    .option(
      "--redis-node <host:port>",
      "a Redis Cluster node for --store redis, repeated for each node to start from (password from $BATON_REDIS_PASSWORD)",
      (node: string, nodes: Array<string> | undefined) => [...(nodes ?? []), node]
    )
