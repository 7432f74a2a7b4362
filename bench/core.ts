import { Agent, AgentRegistry, Conversation, Handoff, Ids, Message, SessionState, SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Suite } from "./Suite.js"

const TripState = Schema.Struct({
  destination: Schema.String,
  travellers: Schema.Number,
  budget: Schema.Number,
  dates: Schema.Struct({ depart: Schema.String, return: Schema.String })
})
type TripState = typeof TripState.Type

const triage = Ids.agentId("triage")
const flights = Ids.agentId("flights")

const agents = [
  Agent.make<TripState>({
    id: triage,
    description: "Greets travellers and sends them to a specialist",
    capabilities: [{ intent: "greet", description: "greetings", keywords: ["hello"], examples: ["hello there"] }],
    handoffTargets: [flights],
    handle: () => Effect.succeed(Agent.transfer(flights, "the traveller wants flights"))
  }),
  Agent.make<TripState>({
    id: flights,
    description: "Searches and compares flights",
    capabilities: [{ intent: "flights", description: "flight search", keywords: ["flight"], examples: ["fly to Lisbon"] }],
    requiredContext: ["destination"],
    handle: (input) => Effect.succeed(Agent.reply(`Searching flights to ${input.state.destination}.`))
  })
]

const state: TripState = { destination: "Lisbon", travellers: 2, budget: 2400, dates: { depart: "2026-12-10", return: "2026-12-17" } }

const sessionWithHistory = (messages: number): SessionState.SessionState => {
  const sessionId = Ids.sessionId("bench-session")
  const base = SessionState.empty({ sessionId, userId: Ids.userId("bench-user"), state, now: 0 })
  const history = Array.from({ length: messages }, (_, i): Message.Message => ({
    id: Message.idAt(sessionId, i),
    role: i % 2 === 0 ? "user" : "agent",
    ...(i % 2 === 0 ? {} : { agent: triage }),
    content: i % 2 === 0
      ? `I would like to travel to Lisbon with my partner in December, turn ${i}; we care about price and short layovers.`
      : `Noted: two travellers to Lisbon in December. I will look for options with short layovers (turn ${i}).`,
    time: i
  }))
  return { ...base, currentAgent: triage, context: { ...base.context, history } }
}

const handoff = Handoff.make({ registry: AgentRegistry.make(agents), stateSchema: TripState })
const handoffInput: Handoff.Input = {
  session: sessionWithHistory(20),
  request: { from: triage, to: flights, mode: "transfer", initiator: "agent", reason: "flight search" },
  chain: [triage],
  attempt: 0
}
const audit: Handoff.Audit = () => Effect.void
const runHandoff = handoff.execute(handoffInput, audit)
// Message digests and tokens are memoised per immutable message object; fresh
// copies of the history defeat the memo and show the cost of a first handoff.
const runColdHandoff = Effect.suspend(() =>
  handoff.execute({
    ...handoffInput,
    session: {
      ...handoffInput.session,
      context: { ...handoffInput.session.context, history: handoffInput.session.context.history.map((m) => ({ ...m })) }
    }
  }, audit)
)

const conversation = Effect.runSync(
  Conversation.make({ agents, stateSchema: TripState, initialState: () => state, entryAgent: triage }).pipe(
    Effect.provide(SessionStore.layerMemory)
  )
)
let turn = 0

export const suite: Suite = {
  name: "core",
  cases: [
    {
      name: "handoff (validate, compress, check, audit), 20-message history",
      fn: () => Effect.runSync(runHandoff),
      target: { mean: 0.1, p99: 0.5 }
    },
    {
      name: "handoff, 20-message history never seen before (no memo)",
      fn: () => Effect.runSync(runColdHandoff),
      target: { mean: 0.1, p99: 0.5 }
    },
    {
      name: "turn with one handoff, memory store",
      fn: () => Effect.runPromise(conversation.turn(`s-${turn++}`, "bench-user", "hello, I need a flight")),
      target: { p99: 1 }
    }
  ]
}
