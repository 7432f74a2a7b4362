/**
 * `baton sessions list|show|snapshots|restore|merge|export|import|delete` and
 * `baton sessions quarantine list|show|release`: a user's stored sessions
 * through `SessionManager`, in the store the options name (`--store sqlite`
 * and `.baton/baton.db` unless told). Every subcommand acts for `--user` and
 * is owner-checked: another user's session is refused with the manager's
 * `Forbidden` message and exit 1, as is a missing session or snapshot; a file
 * that is not a session export is a usage error (2).
 *
 * Internal records (a user's preference profile, `profile:<user>`) are no
 * conversations: they are not listed, `show` refuses them, and every other
 * user gets `Forbidden` for them whether they exist or not. Their owner may
 * still export, import, snapshot and delete them.
 *
 * **Recovery.** A session whose record cannot be read is kept in quarantine
 * by the store; the error says which commands recover it. Its snapshots are
 * still listed (`snapshots`) and restored (`restore <id> <n>`).
 * `delete <id> --yes` removes a session and everything the store holds of it
 * — events, snapshots, quarantined records — even when none of it reads; it
 * asks nothing, and without `--yes` it deletes nothing (exit 2).
 * `quarantine list <id>` lists the records kept, `quarantine show <id> <n>`
 * shows one (its reason and its text as stored, control characters as
 * visible escapes), and `quarantine release <id> <n>` puts a record that now
 * reads — one quarantined for a schema version this build understands since
 * an upgrade, say — back as the session's next version, keeping the session
 * it replaces as a snapshot first when that one reads; a record that still
 * does not read is refused and stays. `quarantine release <id> <n> --drop`
 * removes a record from quarantine for good instead.
 *
 * Stored text is written through `TerminalText`; `--json` keeps it intact,
 * card data masked.
 *
 * @since 0.1.0
 */
import { Errors, Ids, ReservedSession, Sensitive, type SessionState } from "@baton/core"
import { SessionManager } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { writeFileSync } from "node:fs"
import * as Path from "node:path"
import * as AppCommand from "../AppCommand.js"
import { ExitCode, type Io } from "../Io.js"
import * as TerminalText from "../TerminalText.js"
import * as AgentNames from "../sessions/AgentNames.js"
import * as JsonFile from "../sessions/JsonFile.js"
import * as Refusal from "../sessions/Refusal.js"
import * as Render from "../sessions/Render.js"
import { type Failure, SessionOptions, style, width, withManager } from "../sessions/SessionOptions.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct(SessionOptions)
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

/** @since 0.1.0 @category models */
export const ShowOptions = Schema.Struct({ ...SessionOptions, ...AppCommand.AppOptions })
/** @since 0.1.0 @category models */
export type ShowOptions = typeof ShowOptions.Type

/** @since 0.1.0 @category models */
export const MergeOptions = Schema.Struct({ ...SessionOptions, fromSnapshot: Schema.optionalWith(Schema.Number, { exact: true }) })
/** @since 0.1.0 @category models */
export type MergeOptions = typeof MergeOptions.Type

/** @since 0.1.0 @category models */
export const ExportOptions = Schema.Struct({ ...SessionOptions, out: Schema.optionalWith(Schema.String, { exact: true }) })
/** @since 0.1.0 @category models */
export type ExportOptions = typeof ExportOptions.Type

/** @since 0.1.0 @category models */
export const ImportOptions = Schema.Struct({ ...SessionOptions, overwrite: Schema.optionalWith(Schema.Boolean, { default: () => false }) })
/** @since 0.1.0 @category models */
export type ImportOptions = typeof ImportOptions.Type

/** @since 0.2.0 @category models */
export const DeleteOptions = Schema.Struct({ ...SessionOptions, yes: Schema.optionalWith(Schema.Boolean, { default: () => false }) })
/** @since 0.2.0 @category models */
export type DeleteOptions = typeof DeleteOptions.Type

/** @since 0.2.0 @category models */
export const ReleaseOptions = Schema.Struct({ ...SessionOptions, drop: Schema.optionalWith(Schema.Boolean, { default: () => false }) })
/** @since 0.2.0 @category models */
export type ReleaseOptions = typeof ReleaseOptions.Type

const manager = SessionManager.SessionManager

const print = (io: Io, lines: ReadonlyArray<string>) => Effect.sync(() => io.write(`${lines.join("\n")}\n`))

// Text intact, card data masked (stored text may predate masking).
const printJson = (io: Io, value: unknown) => print(io, [JSON.stringify(Sensitive.redact(value), null, 2)])

const ok = Effect.as(ExitCode.ok as number)

/** The session for its owner, or `SessionNotFound`. */
const owned = (sessionId: Ids.SessionId, userId: Ids.UserId) =>
  Effect.flatMap(manager, (sessions) => sessions.restoreSession(sessionId, userId)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail<Failure>(new Errors.SessionNotFound({ sessionId })),
      onSome: (state) => Effect.succeed(state)
    }))
  )

