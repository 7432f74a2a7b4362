/**
 * `baton chat [--session ID] [--user ID]`: a conversation with the app's
 * agents. On a terminal it is an ink UI (the conversation with agent names,
 * the handoff trail, the services panel, degradation notes, slash
 * commands); when stdin or stdout is not a terminal it reads lines and
 * writes plain lines, and ends at the end of its input. Sessions are kept
 * in SQLite by default, so `--session <id>` continues a conversation after
 * a restart. A session whose record cannot be read is restored from its
 * last good snapshot, and the chat says so. Exit 0 when the chat ended and
 * every turn was saved, 1 when a turn failed (its message was not saved;
 * the chat said so and went on) or the app, the store or the session could
 * not be started or restored, 2 when there is no app, the session belongs to
 * another user or its id is reserved for internal records.
 *
 * @since 0.1.0
 */
import { SessionManager } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import * as AppCommand from "../AppCommand.js"
import * as AppLoader from "../AppLoader.js"
import * as ChatEngine from "../chat/ChatEngine.js"
import * as Plain from "../chat/Plain.js"
import * as Recovery from "../chat/Recovery.js"
import { ExitCode, type Io } from "../Io.js"
import * as StoreOptions from "../StoreOptions.js"
import * as TerminalText from "../TerminalText.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  ...AppCommand.AppOptions,
  ...StoreOptions.StoreOptions,
  session: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  user: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true })
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

/**
 * Where the chat reads the user's lines.
 *
 * @since 0.1.0 @category models
 */
export interface Terminal {
  readonly input: NodeJS.ReadableStream
  /** Both ends are a terminal: the ink UI, else plain lines. */
  readonly interactive: boolean
}

/**
 * A fresh session id, `chat-` and eight hex digits.
 *
 * @since 0.1.0 @category constructors
 */
export const newSessionId = (): string => `chat-${randomBytes(4).toString("hex")}`

/**
 * `--user`, else `$USER`, else `guest`.
 *
 * @since 0.1.0 @category accessors
 */
export const userOf = (options: Options, io: Io): string => options.user ?? (io.env["USER"]?.trim() || "guest")

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * The options a `baton sessions` command needs to reach the store the chat
 * uses, for the commands the chat suggests. A Redis URL is never repeated:
 * it may hold a password.
 *
 * @since 0.2.0 @category accessors
 */
export const storeFlags = (options: StoreOptions.Options): string => {
  switch (options.store) {
    case "memory":
      return "--store memory"
    case "sqlite":
      return options.db === undefined ? "" : `--db ${Recovery.shellWord(options.db)}`
    case "redis": {
      // Nodes carry no password (it comes from the environment); a URL may.
      const nodes = (options.redisNode ?? []).map((node) => ` --redis-node ${Recovery.shellWord(node)}`).join("")
      return `--store redis${options.redisUrl === undefined ? "" : " --redis-url <url>"}${nodes}`
    }
  }
}

/** @since 0.1.0 @category commands */
export const run = (options: Options, io: Io, terminal: Terminal): Effect.Effect<number> =>
  Effect.gen(function*() {
    const storeProblem = StoreOptions.problem(io, options)
    if (storeProblem !== undefined) return yield* AppCommand.usage(io)({ message: storeProblem })
    const { app, module } = yield* AppCommand.load(io, options)
    const conversation = yield* AppLoader.layer(app, module, { transport: "in-process" })
    const services = Layer.mergeAll(conversation, SessionManager.layer).pipe(
      Layer.provideMerge(StoreOptions.layer(io, options))
    )
    const settings: ChatEngine.Options = {
      appName: app.name,
      sessionId: options.session ?? newSessionId(),
      userId: userOf(options, io),
      store: StoreOptions.describe(io, options),
      storeFlags: storeFlags(options)
    }
    return yield* Effect.gen(function*() {
      const engine = yield* ChatEngine.make(settings)
      // ink and React load only for a terminal: every other command starts without them.
      yield* Effect.promise(() =>
        terminal.interactive
          ? import("../chat/Tui.js").then((Tui) => Tui.run(engine))
          : Plain.run(engine, terminal.input, io.write)
      )
      // A chat that played a failed turn does not end as a success: a script
      // piping messages in must learn that one of them was not saved.
      const failed = engine.getState().failedTurns
      if (failed === 0) return ExitCode.ok as number
      io.writeError(`error: ${failed} turn${failed === 1 ? "" : "s"} failed; ${failed === 1 ? "its message was" : "their messages were"} not saved\n`)
      return ExitCode.failed
    }).pipe(
      Effect.scoped,
      Effect.provide(services),
      Effect.catchAll((error: unknown) => {
        // Someone else's session, or an id the store refuses, is the user's to fix.
        const tag = typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined
        return tag === "Forbidden" || tag === "InvalidTurn"
          ? AppCommand.usage(io)({ message: describe(error) })
          : Effect.sync(() => {
            io.writeError(`error: the chat could not start: ${TerminalText.safe(describe(error))}\n`)
            return ExitCode.failed
          })
      })
    )
  }).pipe(AppCommand.exitCode(io, "the chat"))

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the chat on commander's parsed options (`program/Chat` declares
 * them), reading `terminal`, and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (options: unknown, io: Io, terminal: Terminal): Promise<number> =>
  Effect.runPromise(run(decodeOptions(options), io, terminal))
