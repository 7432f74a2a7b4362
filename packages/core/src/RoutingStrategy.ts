/**
 * Routing strategies rank agents for a request. Each returns candidates with
 * a confidence in 0..1 and its reasoning; the `AgentRouter` composes them.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { AgentRegistry } from "./AgentRegistry.js"
import type { AgentId } from "./Ids.js"
import { RoutingModel } from "./RoutingModel.js"

/** @since 0.1.0 @category models */
export interface Candidate {
  readonly agent: AgentId
  readonly confidence: number
  readonly reasoning: string
}

/** @since 0.1.0 @category models */
export interface RouteRequest {
  readonly text: string
  /** The agent currently holding the conversation, if any. */
  readonly activeAgent: AgentId | null
  /** Restrict routing to these agents. */
  readonly candidates?: ReadonlyArray<AgentId>
}

/** @since 0.1.0 @category models */
export interface RoutingStrategy<R = never> {
  readonly name: string
  readonly rank: (
    request: RouteRequest,
    registry: AgentRegistry<any, any, any>
  ) => Effect.Effect<ReadonlyArray<Candidate>, never, R>
}

const allowed = (request: RouteRequest, agent: AgentId) =>
  request.candidates === undefined || request.candidates.includes(agent)

/**
 * BM25 over each agent's description, capability descriptions, keywords and
 * examples: the offline default. A raw score maps to a confidence with
 * `1 - e^(-score / scale)`, so one strong keyword gives a confident match.
 *
 * @since 0.1.0 @category constructors
 */
export const capability = (options?: { readonly scale?: number }): RoutingStrategy => {
  const scale = options?.scale ?? 2
  return {
    name: "capability",
    rank: (request, registry) =>
      Effect.sync(() => {
        const scores = registry.relevance(request.text)
        const out: Array<Candidate> = []
        registry.ids.forEach((agent, i) => {
          const score = scores[i]!
          if (score <= 0 || !allowed(request, agent)) return
          out.push({
            agent,
            confidence: 1 - Math.exp(-score / scale),
            reasoning: `matched its capabilities (BM25 ${score.toFixed(2)})`
          })
        })
        return out
      })
  }
}

/** @since 0.1.0 @category models */
export interface Rule {
  readonly agent: AgentId
  readonly when: RegExp | ((text: string) => boolean)
  readonly reason: string
  readonly confidence?: number
}

/**
 * Explicit rules: every rule that matches proposes its agent.
 *
 * @since 0.1.0 @category constructors
 */
export const rules = (list: ReadonlyArray<Rule>): RoutingStrategy => ({
  name: "rules",
  rank: (request) =>
    Effect.sync(() =>
      list.flatMap((rule) => {
        const matches = typeof rule.when === "function" ? rule.when(request.text) : rule.when.test(request.text)
        return matches && allowed(request, rule.agent)
          ? [{ agent: rule.agent, confidence: rule.confidence ?? 1, reasoning: `rule: ${rule.reason}` }]
          : []
      })
    )
})

/**
 * Asks the `RoutingModel` port. A model failure is logged and yields no
 * candidates, so the next strategy or the fallback decides.
 *
 * @since 0.1.0 @category constructors
 */
export const model: RoutingStrategy<RoutingModel> = {
  name: "model",
  rank: (request, registry) =>
    RoutingModel.pipe(
      Effect.flatMap((routingModel) => routingModel.classify(request.text, registry.profiles)),
      Effect.map((choices) =>
        choices
          .filter((choice) => registry.lookup(choice.agent) !== undefined && allowed(request, choice.agent))
          .map((choice) => ({
            agent: choice.agent,
            confidence: Math.min(1, Math.max(0, choice.confidence)),
            reasoning: `model: ${choice.reasoning}`
          }))
      ),
      Effect.catchTag("RoutingModelError", (error) =>
        Effect.as(Effect.logWarning(`Model routing skipped: ${error.message}`), [])
      )
    )
}
