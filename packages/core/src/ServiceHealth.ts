/**
 * The health port routing reads: a score in 0..1 per service, where 1 is
 * healthy. When no implementation is provided every service counts as healthy.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { BreakerState } from "./CircuitBreaker.js"

/** @since 0.1.0 @category tags */
export class ServiceHealth extends Context.Tag("@baton/core/ServiceHealth")<
  ServiceHealth,
  {
    readonly score: (service: string) => Effect.Effect<number>
    /**
     * The state of the service's circuit breaker, when the adapter knows it
     * and the service has one. @since 0.2.0
     */
    readonly breaker?: (service: string) => Effect.Effect<BreakerState | undefined>
  }
>() {}

/**
 * Fixed scores, for tests and static setups; unlisted services are healthy.
 *
 * @since 0.1.0 @category layers
 */
export const layerStatic = (scores: Readonly<Record<string, number>>): Layer.Layer<ServiceHealth> =>
  Layer.succeed(ServiceHealth, { score: (service) => Effect.succeed(scores[service] ?? 1) })

/**
 * The lowest score among `services`, 1 when there are none or no health
 * service is provided.
 *
 * @since 0.1.0 @category accessors
 */
export const lowest = (services: ReadonlyArray<string>): Effect.Effect<number> =>
  services.length === 0
    ? Effect.succeed(1)
    : Effect.flatMap(Effect.serviceOption(ServiceHealth), (health) =>
      health._tag === "None"
        ? Effect.succeed(1)
        : Effect.map(Effect.forEach(services, health.value.score), (scores) => Math.min(...scores)))
