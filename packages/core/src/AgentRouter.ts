/**
 * Picks the agent for a request. Strategies are tried in order and the first
 * whose best candidate clears the threshold decides; when none does, the
 * fallback agent takes the request. The active agent keeps the conversation
 * while it can serve: another agent must beat it by a margin. Agents whose
 * required services are unhealthy are ranked down by their health score.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AgentRegistry } from "./AgentRegistry.js"
import type { UnknownAgent } from "./Errors.js"
import type { AgentId } from "./Ids.js"
import type { Candidate, RouteRequest, RoutingStrategy } from "./RoutingStrategy.js"
import * as RS from "./RoutingStrategy.js"
import { ServiceHealth } from "./ServiceHealth.js"

/** @since 0.1.0 @category models */
export interface RouteDecision {
  readonly agent: AgentId
  readonly confidence: number
  readonly reasoning: string
  /** The other candidates, best first. */
  readonly alternatives: ReadonlyArray<Candidate>
  readonly strategy: string
  readonly sticky: boolean
  readonly fallback: boolean
}

/** @since 0.1.0 @category models */
export interface Options<R> {
  readonly strategies?: ReadonlyArray<RoutingStrategy<R>>
  /** Below this confidence a strategy does not decide. Default 0.35. */
  readonly threshold?: number
  readonly fallback: AgentId
  /** How much more confident another agent must be to take over from the active one. Default 0.15. */
  readonly switchMargin?: number
  /** Below this health the active agent no longer holds the conversation. Default 0.5. */
  readonly minHealth?: number
}

/** @since 0.1.0 @category models */
export interface AgentRouter<R = never> {
  readonly routeRequest: (request: RouteRequest) => Effect.Effect<RouteDecision, never, R>
}

const byConfidence = (a: Candidate, b: Candidate) => b.confidence - a.confidence

/** @since 0.1.0 @category constructors */
export const make = <R = never>(
  registry: AgentRegistry<any, any, any>,
  options: Options<R>
): Effect.Effect<AgentRouter<R>, UnknownAgent> =>
  Effect.map(registry.get(options.fallback), () => {
    const strategies: ReadonlyArray<RoutingStrategy<R>> = options.strategies ?? [RS.capability()]
    const threshold = options.threshold ?? 0.35
    const margin = options.switchMargin ?? 0.15
    const minHealth = options.minHealth ?? 0.5

    const healthOf = Effect.map(Effect.serviceOption(ServiceHealth), (service) => {
      if (Option.isNone(service)) return (_: AgentId) => Effect.succeed(1)
      const cache = new Map<AgentId, number>()
      return (agent: AgentId) => {
        const known = cache.get(agent)
        if (known !== undefined) return Effect.succeed(known)
        const services = registry.lookup(agent)?.requiredServices ?? []
        return Effect.map(
          Effect.forEach(services, service.value.score),
          (scores) => {
            const score = scores.length === 0 ? 1 : Math.min(...scores)
            cache.set(agent, score)
            return score
          }
        )
      }
    })

    const rankDown = (candidates: ReadonlyArray<Candidate>, health: (agent: AgentId) => Effect.Effect<number>) =>
      Effect.forEach(candidates, (candidate) =>
        Effect.map(health(candidate.agent), (score): Candidate =>
          score >= 1 ? candidate : {
            ...candidate,
            confidence: candidate.confidence * score,
            reasoning: `${candidate.reasoning}; ranked down, its services' health is ${score.toFixed(2)}`
          }))

    const routeRequest = (request: RouteRequest) =>
      Effect.gen(function*() {
        const health = yield* healthOf
        let ranked: ReadonlyArray<Candidate> = []
        let strategy = "fallback"
        for (const candidateStrategy of strategies) {
          const scored = (yield* rankDown(yield* candidateStrategy.rank(request, registry), health)).slice()
            .sort(byConfidence)
          if (scored.length > 0 && (ranked.length === 0 || scored[0]!.confidence > ranked[0]!.confidence)) {
            ranked = scored
            strategy = candidateStrategy.name
          }
          if (scored.length > 0 && scored[0]!.confidence >= threshold) {
            ranked = scored
            strategy = candidateStrategy.name
            break
          }
        }
        const best = ranked[0]
        const confident = best !== undefined && best.confidence >= threshold
        const active = request.activeAgent
        if (active !== null && registry.lookup(active) !== undefined) {
          const activeHealth = yield* health(active)
          const activeScore = ranked.find((candidate) => candidate.agent === active)?.confidence ?? 0
          const overtaken = confident && best.agent !== active && best.confidence >= activeScore + margin
          if (activeHealth >= minHealth && !overtaken) {
            return {
              agent: active,
              confidence: Math.max(activeScore, confident ? best.confidence : 0),
              reasoning: best !== undefined && best.agent !== active
                ? `staying with the active agent; ${best.agent} (${best.confidence.toFixed(2)}) did not beat it by ${margin}`
                : "staying with the active agent, which can serve this request",
              alternatives: ranked.filter((candidate) => candidate.agent !== active),
              strategy,
              sticky: true,
              fallback: false
            } satisfies RouteDecision
          }
        }
        if (confident) {
          return {
            agent: best.agent,
            confidence: best.confidence,
            reasoning: best.reasoning,
            alternatives: ranked.slice(1),
            strategy,
            sticky: false,
            fallback: false
          } satisfies RouteDecision
        }
        return {
          agent: options.fallback,
          confidence: best?.confidence ?? 0,
          reasoning: best === undefined
            ? `no agent matched; falling back to ${options.fallback}`
            : `best match ${best.agent} (${best.confidence.toFixed(2)}) is below ${threshold}; falling back to ${options.fallback}`,
          alternatives: ranked,
          strategy,
          sticky: false,
          fallback: true
        } satisfies RouteDecision
      })

    return { routeRequest }
  })
