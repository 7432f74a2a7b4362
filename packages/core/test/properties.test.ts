/**
 * Conversation-wide invariants over random agent graphs and random scripts:
 * every handle call consumes the next scripted action of its turn (reply,
 * transfer, delegate or return, with or without a state update and a text),
 * so handoff sequences, refusals and depth bounds come from the generator.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as Agent from "../src/Agent.js"
import * as AgentStack from "../src/AgentStack.js"
import * as Conversation from "../src/Conversation.js"
import * as Ids from "../src/Ids.js"
import * as Message from "../src/Message.js"
import type { SessionState } from "../src/SessionState.js"
import * as SessionStore from "../src/SessionStore.js"
import { TripState } from "./fixtures.js"

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo"] as const
const sessionId = Ids.sessionId("prop")
const initialState: TripState = { travellers: [] }

type Kind = "reply" | "transfer" | "delegate" | "return"

interface Action {
  readonly kind: Kind
  readonly target: number
  readonly state: TripState | null
  readonly say: boolean
}

interface Script {
  readonly size: number
  readonly edges: ReadonlyArray<ReadonlyArray<boolean>>
  readonly needsDestination: ReadonlyArray<boolean>
  readonly maxDepth: number
  readonly maxHandoffsPerTurn: number
  readonly turns: ReadonlyArray<{ readonly text: string; readonly actions: ReadonlyArray<Action> }>
}

// JSON is the handoff wire, so the generated state is what JSON carries back
// unchanged: finite numbers other than -0, and valid dates (as ISO strings).
const tripState: fc.Arbitrary<TripState> = fc.record({
  destination: fc.string({ maxLength: 12 }),
  budget: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  departure: fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }),
  travellers: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })
}, { requiredKeys: ["travellers"] })

const action: fc.Arbitrary<Action> = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant<Kind>("reply"), weight: 1 },
    { arbitrary: fc.constantFrom<Kind>("transfer", "delegate", "return"), weight: 4 }
  ),
  target: fc.nat({ max: 63 }),
  state: fc.option(tripState, { nil: null, freq: 2 }),
  say: fc.boolean()
})

const turnText = fc.array(fc.constantFrom(...WORDS, "hello", "trip", "please"), { minLength: 1, maxLength: 4 })
  .map((words) => words.join(" "))

const script: fc.Arbitrary<Script> = fc.integer({ min: 2, max: 5 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    edges: fc.array(fc.array(fc.boolean(), { minLength: size, maxLength: size }), { minLength: size, maxLength: size }),
    needsDestination: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
    maxDepth: fc.integer({ min: 1, max: 4 }),
    maxHandoffsPerTurn: fc.integer({ min: 1, max: 6 }),
    turns: fc.array(fc.record({ text: turnText, actions: fc.array(action, { maxLength: 8 }) }), {
      minLength: 1,
      maxLength: 6
    })
  })
)

interface Call {
  readonly agent: Ids.AgentId
  readonly state: TripState
  readonly stack: ReadonlyArray<Ids.AgentId>
  readonly outcome: Agent.Outcome<TripState>
  /** The text this call wrote to the user, if any. */
  readonly said: string | null
}

interface TurnRecord {
  readonly text: string
  readonly result: Conversation.TurnResult
  readonly session: SessionState
  readonly before: SessionState | null
  readonly calls: ReadonlyArray<Call>
}

const decodeTrip = Schema.decodeUnknownSync(TripState)

/** Plays a script against a fresh conversation and in-memory store. */
const play = (s: Script): ReadonlyArray<TurnRecord> => {
  const ids = Array.from({ length: s.size }, (_, i) => Ids.agentId(`a${i}`))
  let turn = 0
  let cursor = 0
  let calls: Array<Call> = []

  const agents = ids.map((id, i) => {
    const targets = ids.filter((_, j) => s.edges[i]![j])
    return Agent.make<TripState>({
      id,
      description: `agent ${i}`,
      capabilities: [{ intent: `i${i}`, description: `handles ${WORDS[i]}`, keywords: [WORDS[i]!], examples: [] }],
      handoffTargets: targets,
      requiredContext: s.needsDestination[i] ? ["destination"] : [],
      contextBudget: { maxTokens: 24, recentMessages: 3 },
      handle: (input) =>
        Effect.sync(() => {
          const next = s.turns[turn]!.actions[cursor++]
          const label = `t${turn}c${calls.length}`
          const updates = next?.state ? { state: next.state } : {}
          const spoken = next?.say ? { text: `${label} says` } : {}
          // Three in four targets follow a declared edge when there is one; the rest go anywhere.
          const to = next !== undefined && next.target % 4 !== 0 && targets.length > 0
            ? targets[(next.target >> 2) % targets.length]!
            : ids[(next?.target ?? 0) % ids.length]!
          const outcome: Agent.Outcome<TripState> = next === undefined || next.kind === "reply"
            ? Agent.reply(`${label} reply`, updates)
            : next.kind === "return"
            ? Agent.returnToCaller(`r-${label}`, { ...updates, ...spoken })
            : next.kind === "delegate"
            ? Agent.delegate(to, `r-${label}`, { ...updates, ...spoken })
            : Agent.transfer(to, `r-${label}`, { ...updates, ...spoken })
          const said = outcome._tag === "Reply" ? outcome.text : outcome.text ?? null
          calls.push({ agent: id, state: input.state, stack: input.agentStack, outcome, said })
          return outcome
        })
    })
  })

  const store = SessionStore.makeMemory()
  const conversation = Effect.runSync(
    Conversation.make({
      agents,
      stateSchema: TripState,
      initialState: () => initialState,
      entryAgent: ids[0]!,
      handoff: { maxDepth: s.maxDepth, maxHandoffsPerTurn: s.maxHandoffsPerTurn }
    }).pipe(Effect.provideService(SessionStore.SessionStore, store))
  )
  const load = () => Option.getOrNull(Effect.runSync(store.load(sessionId)))

  return s.turns.map(({ text }, index) => {
    turn = index
    cursor = 0
    calls = []
    const before = load()
    const result = Effect.runSync(conversation.turn(sessionId, "user", text))
    return { text, result, session: load()!, before, calls }
  })
}

