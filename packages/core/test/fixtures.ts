/**
 * Shared builders for the core tests: a small travel domain, scripted agents
 * and sessions positioned where a test needs them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Agent from "../src/Agent.js"
import type { BatonEvent } from "../src/BatonEvent.js"
import type * as Handoff from "../src/Handoff.js"
import * as Ids from "../src/Ids.js"
import * as Message from "../src/Message.js"
import * as SessionState from "../src/SessionState.js"

/** The application state of the test domain; `departure` travels as an ISO string. */
export const TripState = Schema.Struct({
  destination: Schema.optional(Schema.String),
  budget: Schema.optional(Schema.Number),
  departure: Schema.optional(Schema.Date),
  travellers: Schema.Array(Schema.String)
})
export type TripState = typeof TripState.Type

export const encodeTrip = Schema.encodeSync(TripState)

export const sessionId = Ids.sessionId("s-1")
export const userId = Ids.userId("u-1")

export const triage = Ids.agentId("triage")
export const flights = Ids.agentId("flights")
export const hotels = Ids.agentId("hotels")
export const weather = Ids.agentId("weather")
export const booking = Ids.agentId("booking")

/** An agent of the test domain with one capability; replies `"<id> here"` unless told otherwise. */
export const agent = <S = TripState>(
  id: Ids.AgentId,
  keywords: ReadonlyArray<string>,
  options: Partial<Omit<Agent.Agent<S>, "id">> = {}
): Agent.Agent<S> =>
  Agent.make<S>({
    id,
    description: `The ${id} agent`,
    capabilities: [{ intent: id, description: `${id} requests`, keywords, examples: [] }],
    handle: () => Effect.succeed(Agent.reply<S>(`${id} here`)),
    ...options
  })

export const messagesOf = (count: number, content: (index: number) => string = (i) => `message ${i}`) =>
  Array.from({ length: count }, (_, index): Message.Message => ({
    id: Message.idAt(sessionId, index),
    role: index % 2 === 0 ? "user" : "agent",
    content: content(index),
    time: index,
    ...(index % 2 === 0 ? {} : { agent: triage })
  }))

/** A stored session with `active` holding the conversation over `stack`. */
export const sessionAt = (options: {
  readonly active: Ids.AgentId | null
  readonly stack?: ReadonlyArray<Ids.AgentId>
  readonly state?: unknown
  readonly history?: ReadonlyArray<Message.Message>
}): SessionState.SessionState => {
  const empty = SessionState.empty({
    sessionId,
    userId,
    state: options.state ?? encodeTrip({ travellers: [] }),
    now: 0
  })
  return {
    ...empty,
    currentAgent: options.active,
    agentStack: options.stack ?? [],
    context: { ...empty.context, history: options.history ?? messagesOf(4) },
    version: 3
  }
}

/** An audit sink that keeps the events in order. */
export const recordingAudit = () => {
  const events: Array<BatonEvent> = []
  const audit: Handoff.Audit = (event) => Effect.sync(() => void events.push(event))
  return { events, audit }
}

export const tagsOf = (events: ReadonlyArray<BatonEvent>) => events.map((event) => event._tag)
