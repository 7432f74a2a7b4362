/**
 * Plays a `Scenario` against a `Conversation`: sends each turn (in its own
 * session when it names one, as the scenario's user), checks the turn's
 * expectations, and returns what happened as data for printers and tests. A
 * turn that fails stops the play; the result says where and why.
 *
 * A turn's faults are set through the app's `BatonApp.FaultInjector` before
 * it is sent and cleared after it. A fault that cannot be set fails the turn
 * (it is not sent, and is never shown as injected); faults that cannot be
 * cleared stop the play. `invalidFaults` checks them all before anything is
 * played.
 *
 * @example
 * ```ts
 * import { Conversation, type Scenario } from "@baton/core"
 * import { ScenarioPlayer } from "@baton/cli"
 * import * as Effect from "effect/Effect"
 *
 * declare const scenario: Scenario.Scenario
 * const played: Effect.Effect<ScenarioPlayer.Played, never, Conversation.Conversation> = ScenarioPlayer.play(scenario)
 * ```
 *
 * @since 0.1.0
 */
import { BatonApp, Conversation, type Errors, type HandoffResult, Scenario } from "@baton/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category models */
export interface Check {
  readonly expectation: "agent" | "handoffs" | "replyContains"
  readonly expected: string
  readonly actual: string
  readonly met: boolean
}

/** @since 0.1.0 @category models */
export interface PlayedTurn {
  /** 1-based. */
  readonly index: number
  readonly text: string
  readonly sessionId: string
  readonly userId: string
  /** The turn moved to another session than the previous turn's (never for the first turn). */
  readonly newSession: boolean
  readonly result: Conversation.TurnResult
  readonly checks: ReadonlyArray<Check>
  /** The faults injected for the turn, by service, when it carried any and the app can inject them. */
  readonly faults?: Readonly<Record<string, string>>
}

/**
 * A turn's fault could not be set: the turn was not sent.
 *
 * @since 0.2.0 @category errors
 */
export class FaultNotInjected extends Schema.TaggedError<FaultNotInjected>("@baton/cli/ScenarioPlayer/FaultNotInjected")(
  "FaultNotInjected",
  { service: Schema.String, spec: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `the fault ${JSON.stringify(this.spec)} could not be injected into ${this.service} (${this.reason}); ` +
      "the turn was not sent"
  }
}

/**
 * A turn's faults could not be cleared after it: later turns would run with
 * them, so the play stops.
 *
 * @since 0.2.0 @category errors
 */
export class FaultNotCleared extends Schema.TaggedError<FaultNotCleared>("@baton/cli/ScenarioPlayer/FaultNotCleared")(
  "FaultNotCleared",
  { service: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `the faults injected into ${this.service} for this turn could not be cleared (${this.reason}); ` +
      "the play stops, since later turns would run with them"
  }
}

/**
 * Why a turn failed: the conversation refused or failed it, or its faults
 * could not be set or cleared.
 *
 * @since 0.2.0 @category models
 */
export type TurnFailure = Errors.TurnError | FaultNotInjected | FaultNotCleared

/** @since 0.1.0 @category models */
export interface FailedTurn {
  readonly index: number
  readonly text: string
  readonly sessionId: string
  readonly error: TurnFailure
}

/** @since 0.1.0 @category models */
export interface Summary {
  readonly turns: number
  /** Handoffs that completed. */
  readonly handoffs: number
  readonly refused: number
  /** Delegations: handoffs that pushed the caller on the agent stack. */
  readonly nested: number
  readonly contextsPreserved: boolean
  readonly expectationsMet: number
  readonly expectations: number
  readonly durationMs: number
  /** Every expectation met, every handoff's context preserved, no turn failed. */
  readonly passed: boolean
}

/** @since 0.1.0 @category models */
export interface Played {
  readonly scenario: Scenario.Scenario
  /** Agent names by id, for printing. */
  readonly agentNames: ReadonlyMap<string, string>
  readonly turns: ReadonlyArray<PlayedTurn>
  readonly failure: Option.Option<FailedTurn>
  readonly summary: Summary
}

/** @since 0.1.0 @category models */
export interface Options {
  /** Called as each turn completes, to print while the scenario plays. */
  readonly onTurn?: (turn: PlayedTurn) => Effect.Effect<void>
}

/**
 * A handoff as scenarios write it, `"from->to"`; a refused one is written
 * `"from->to (refused)"`.
 *
 * @since 0.1.0 @category accessors
 */
export const edgeOf = (handoff: HandoffResult.HandoffResult): string =>
  `${handoff.from}->${handoff.to}${handoff.success ? "" : " (refused)"}`

/**
 * The turn's expectations, each checked against the result. Words expected in
 * the reply match case-insensitively in the turn's last agent message.
 *
 * @since 0.1.0 @category checks
 */
export const check = (expect: Scenario.Expectation | undefined, result: Conversation.TurnResult): Array<Check> => {
  const checks: Array<Check> = []
  if (expect?.agent !== undefined) {
    checks.push({ expectation: "agent", expected: expect.agent, actual: result.agent, met: expect.agent === result.agent })
  }
  if (expect?.handoffs !== undefined) {
    const expected = expect.handoffs.join(", ")
    const actual = result.handoffs.map(edgeOf).join(", ")
    checks.push({ expectation: "handoffs", expected: expected || "none", actual: actual || "none", met: expected === actual })
  }
  const reply = result.reply.toLowerCase()
  for (const words of expect?.replyContains ?? []) {
    checks.push({ expectation: "replyContains", expected: words, actual: result.reply, met: reply.includes(words.toLowerCase()) })
  }
  return checks
}

