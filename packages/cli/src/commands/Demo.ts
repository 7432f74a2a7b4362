/**
 * `baton demo`: loads the app, builds its layer for the chosen transport
 * (`--transport in-process|stdio|http`: how the app reaches its tool
 * services), plays its demo scenario against an in-memory session store,
 * prints the transcript as it plays, and exits 0 when every expectation is
 * met and every handoff preserved its context, 1 otherwise, 2 when there is
 * no app or demo to play. Whatever the app started (child processes) is
 * stopped before the command returns.
 *
 * @since 0.1.0
 */
import { BatonApp, Conversation, SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AppCommand from "../AppCommand.js"
import * as AppLoader from "../AppLoader.js"
import { ExitCode, type Io } from "../Io.js"
import * as ScenarioPlayer from "../ScenarioPlayer.js"
import * as Style from "../Style.js"
import * as TerminalText from "../TerminalText.js"
import * as Transcript from "../Transcript.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  ...AppCommand.AppOptions,
  transport: Schema.Literal(...BatonApp.transports),
  color: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** @since 0.1.0 @category commands */
export const run = (options: Options, io: Io): Effect.Effect<number> => {
  const style = Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color })
  const width = io.isTTY ? io.columns : undefined
  const print = (lines: ReadonlyArray<string>) => Effect.sync(() => io.write(`${lines.join("\n")}\n`))
  return Effect.gen(function*() {
    const { app, module } = yield* AppCommand.load(io, options)
    if (app.demo === undefined) return yield* new AppLoader.AppLoadError({ module, reason: "the app has no demo scenario" })
    const scenario = app.demo
    const layer = yield* AppLoader.layer(app, module, { transport: options.transport })

    return yield* Effect.gen(function*() {
      const conversation = yield* Conversation.Conversation
      const agentNames = new Map(conversation.agents.map((agent) => [agent.id, agent.name]))
      yield* print(Transcript.header(app.name, scenario, style, options.transport))
      const played = yield* ScenarioPlayer.play(scenario, {
        onTurn: (turn) => print(Transcript.turn(turn, { style, agentNames, ...(width === undefined ? {} : { width }) }))
      })
      if (Option.isSome(played.failure)) yield* print(Transcript.failure(played.failure.value, style))
      yield* print(Transcript.summary(played.summary, played.failure, style))
      return played.summary.passed ? ExitCode.ok : ExitCode.failed
    }).pipe(
      Effect.provide(Layer.provide(layer, SessionStore.layerMemory)),
      Effect.catchAll((error) =>
        Effect.sync(() => {
          io.writeError(`error: the app "${TerminalText.inline(app.name)}" failed to start: ${TerminalText.safe(describe(error))}\n`)
          return ExitCode.failed
        })
      )
    )
  }).pipe(AppCommand.exitCode(io, "the demo"))
}

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the command on commander's parsed options (`program/Demo` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (options: unknown, io: Io): Promise<number> => Effect.runPromise(run(decodeOptions(options), io))
