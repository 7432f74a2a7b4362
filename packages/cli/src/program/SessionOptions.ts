/**
 * The command-line options every `baton sessions` subcommand shares — the
 * user it acts for (`--user`, required), the store (SQLite unless told),
 * `--json` and `--no-color` — and the argument parsers that refuse a bad id
 * as a usage error before anything runs. Declarations only: running a
 * subcommand is `sessions/SessionOptions`.
 *
 * @since 0.2.0
 */
import { type Command, InvalidArgumentError } from "commander"
import { withStoreOptions } from "./StoreOptions.js"

/**
 * A commander argument parser refusing an empty id, so it is a usage error
 * before anything runs.
 *
 * @since 0.1.0 @category parsing
 */
export const nonEmptyId = (what: string) => (value: string): string => {
  if (value.trim() === "") throw new InvalidArgumentError(`the ${what} id must not be empty.`)
  return value
}

/**
 * A commander argument parser for snapshot ids: whole numbers from 1.
 *
 * @since 0.1.0 @category parsing
 */
export const snapshotId = (value: string): number => {
  const id = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError("a snapshot id is a whole number from 1 (see `baton sessions snapshots <id>`).")
  }
  return id
}

/**
 * Adds `--user`, the store options, `--json` (when the command prints
 * something a machine may read) and `--no-color`.
 *
 * @since 0.1.0 @category commands
 */
export const withSessionOptions = (command: Command, options: { readonly json: string | undefined }): Command => {
  const withUser = withStoreOptions(
    command.requiredOption("--user <id>", "the user the command acts for: only their own sessions are shown or changed", nonEmptyId("user")),
    "sqlite"
  )
  return (options.json === undefined ? withUser : withUser.option("--json", options.json))
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
}