/** @since 0.1.0 @category checks */
export const summarise = (
  turns: ReadonlyArray<PlayedTurn>,
  failure: Option.Option<FailedTurn>,
  durationMs: number
): Summary => {
  const handoffs = turns.flatMap((turn) => turn.result.handoffs)
  const completed = handoffs.filter((handoff) => handoff.success)
  const checks = turns.flatMap((turn) => turn.checks)
  const expectationsMet = checks.filter((check) => check.met).length
  const contextsPreserved = handoffs.every((handoff) => handoff.contextPreserved)
  return {
    turns: turns.length,
    handoffs: completed.length,
    refused: handoffs.length - completed.length,
    nested: completed.filter((handoff) => handoff.mode === "delegate").length,
    contextsPreserved,
    expectationsMet,
    expectations: checks.length,
    durationMs,
    passed: Option.isNone(failure) && contextsPreserved && expectationsMet === checks.length
  }
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const inject = (injector: BatonApp.FaultInjectorService, faults: Readonly<Record<string, string>>) =>
  Effect.forEach(
    Object.entries(faults),
    ([service, spec]) =>
      Effect.mapError(injector.set(service, spec), (cause) => new FaultNotInjected({ service, spec, reason: describe(cause) })),
    { discard: true }
  )

// Every service is cleared, even after one fails; the first failure is kept.
const clear = (injector: BatonApp.FaultInjectorService, services: ReadonlyArray<string>) =>
  Effect.map(
    Effect.forEach(services, (service) =>
      Effect.map(Effect.either(injector.clear(service)), (cleared) =>
        cleared._tag === "Left" ? Option.some(new FaultNotCleared({ service, reason: describe(cleared.left) })) : Option.none())),
    (failures) => Option.firstSomeOf(failures)
  )

/**
 * Runs `effect` with `faults` set on the app's services, and clears them
 * afterwards whatever happens. A fault that cannot be set fails with
 * `FaultNotInjected` before `effect` runs; faults that cannot be cleared
 * after a successful `effect` fail it with `FaultNotCleared`.
 */
const withFaults = <A, E, R>(
  injector: BatonApp.FaultInjectorService,
  faults: Readonly<Record<string, string>>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | FaultNotInjected | FaultNotCleared, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const services = Object.keys(faults)
      const injected = yield* Effect.exit(restore(inject(injector, faults)))
      if (Exit.isFailure(injected)) {
        // Some faults may be set already; the failure to set is what the user needs to hear.
        yield* clear(injector, services)
        return yield* Effect.failCause(injected.cause)
      }
      const ran = yield* Effect.exit(restore(effect))
      const notCleared = yield* clear(injector, services)
      if (Exit.isSuccess(ran) && Option.isSome(notCleared)) return yield* notCleared.value
      return yield* ran
    })
  )

/**
 * Each of the scenario's faults the app's injector would refuse, as
 * `turns[2].faults.weather: reason`, so a runner can refuse the scenario
 * before it plays any turn. An unknown service is refused with the services
 * the app injects into. Nothing when the app provides no injector.
 *
 * @since 0.2.0 @category checks
 */
export const invalidFaults = (scenario: Scenario.Scenario): Effect.Effect<Array<string>> =>
  Effect.map(
    Effect.serviceOption(BatonApp.FaultInjector),
    Option.match({
      onNone: () => [],
      onSome: (injector) =>
        Scenario.faultProblems(scenario, (service, spec) => BatonApp.validateFault(injector, service, spec))
    })
  )

/** @since 0.1.0 @category constructors */
export const play = (
  scenario: Scenario.Scenario,
  options: Options = {}
): Effect.Effect<Played, never, Conversation.Conversation> =>
  Effect.gen(function*() {
    const conversation = yield* Conversation.Conversation
    const started = yield* Clock.currentTimeNanos
    const turns: Array<PlayedTurn> = []
    let failure = Option.none<FailedTurn>()
    const injector = yield* Effect.serviceOption(BatonApp.FaultInjector)
    for (const [i, turn] of scenario.turns.entries()) {
      const faults = Option.isSome(injector) && turn.faults !== undefined && Object.keys(turn.faults).length > 0
        ? turn.faults
        : undefined
      const sessionId = Scenario.sessionOf(scenario, turn)
      const previous = i === 0 ? sessionId : Scenario.sessionOf(scenario, scenario.turns[i - 1]!)
      const send = conversation.turn(sessionId, scenario.userId, turn.text)
      const outcome = yield* Effect.either(
        faults === undefined || Option.isNone(injector) ? send : withFaults(injector.value, faults, send)
      )
      if (outcome._tag === "Left") {
        failure = Option.some({ index: i + 1, text: turn.text, sessionId, error: outcome.left })
        break
      }
      const played: PlayedTurn = {
        index: i + 1,
        text: turn.text,
        sessionId,
        userId: scenario.userId,
        newSession: sessionId !== previous,
        result: outcome.right,
        checks: check(turn.expect, outcome.right),
        ...(faults === undefined ? {} : { faults })
      }
      turns.push(played)
      if (options.onTurn) yield* options.onTurn(played)
    }
    const durationMs = Number((yield* Clock.currentTimeNanos) - started) / 1e6
    return {
      scenario,
      agentNames: new Map(conversation.agents.map((agent) => [agent.id, agent.name])),
      turns,
      failure,
      summary: summarise(turns, failure, durationMs)
    }
  }).pipe(Effect.withSpan("baton.cli.scenario", { attributes: { scenario: scenario.name } }))
