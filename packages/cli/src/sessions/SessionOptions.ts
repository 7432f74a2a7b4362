/**
 * What every `baton sessions` subcommand shares when it runs: the user it
 * acts for (`--user`, required, because every operation is owner-checked),
 * the store (`--store`, SQLite unless told), `--json` and `--no-color`, as
 * `program/SessionOptions` declares them; and how the session manager's
 * errors become exit codes — an operation the store refused (another user's
 * session, a missing session or snapshot) is a failure (1), a file that is
 * not a session export or an unconfirmed deletion is the user's to fix (2).
 * Errors are one `error: <message>` line, stored text in it made safe for
 * the terminal (`TerminalText`); where core's message says what to do in
 * general, the line ends with the command that does it.
 *
 * @since 0.1.0
 */
import { type Errors, Ids } from "@baton/core"
import { SessionManager } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ExitCode, type Io } from "../Io.js"
import * as StoreOptions from "../StoreOptions.js"
import * as Style from "../Style.js"
import * as TerminalText from "../TerminalText.js"
import type { BadFile } from "./JsonFile.js"
import type { InternalRecord, NotConfirmed, StillUnreadable } from "./Refusal.js"

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
  | Errors.QuarantinedRecordNotFound
  | SessionManager.SessionExists
  | SessionManager.InvalidSession
  | SessionManager.InvalidSessionExport
  | BadFile
  | InternalRecord
  | NotConfirmed
  | StillUnreadable

const codeOf = (failure: Failure): number => {
  switch (failure._tag) {
    case "InvalidSessionExport":
    case "BadFile":
    case "NotConfirmed":
      return ExitCode.usage
    default:
      return ExitCode.failed
  }
}

// Core's messages say what to do in general; here is the command that does it.
const messageOf = (failure: Failure, userId: Ids.UserId): string => {
  const as = `--user ${userId}`
  switch (failure._tag) {
    case "SessionExists":
      return `session "${failure.sessionId}" already exists; pass --overwrite to replace it with the export (as its next version).`
    case "SessionCorrupted": {
      const id = failure.sessionId
      return `${failure.message} \`baton sessions snapshots ${id} ${as}\` lists its snapshots and ` +
        `\`baton sessions restore ${id} <n> ${as}\` restores one; \`baton sessions quarantine list ${id} ${as}\` ` +
        `shows what was kept; \`baton sessions delete ${id} ${as} --yes\` deletes the session.`
    }
    case "SnapshotNotFound":
      return `${failure.message} \`baton sessions snapshots ${failure.sessionId} ${as}\` lists them.`
    case "QuarantinedRecordNotFound":
      return `${failure.message} \`baton sessions quarantine list ${failure.sessionId} ${as}\` lists them.`
    default:
      return failure.message
  }
}

/**
 * Runs `body` with a session manager over the store the options name, and
 * turns its failures into `error: <message>` and an exit code.
 *
 * @since 0.1.0 @category running
 */
export const withManager = (
  io: Io,
  options: Options,
  body: Effect.Effect<number, Failure, SessionManager.SessionManager>
): Effect.Effect<number> => {
  const storeProblem = StoreOptions.problem(io, options)
  if (storeProblem !== undefined) {
    return Effect.sync(() => {
      io.writeError(`error: ${TerminalText.safe(storeProblem)}\n`)
      return ExitCode.usage
    })
  }
  return body.pipe(
    Effect.provide(Layer.provide(SessionManager.layer, StoreOptions.layer(io, options))),
    Effect.catchAll((failure) =>
      Effect.sync(() => {
        io.writeError(`error: ${TerminalText.safe(messageOf(failure, options.user))}\n`)
        return codeOf(failure)
      })
    ),
    Effect.catchAllDefect((defect) =>
      Effect.sync(() => {
        const reason = defect instanceof Error ? defect.message : String(defect)
        io.writeError(`error: the sessions command crashed: ${TerminalText.safe(reason)}\n`)
        return ExitCode.failed
      })
    )
  )
}