/** @since 0.1.0 @category commands */
export const list = (options: Options, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const sessions = yield* manager
      const summaries = yield* sessions.listSessions(options.user)
      const listed = yield* Effect.forEach(summaries, (summary): Effect.Effect<Render.Listed, Failure> =>
        summary.status === "corrupted"
          ? Effect.succeed({ sessionId: summary.sessionId, status: "corrupted" })
          : Effect.map(sessions.restoreSession(summary.sessionId, options.user), (state) => ({
            sessionId: summary.sessionId,
            status: "ok",
            agent: summary.currentAgent ?? null,
            turns: Option.match(state, { onNone: () => 0, onSome: Render.turnsOf }),
            version: summary.version ?? 0,
            updated: summary.lastActivity ?? 0
          })))
      if (options.json) return yield* ok(printJson(io, listed))
      return yield* ok(print(io, Render.list(options.user, listed, { style: style(io, options), ...width(io) })))
    })
  )

/** @since 0.1.0 @category commands */
export const show = (sessionId: string, options: ShowOptions, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const id = Ids.sessionId(sessionId)
      // Its owner is told what it is; anyone else gets the manager's Forbidden.
      if (ReservedSession.isReserved(id) && ReservedSession.mayHold(id, options.user)) {
        return yield* new Refusal.InternalRecord({ sessionId: id, userId: options.user })
      }
      const state = yield* owned(id, options.user)
      if (options.json) return yield* ok(printJson(io, state))
      const names = yield* AgentNames.load(io, options)
      // Only an app asked for by name is worth a word when it cannot be had.
      if (names.unavailable !== undefined && options.app !== undefined) {
        io.writeError(`note: agents are shown by id: ${names.unavailable}\n`)
      }
      return yield* ok(print(io, Render.show(state, { style: style(io, options), agentNames: names.names })))
    })
  )

/** @since 0.1.0 @category commands */
export const snapshots = (sessionId: string, options: Options, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const taken = yield* Effect.flatMap(manager, (sessions) => sessions.snapshots(Ids.sessionId(sessionId), options.user))
      if (options.json) return yield* ok(printJson(io, taken))
      return yield* ok(print(io, Render.snapshots(sessionId, taken, { style: style(io, options), ...width(io) })))
    })
  )

const summaryJson = (state: SessionState.SessionState) => ({
  sessionId: state.sessionId,
  userId: state.userId,
  version: state.version,
  agent: state.currentAgent,
  turns: Render.turnsOf(state),
  messages: state.context.history.length
})

/** @since 0.1.0 @category commands */
export const restore = (sessionId: string, snapshot: number, options: Options, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const state = yield* Effect.flatMap(manager, (sessions) =>
        sessions.restoreToSnapshot(Ids.sessionId(sessionId), options.user, snapshot))
      if (options.json) return yield* ok(printJson(io, { ...summaryJson(state), snapshot }))
      return yield* ok(print(io, Render.restored(snapshot, state)))
    })
  )

/** @since 0.1.0 @category commands */
export const merge = (sessionId: string, otherId: string, options: MergeOptions, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const sessions = yield* manager
      const other = options.fromSnapshot === undefined
        ? { sessionId: Ids.sessionId(otherId) }
        : { sessionId: Ids.sessionId(otherId), snapshotId: options.fromSnapshot }
      const result = yield* sessions.merge(options.user, { sessionId: Ids.sessionId(sessionId) }, other)
      const sides = { a: sessionId, b: options.fromSnapshot === undefined ? otherId : `${otherId}#${options.fromSnapshot}` }
      if (options.json) {
        return yield* ok(printJson(io, {
          ...summaryJson(result.state),
          merged: sides.b,
          winner: result.winner === "a" ? sides.a : sides.b,
          added: { [sides.a]: result.added.fromA, [sides.b]: result.added.fromB },
          duplicates: result.duplicates,
          conflicts: result.conflicts.map((conflict) => ({ ...conflict, kept: conflict.kept === "a" ? sides.a : sides.b }))
        }))
      }
      return yield* ok(print(io, Render.merged(result, sides, { style: style(io, options), ...width(io) })))
    })
  )

const writeFile = (io: Io, file: string, text: string) =>
  Effect.try({
    try: () => writeFileSync(Path.resolve(io.cwd, file), text),
    catch: (cause) => new JsonFile.BadFile({ file, reason: `cannot be written (${(cause as NodeJS.ErrnoException).code ?? String(cause)})` })
  })

const decodeEvents = Schema.decodeUnknownSync(Schema.Struct({ events: Schema.Array(Schema.Unknown) }))

/** @since 0.1.0 @category commands */
export const exportSession = (sessionId: string, options: ExportOptions, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const json = yield* Effect.flatMap(manager, (sessions) => sessions.exportSession(Ids.sessionId(sessionId), options.user))
      const parsed: unknown = JSON.parse(json)
      // The manager's JSON is compact; people read exports, so it is indented.
      const text = `${JSON.stringify(parsed, null, 2)}\n`
      if (options.out === undefined) return yield* ok(Effect.sync(() => io.write(text)))
      yield* writeFile(io, options.out, text)
      const { events } = decodeEvents(parsed)
      return yield* ok(print(io, [`Exported session ${TerminalText.inline(sessionId)} (${events.length} events) to ${options.out}.`]))
    })
  )

