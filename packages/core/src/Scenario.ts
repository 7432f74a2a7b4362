/**
 * A scripted conversation: the turns a user sends and, per turn, what is
 * expected (the agent that answers, the handoffs, words in the reply). The
 * TripSage demo is a scenario; `baton run` plays scenario files. A turn may
 * name its own session: the same user coming back in a new session, e.g. to
 * show what the app remembers across sessions.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category schemas */
export const Expectation = Schema.Struct({
  agent: Schema.optional(Schema.String),
  /** Handoffs in the turn as `"from->to"`, in order. */
  handoffs: Schema.optional(Schema.Array(Schema.String)),
  replyContains: Schema.optional(Schema.Array(Schema.String))
})
/** @since 0.1.0 @category models */
export type Expectation = typeof Expectation.Type

/** @since 0.1.0 @category schemas */
export const Turn = Schema.Struct({
  text: Schema.String.pipe(Schema.nonEmptyString()),
  expect: Schema.optional(Expectation),
  /**
   * Faults to inject into the app's tool services for this turn only, as
   * testkit fault specs by service name (e.g. `{ weather: "error:rpc(-32050)@1" }`):
   * the runner sets them through the app's `BatonApp.FaultInjector` before the
   * turn and clears them after it. Runners check them against the injector
   * before playing any turn (`faultProblems`), and a turn whose faults are not
   * injected fails. Ignored by apps that provide no injector.
   */
  faults: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /**
   * The session this turn is sent in, when not the scenario's: the scenario's
   * user starts (or continues) that session. Later turns without one go back
   * to the scenario's session.
   */
  sessionId: Schema.optional(Schema.String.pipe(Schema.nonEmptyString()))
})
/** @since 0.1.0 @category models */
export type Turn = typeof Turn.Type

/** @since 0.1.0 @category schemas */
export const Scenario = Schema.Struct({
  name: Schema.String,
  userId: Schema.String.pipe(Schema.nonEmptyString()),
  sessionId: Schema.String.pipe(Schema.nonEmptyString()),
  turns: Schema.NonEmptyArray(Turn)
})
/** @since 0.1.0 @category models */
export type Scenario = typeof Scenario.Type

/**
 * The session a turn is sent in.
 *
 * @since 0.1.0 @category accessors
 */
export const sessionOf = (scenario: Scenario, turn: Turn): string => turn.sessionId ?? scenario.sessionId

/**
 * The scenario's sessions in the order they are first used.
 *
 * @since 0.1.0 @category accessors
 */
export const sessions = (scenario: Scenario): Array<string> => [
  ...new Set(scenario.turns.map((turn) => sessionOf(scenario, turn)))
]

/**
 * The turns played in one of the scenario's sessions (by default its own), in
 * order: what a load run's virtual user replays in a session of its own.
 *
 * @since 0.1.0 @category accessors
 */
export const turnsIn = (scenario: Scenario, sessionId: string = scenario.sessionId): Array<Turn> =>
  scenario.turns.filter((turn) => sessionOf(scenario, turn) === sessionId)

/**
 * Each of the scenario's turn faults that `validate` refuses, as
 * `path: reason` with the path as a scenario file spells it
 * (`turns[2].faults.weather: …`), in the order of the turns.
 *
 * @since 0.2.0 @category validation
 */
export const faultProblems = (
  scenario: Scenario,
  validate: (service: string, spec: string) => Either.Either<void, { readonly reason: string }>
): Array<string> =>
  scenario.turns.flatMap((turn, index) =>
    Object.entries(turn.faults ?? {}).flatMap(([service, spec]) => {
      const checked = validate(service, spec)
      return Either.isLeft(checked) ? [`turns[${index}].faults.${service}: ${checked.left.reason}`] : []
    })
  )