const isRefusal = (message: Message.Message) =>
  message.role === "agent" && message.content.startsWith("I couldn't transfer you to ")

const numRuns = 1000

// Each run first lets the event loop turn: a thousand runs played in one
// synchronous stretch would keep this test worker from answering vitest for
// a minute on a busy machine (vitest then fails the whole run).
const turnOfTheLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("Conversation properties", () => {
  it("the application state arrives deep-equal at every receiving agent", async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        await turnOfTheLoop()
        let latest = initialState
        for (const { calls, result, session } of play(s)) {
          for (const call of calls) {
            expect(call.state).toEqual(latest)
            if (call.outcome.state !== undefined) latest = call.outcome.state
          }
          expect(decodeTrip(session.context.state)).toEqual(latest)
          for (const handoff of result.handoffs) if (handoff.success) expect(handoff.contextPreserved).toBe(true)
        }
      }),
      { numRuns }
    )
  })

  it("no message is lost or duplicated in the retrievable history", async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        await turnOfTheLoop()
        const texts: Array<string> = []
        const said: Array<string> = []
        for (const { before, calls, result, session, text } of play(s)) {
          texts.push(text)
          const history = session.context.history
          expect(history.map((message) => message.id)).toEqual(history.map((_, i) => Message.idAt(sessionId, i)))
          const previous = before?.context.history ?? []
          expect(history.slice(0, previous.length)).toEqual(previous)
          expect(history.slice(previous.length)).toEqual([
            expect.objectContaining({ role: "user", content: text }),
            ...result.messages
          ])
          expect(history.filter((message) => message.role === "user").map((message) => message.content)).toEqual(texts)

          for (const call of calls) if (call.said !== null) said.push(call.said)
          const agentMessages = history.filter((message) => message.role === "agent")
          expect(agentMessages.filter((message) => !isRefusal(message)).map((message) => message.content)).toEqual(said)
          const last = calls.at(-1)!
          const refusals = result.messages.filter(isRefusal)
          expect(refusals).toHaveLength(last.outcome._tag === "Reply" ? 0 : 1)
          if (refusals.length > 0) expect(refusals[0]!.agent).toBe(last.agent)
        }
      }),
      { numRuns }
    )
  })

  it("exactly one agent is active after every turn, and it is the one that spoke last", async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        await turnOfTheLoop()
        for (const { before, calls, result, session } of play(s)) {
          expect(calls.length).toBeGreaterThan(0)
          expect(session.currentAgent).not.toBeNull()
          expect(session.currentAgent).toBe(result.agent)
          expect(calls.at(-1)!.agent).toBe(result.agent)
          const routed = result.handoffs.find((handoff) => handoff.initiator === "router")
          const first = routed?.success ? routed.newAgentId : before?.currentAgent ?? result.route.agent
          const moves = result.handoffs.filter((handoff) => handoff.initiator === "agent" && handoff.success)
          expect(calls.map((call) => call.agent)).toEqual([first, ...moves.map((handoff) => handoff.newAgentId)])
        }
      }),
      { numRuns }
    )
  })

  it("the agent stack stays consistent and within its bound, and follows the handoffs", async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        await turnOfTheLoop()
        for (const { before, calls, result, session } of play(s)) {
          for (const call of calls) {
            expect(AgentStack.isConsistent({ active: call.agent, stack: call.stack })).toBe(true)
            expect(call.stack.length).toBeLessThanOrEqual(s.maxDepth)
          }
          const position = { active: session.currentAgent!, stack: session.agentStack }
          expect(AgentStack.isConsistent(position)).toBe(true)
          expect(position.stack.length).toBeLessThanOrEqual(s.maxDepth)
          const succeeded = result.handoffs.filter((handoff) => handoff.success)
          expect(succeeded.length).toBeLessThanOrEqual(s.maxHandoffsPerTurn)
          let replayed: AgentStack.Position = {
            active: before?.currentAgent ?? result.route.agent,
            stack: before?.agentStack ?? []
          }
          for (const handoff of succeeded) {
            const next = AgentStack.apply(replayed, handoff.mode, handoff.newAgentId)
            if (typeof next === "string") throw new Error(`a completed handoff was not a legal move: ${next}`)
            replayed = next
          }
          expect(replayed).toEqual(position)
        }
      }),
      { numRuns }
    )
  })
})