/** @since 0.1.0 @category commands */
export const importSession = (file: string, options: ImportOptions, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const json = yield* JsonFile.read(io.cwd, file)
      // The manager validates too; checking first names each bad field by its path.
      yield* JsonFile.parse(SessionManager.SessionExport, "a Baton session export", file, json, {
        maxDepth: SessionManager.EXPORT_MAX_DEPTH
      })
      const state = yield* Effect.flatMap(manager, (sessions) =>
        sessions.importSession(json, { userId: options.user, overwrite: options.overwrite }))
      if (options.json) return yield* ok(printJson(io, summaryJson(state)))
      return yield* ok(print(io, [
        `Imported session ${TerminalText.inline(state.sessionId)} for user ${TerminalText.inline(state.userId)}: ` +
        `version ${state.version}, ${Render.count(Render.turnsOf(state), "turn")}, ` +
        `${Render.count(state.context.history.length, "message")}.`
      ]))
    })
  )

/** @since 0.2.0 @category commands */
export const deleteSession = (sessionId: string, options: DeleteOptions, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const id = Ids.sessionId(sessionId)
      if (!options.yes) return yield* new Refusal.NotConfirmed({ sessionId: id })
      yield* Effect.flatMap(manager, (sessions) => sessions.deleteSession(id, options.user))
      if (options.json) return yield* ok(printJson(io, { sessionId, deleted: true }))
      return yield* ok(print(io, Render.deleted(sessionId)))
    })
  )

/** @since 0.2.0 @category commands */
export const quarantineList = (sessionId: string, options: Options, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const entries = yield* Effect.flatMap(manager, (sessions) => sessions.quarantined(Ids.sessionId(sessionId), options.user))
      if (options.json) return yield* ok(printJson(io, entries))
      return yield* ok(print(io, Render.quarantined(sessionId, entries, { style: style(io, options), ...width(io) })))
    })
  )

/** @since 0.2.0 @category commands */
export const quarantineShow = (sessionId: string, quarantineId: number, options: Options, io: Io): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const id = Ids.sessionId(sessionId)
      const entries = yield* Effect.flatMap(manager, (sessions) => sessions.quarantined(id, options.user))
      const entry = entries.find((candidate) => candidate.id === quarantineId)
      if (entry === undefined) return yield* new Errors.QuarantinedRecordNotFound({ sessionId: id, quarantineId })
      if (options.json) return yield* ok(printJson(io, entry))
      return yield* ok(print(io, Render.quarantinedRecord(entry, { style: style(io, options) })))
    })
  )

/** @since 0.2.0 @category commands */
export const quarantineRelease = (
  sessionId: string,
  quarantineId: number,
  options: ReleaseOptions,
  io: Io
): Effect.Effect<number> =>
  withManager(
    io,
    options,
    Effect.gen(function*() {
      const id = Ids.sessionId(sessionId)
      const sessions = yield* manager
      if (options.drop) {
        yield* sessions.dropQuarantined(id, options.user, quarantineId)
        if (options.json) return yield* ok(printJson(io, { sessionId, quarantineId, dropped: true }))
        return yield* ok(print(io, Render.dropped(sessionId, quarantineId)))
      }
      const state = yield* sessions.releaseQuarantined(id, options.user, quarantineId).pipe(
        Effect.catchTag("SessionCorrupted", (corrupted) =>
          Effect.fail(new Refusal.StillUnreadable({ sessionId: id, quarantineId, reason: corrupted.reason })))
      )
      if (options.json) return yield* ok(printJson(io, { ...summaryJson(state), released: quarantineId }))
      return yield* ok(print(io, Render.released(quarantineId, state)))
    })
  )

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownSync(schema)

/**
 * Each subcommand run on commander's parsed arguments and options
 * (`program/Sessions` declares them), giving its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = {
  list: (options: unknown, io: Io): Promise<number> => Effect.runPromise(list(decode(Options)(options), io)),
  show: (id: string, options: unknown, io: Io): Promise<number> => Effect.runPromise(show(id, decode(ShowOptions)(options), io)),
  snapshots: (id: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(snapshots(id, decode(Options)(options), io)),
  restore: (id: string, snapshot: number, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(restore(id, snapshot, decode(Options)(options), io)),
  merge: (id: string, otherId: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(merge(id, otherId, decode(MergeOptions)(options), io)),
  exportSession: (id: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(exportSession(id, decode(ExportOptions)(options), io)),
  importSession: (file: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(importSession(file, decode(ImportOptions)(options), io)),
  deleteSession: (id: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(deleteSession(id, decode(DeleteOptions)(options), io)),
  quarantineList: (id: string, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(quarantineList(id, decode(Options)(options), io)),
  quarantineShow: (id: string, entry: number, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(quarantineShow(id, entry, decode(Options)(options), io)),
  quarantineRelease: (id: string, entry: number, options: unknown, io: Io): Promise<number> =>
    Effect.runPromise(quarantineRelease(id, entry, decode(ReleaseOptions)(options), io))
}
