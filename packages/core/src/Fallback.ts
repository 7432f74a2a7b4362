/**
 * A fallback answers when a call fails with a selected error: a substitute
 * service, a cached result, or a typed partial result. It sits outside every
 * other policy, so it also catches their refusals (`BreakerOpen`,
 * `BulkheadRejected`, `RetryBudgetExhausted`…). The answer is degraded, and
 * Baton never hides degradation: each use publishes a `FallbackUsed` event,
 * so that the turn can tell the user in plain words.
 *
 * @example
 * ```ts
 * import { Fallback } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const cachedForecast = Fallback.make({
 *   service: "weather",
 *   when: (error: unknown) => (error as { _tag?: string })._tag === "BreakerOpen",
 *   fallback: () => Effect.succeed({ tempC: 20, stale: true })
 * })
 * const program = cachedForecast(Effect.fail({ _tag: "BreakerOpen" }))
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Predicate, Refinement } from "effect/Predicate"
import * as BatonMetrics from "./BatonMetrics.js"
import { describe, emit, perService } from "./internal/policy.js"

/**
 * Falls back on failures selected by `when` (all typed failures when absent).
 * With a refinement, the selected errors leave the error channel.
 *
 * @since 0.1.0 @category constructors
 */
export const make: {
  <E, EX extends E, A2, E2 = never, R2 = never>(options: {
    readonly service: string
    readonly when: Refinement<E, EX>
    readonly fallback: (error: EX) => Effect.Effect<A2, E2, R2>
  }): <A, E1 extends E, R>(self: Effect.Effect<A, E1, R>) => Effect.Effect<A | A2, Exclude<E1, EX> | E2, R | R2>
  <E, A2, E2 = never, R2 = never>(options: {
    readonly service: string
    readonly when?: Predicate<E>
    readonly fallback: (error: E) => Effect.Effect<A2, E2, R2>
  }): <A, E1 extends E, R>(self: Effect.Effect<A, E1, R>) => Effect.Effect<A | A2, E1 | E2, R | R2>
} = (options: {
  readonly service: string
  readonly when?: Predicate<unknown>
  readonly fallback: (error: unknown) => Effect.Effect<unknown, unknown, unknown>
}) => {
  const { fallback, service, when } = options
  const used = perService(BatonMetrics.fallbacks, service)
  return (self: Effect.Effect<unknown, unknown, unknown>) =>
    Effect.catchAll(self, (error) =>
      when !== undefined && !when(error)
        ? Effect.fail(error)
        : Clock.currentTimeMillis.pipe(
          Effect.flatMap((at) => emit({ _tag: "FallbackUsed", at, service, error: describe(error) }, used)),
          Effect.zipRight(fallback(error))
        ))
}
