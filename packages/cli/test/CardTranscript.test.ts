/**
 * Card numbers never reach what `baton run` prints: scenarios whose turns
 * hold a card number in a generated format and a verification code are
 * played through `ScenarioPlayer` against an app that repeats what it is
 * told, and the transcript (as `baton run` writes it, terminal escaping and
 * all) and the `--json` result are searched for the number in every form.
 */
import { Agent, Conversation, Ids, type Scenario, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { card, code, forms, freeText } from "../../session/test/support/cards.js"
import * as Run from "../src/commands/Run.js"
import * as ScenarioPlayer from "../src/ScenarioPlayer.js"
import * as Transcript from "../src/Transcript.js"

const Said = Schema.Struct({ said: Schema.Array(Schema.String) })

const echo = Agent.make<typeof Said.Type>({
  id: Ids.agentId("echo"),
  description: "Says back what it was told",
  capabilities: [{ intent: "echo", description: "anything", keywords: [], examples: [] }],
  handle: (input) =>
    Effect.succeed(Agent.reply(`You said: ${input.message.content}`, { state: { said: [...input.state.said, input.message.content] } }))
})

const conversation = Conversation.make({ agents: [echo], stateSchema: Said, initialState: () => ({ said: [] }), entryAgent: echo.id }).pipe(
  Effect.provideService(SessionStore.SessionStore, SessionStore.makeMemory())
)

/** What `baton run` prints for a played scenario, as text and as `--json`. */
const printed = (scenario: Scenario.Scenario, played: ScenarioPlayer.Played) => ({
  transcript: [
    ...Transcript.header("Echo", scenario),
    ...played.turns.flatMap((turn) => Transcript.turn(turn, { agentNames: played.agentNames })),
    ...Option.match(played.failure, { onNone: () => [], onSome: (failed) => Transcript.failure(failed) }),
    ...Transcript.summary(played.summary, played.failure)
  ].join("\n"),
  json: Run.asJson("Echo", "memory", played)
})

let runs = 0

describe("baton run's transcript and --json", () => {
  it.effect("hold no card number in any format, nor a verification code, told in a scenario's turns (property)", () =>
    Effect.gen(function*() {
      const echoing = yield* conversation
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(card, code, freeText, freeText, async (written, cvv, before, after) => {
            const marker = `zqmarker${++runs}x`
            const scenario: Scenario.Scenario = {
              name: "card data",
              userId: "payer",
              sessionId: `cards-${runs}`,
              turns: [
                { text: `${marker} ${before} ${written.chars.join("")} ${after}`, expect: { replyContains: [marker] } },
                { text: `${marker} and the CVV ${cvv.written}, thanks` }
              ]
            }
            const played = await Effect.runPromise(
              ScenarioPlayer.play(scenario).pipe(Effect.provideService(Conversation.Conversation, echoing))
            )
            expect(played.summary.passed).toBe(true)
            const { json, transcript } = printed(scenario, played)
            for (const output of [transcript, json]) {
              // The search reads what was printed: the turns' marker is in it.
              expect(output).toContain(marker)
              for (const form of forms(written, cvv)) expect(output).not.toContain(form)
            }
          }),
          { numRuns: 60 }
        )
      )
    }))
})
