/**
 * `baton run <scenario.json>`: reads a scenario file (core's `Scenario`:
 * scripted turns with expectations), plays it against the app with
 * `ScenarioPlayer.play` in the store the options name (memory unless told),
 * and prints the transcript with each turn's checks and a summary — or, with
 * `--json`, one JSON result for machines. Exit 0 when every expectation is
 * met and every handoff preserved its context, 1 otherwise (a turn whose
 * faults the app failed to inject included), 2 when the file cannot be read,
 * is not a scenario (each bad field named by its path) or has faults the
 * app's injector refuses (each named by its path, before any turn is played).
 * Card numbers and verification codes are masked in everything it prints,
 * the file's own turns included; the transcript writes control characters
 * as visible escapes, `--json` keeps them (escaped by JSON).
 *
 * A scenario keeps its session: played again against a persistent store, it
 * continues the stored conversation, so `--session` can give it a fresh id.
 *
 * @since 0.1.0
 */
import { BatonApp, Conversation, Scenario, Sensitive } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AppCommand from "../AppCommand.js"
import * as AppLoader from "../AppLoader.js"
import { ExitCode, type Io } from "../Io.js"
import * as ScenarioPlayer from "../ScenarioPlayer.js"
import * as JsonFile from "../sessions/JsonFile.js"
import * as StoreOptions from "../StoreOptions.js"
import * as Style from "../Style.js"
import * as TerminalText from "../TerminalText.js"
import * as Transcript from "../Transcript.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  ...AppCommand.AppOptions,
  ...StoreOptions.StoreOptions,
  transport: Schema.Literal(...BatonApp.transports),
  session: Schema.optionalWith(Schema.String, { exact: true }),
  user: Schema.optionalWith(Schema.String, { exact: true }),
  json: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  color: Schema.Boolean
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

const readScenario = (io: Io, file: string): Effect.Effect<Scenario.Scenario, JsonFile.BadFile> =>
  JsonFile.load(Scenario.Scenario, "a valid scenario", io.cwd, file, { strict: true })

const turnJson = (turn: ScenarioPlayer.PlayedTurn) => ({
  index: turn.index,
  text: turn.text,
  agent: turn.result.agent,
  reply: turn.result.reply,
  durationMs: turn.result.durationMs,
  version: turn.result.version,
  handoffs: turn.result.handoffs.map((handoff) => ({
    edge: ScenarioPlayer.edgeOf(handoff),
    from: handoff.from,
    to: handoff.to,
    mode: handoff.mode,
    reason: handoff.reason,
    success: handoff.success,
    contextPreserved: handoff.contextPreserved,
    executionTimeMs: handoff.executionTimeMs,
    errors: handoff.errors
  })),
  checks: turn.checks,
  passed: turn.checks.every((check) => check.met) && turn.result.handoffs.every((handoff) => handoff.contextPreserved),
  ...(turn.faults === undefined ? {} : { faults: turn.faults })
})

/**
 * The played scenario as one JSON value: the summary, each turn with its
 * handoffs and checks, and the failed turn if one failed. Text is kept as it
 * is (JSON escapes control characters) but card data is masked: the
 * scenario's own turns come from a file, not from a store that masked them.
 *
 * @since 0.1.0 @category printing
 */
export const asJson = (appName: string, store: string, played: ScenarioPlayer.Played) =>
  JSON.stringify(
    Sensitive.redact({
      app: appName,
      scenario: played.scenario.name,
      sessionId: played.scenario.sessionId,
      userId: played.scenario.userId,
      store,
      passed: played.summary.passed,
      summary: played.summary,
      turns: played.turns.map(turnJson),
      failure: Option.match(played.failure, {
        onNone: () => null,
        onSome: (failed) => ({ index: failed.index, text: failed.text, error: failed.error._tag, message: failed.error.message })
      })
    }),
    null,
    2
  )

/** @since 0.1.0 @category commands */
export const run = (file: string, options: Options, io: Io): Effect.Effect<number> => {
  const style = Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color && !options.json })
  const width = io.isTTY ? io.columns : undefined
  const print = (lines: ReadonlyArray<string>) => Effect.sync(() => io.write(`${lines.join("\n")}\n`))
  const quiet = () => Effect.void
  return Effect.gen(function*() {
    const storeProblem = StoreOptions.problem(io, options)
    if (storeProblem !== undefined) return yield* AppCommand.usage(io)({ message: storeProblem })
    const read = yield* readScenario(io, file)
    const scenario: Scenario.Scenario = {
      ...read,
      ...(options.session === undefined ? {} : { sessionId: options.session }),
      ...(options.user === undefined ? {} : { userId: options.user })
    }
    const { app, module } = yield* AppCommand.load(io, options)
    const layer = yield* AppLoader.layer(app, module, { transport: options.transport })
    const store = StoreOptions.describe(io, options)

    return yield* Effect.gen(function*() {
      // The faults' grammar is the app's injector's: they are checked once the app is up, before any turn.
      const problems = yield* ScenarioPlayer.invalidFaults(scenario)
      if (problems.length > 0) {
        return yield* AppCommand.usage(io)(new JsonFile.BadFile({ file, reason: "has faults the app cannot inject", problems }))
      }
      const conversation = yield* Conversation.Conversation
      const agentNames = new Map(conversation.agents.map((agent) => [agent.id, agent.name]))
      if (!options.json) {
        yield* print([...Transcript.header(app.name, scenario, style, options.transport), style.dim(`store ${store}`)])
        // Played again against a kept store, a scenario continues its session; say so, since expectations may differ.
        const existing = yield* Effect.option(conversation.session(scenario.sessionId, scenario.userId))
        const version = Option.map(Option.flatten(existing), (state) => state.version)
        if (Option.isSome(version)) {
          yield* print([
            style.yellow(`continuing the stored session ${TerminalText.inline(scenario.sessionId)} (version ${version.value})`)
          ])
        }
      }
      const played = yield* ScenarioPlayer.play(scenario, {
        onTurn: options.json
          ? quiet
          : (turn) => print(Transcript.turn(turn, { style, agentNames, ...(width === undefined ? {} : { width }) }))
      })
      if (options.json) yield* print([asJson(app.name, store, played)])
      else {
        if (Option.isSome(played.failure)) yield* print(Transcript.failure(played.failure.value, style))
        yield* print(Transcript.summary(played.summary, played.failure, style))
      }
      return played.summary.passed ? ExitCode.ok : ExitCode.failed
    }).pipe(
      Effect.provide(Layer.provide(layer, StoreOptions.layer(io, options))),
      Effect.catchAll((error) =>
        Effect.sync(() => {
          const reason = error instanceof Error ? error.message : String(error)
          io.writeError(
            `error: the app "${TerminalText.inline(app.name)}" or its session store failed to start: ${TerminalText.safe(reason)}\n`
          )
          return ExitCode.failed
        })
      )
    )
  }).pipe(
    Effect.catchTag("BadFile", AppCommand.usage(io)),
    AppCommand.exitCode(io, "the scenario")
  )
}

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the command on commander's parsed options (`program/Run` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (file: string, options: unknown, io: Io): Promise<number> =>
  Effect.runPromise(run(file, decodeOptions(options), io))
