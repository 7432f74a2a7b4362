/**
 * What every `baton sessions` subcommand shares: the user it acts for
 * (`--user`, required, because every operation is owner-checked), the store
 * (`--store`, SQLite unless told), `--json` and `--no-color`; and how the
 * session manager's errors become exit codes — an operation the store refused
 * (another user's session, a missing session or snapshot) is a failure (1), a
 * file that is not a session export is the user's to fix (2).
 *
 * @since 0.1.0
 */
import { type Errors, Ids } from "@baton/core"
import { SessionManager } from "@baton/session"
import { type Command, InvalidArgumentError } from "commander"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ExitCode, type Io } from "../Io.js"
import * as StoreOptions from "../StoreOptions.js"
import type { BadFile } from "./JsonFile.js"
import * as Style from "../Style.js"

/** @since 0.1.0 @category models */
export const SessionOptions = {
  ...StoreOptions.StoreOptions,
  user: Ids.UserId,
  json: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  color: Schema.Boolean
}
/** @since 0.1.0 @category models */
export interface Options extends StoreOptions.Options {
  readonly user: Ids.UserId
  readonly json: boolean
  readonly color: boolean
}

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
  const withUser = StoreOptions.withStoreOptions(
    command.requiredOption("--user <id>", "the user the command acts for: only their own sessions are shown or changed", nonEmptyId("user")),
    "sqlite"
  )
  return (options.json === undefined ? withUser : withUser.option("--json", options.json))
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
}

/** @since 0.1.0 @category accessors */
export const style = (io: Io, options: Options): Style.Style =>
  Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color && !options.json })

/** @since 0.1.0 @category accessors */
export const width = (io: Io): { readonly width?: number } =>
  io.isTTY && io.columns !== undefined ? { width: io.columns } : {}

/**
 * What a subcommand can fail with; each is reported as `error: <message>`.
 *
 * @since 0.1.0 @category errors
 */
export type Failure =
  | Errors.Forbidden
  | Errors.SessionNotFound
  | Errors.SnapshotNotFound
  | Errors.SessionCorrupted
  | Errors.SessionStoreError
  | Errors.SessionConflict
  | Errors.LeaseLost
  | SessionManager.SessionExists
  | SessionManager.InvalidSession
  | SessionManager.InvalidSessionExport
  | BadFile

const codeOf = (failure: Failure): number => {
  switch (failure._tag) {
    case "InvalidSessionExport":
    case "BadFile":
      return ExitCode.usage
    default:
      return ExitCode.failed
  }
}

const messageOf = (failure: Failure): string =>
  failure._tag === "SessionExists"
    ? `session "${failure.sessionId}" already exists; pass --overwrite to replace it with the export (as its next version).`
    : failure.message

/**
 * Runs `body` with a session manager over the store the options name, and
 * turns its failures into `error: <message>` and an exit code.
 *
 * @since 0.1.0 @category running
 */
export const withManager = (
  io: Io,
  options: StoreOptions.Options,
  body: Effect.Effect<number, Failure, SessionManager.SessionManager>
): Effect.Effect<number> =>
  body.pipe(
    Effect.provide(Layer.provide(SessionManager.layer, StoreOptions.layer(io, options))),
    Effect.catchAll((failure) =>
      Effect.sync(() => {
        io.writeError(`error: ${messageOf(failure)}\n`)
        return codeOf(failure)
      })
    ),
    Effect.catchAllDefect((defect) =>
      Effect.sync(() => {
        io.writeError(`error: the sessions command crashed: ${defect instanceof Error ? defect.message : String(defect)}\n`)
        return ExitCode.failed
      })
    )
  )
