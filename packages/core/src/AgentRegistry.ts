/**
 * The set of agents a conversation can use, with capability discovery.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Agent } from "./Agent.js"
import { UnknownAgent } from "./Errors.js"
import type { AgentId } from "./Ids.js"
import { buildIndex } from "./internal/bm25.js"
import { tokenize } from "./internal/text.js"
import type { AgentProfile } from "./RoutingModel.js"

/** @since 0.1.0 @category models */
export interface AgentRegistry<S, E = never, R = never> {
  readonly agents: ReadonlyArray<Agent<S, E, R>>
  readonly ids: ReadonlyArray<AgentId>
  readonly lookup: (id: AgentId) => Agent<S, E, R> | undefined
  readonly get: (id: AgentId) => Effect.Effect<Agent<S, E, R>, UnknownAgent>
  readonly profiles: ReadonlyArray<AgentProfile>
  /** Lexical relevance of each agent to `text`, in registration order. */
  readonly relevance: (text: string) => ReadonlyArray<number>
  /** Agents that declare `intent` among their capabilities. */
  readonly withIntent: (intent: string) => ReadonlyArray<Agent<S, E, R>>
  /** Agents that need a service not in `available`, with the missing services. */
  readonly missingServices: (
    available: ReadonlySet<string>
  ) => ReadonlyArray<{ readonly agent: AgentId; readonly missing: ReadonlyArray<string> }>
}

// Keywords are the strongest signal an agent gives about itself, so they
// count twice in its document.
const documentOf = (agent: Agent<any, any, any>): Array<string> => {
  const parts = [agent.name, agent.description]
  for (const capability of agent.capabilities) {
    parts.push(capability.intent, capability.description, ...capability.keywords, ...capability.keywords)
    parts.push(...capability.examples)
  }
  return tokenize(parts.join(" "))
}

/**
 * @since 0.1.0 @category constructors
 * @throws when two agents share an id: that is a programming error in the host.
 */
export const make = <S, E, R>(agents: ReadonlyArray<Agent<S, E, R>>): AgentRegistry<S, E, R> => {
  const byId = new Map<AgentId, Agent<S, E, R>>()
  for (const agent of agents) {
    if (byId.has(agent.id)) throw new Error(`Two agents are registered with the id "${agent.id}"`)
    byId.set(agent.id, agent)
  }
  const ids = agents.map((agent) => agent.id)
  const index = buildIndex(agents.map(documentOf))
  return {
    agents,
    ids,
    lookup: (id) => byId.get(id),
    get: (id) => {
      const agent = byId.get(id)
      return agent ? Effect.succeed(agent) : Effect.fail(new UnknownAgent({ agentId: id, known: ids }))
    },
    profiles: agents.map(({ capabilities, description, id }) => ({ id, description, capabilities })),
    relevance: index.score,
    withIntent: (intent) => agents.filter((agent) => agent.capabilities.some((c) => c.intent === intent)),
    missingServices: (available) =>
      agents.flatMap((agent) => {
        const missing = agent.requiredServices.filter((service) => !available.has(service))
        return missing.length > 0 ? [{ agent: agent.id, missing }] : []
      })
  }
}
