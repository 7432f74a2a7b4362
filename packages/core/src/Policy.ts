/**
 * A resilience policy is a combinator: it takes a call and returns the same
 * call guarded by the policy, which may add its own typed rejection. Policies
 * compose by function application, so a service's stack is an ordinary
 * pipe; `wrap` composes them outermost first, as cockatiel's `wrap` does.
 *
 * The policies are `Bulkhead`, `RateLimiter`, `CircuitBreaker`, `Timeout`,
 * `Retry` (bounded by a `RetryBudget`), `Hedge` and `Fallback`;
 * `ResiliencePolicy` builds a service's stack from configuration.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, Policy, Retry, Timeout } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const guarded = Policy.wrap(
 *     yield* Retry.make({ service: "weather" }),
 *     yield* CircuitBreaker.make({ service: "weather" }),
 *     yield* Timeout.fixed({ service: "weather", timeoutMs: 2_000 })
 *   )
 *   return yield* guarded(Effect.succeed({ forecast: "sunny" }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { BulkheadRejected } from "./Bulkhead.js"
import type { BreakerOpen } from "./CircuitBreaker.js"
import type { RateLimited } from "./RateLimiter.js"
import type { RetryBudgetExhausted } from "./RetryBudget.js"
import type { PolicyTimeout } from "./Timeout.js"

/**
 * Keys the type-level record of the error a policy adds.
 *
 * @since 0.1.0 @category symbols
 */
export const AddedError: unique symbol = Symbol.for("@baton/core/Policy/AddedError")

/**
 * A combinator that guards a call; `E2` is what the policy itself may fail with.
 *
 * @since 0.1.0 @category models
 */
export interface Policy<out E2 = never> {
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R>
  /** Type-level only: what the policy adds to the error channel. */
  readonly [AddedError]?: E2
}

/**
 * The error a policy adds.
 *
 * @since 0.1.0 @category models
 */
export type ErrorOf<P> = P extends { readonly [AddedError]?: infer E2 } ? E2 : never

/**
 * The rejections the resilience policies of `@baton/core` fail with.
 *
 * @since 0.1.0 @category errors
 */
export type PolicyError = BreakerOpen | PolicyTimeout | RetryBudgetExhausted | BulkheadRejected | RateLimited

const policyTags: ReadonlySet<string> = new Set([
  "BreakerOpen",
  "PolicyTimeout",
  "RetryBudgetExhausted",
  "BulkheadRejected",
  "RateLimited"
])

/**
 * Whether `error` is one of the policies' own rejections.
 *
 * @since 0.1.0 @category refinements
 */
export const isPolicyError = (error: unknown): error is PolicyError =>
  typeof error === "object" && error !== null && "_tag" in error && policyTags.has(error._tag as string)

/**
 * The policy that guards nothing.
 *
 * @since 0.1.0 @category constructors
 */
export const identity: Policy = (self) => self

/**
 * Composes policies, the first outermost: `wrap(a, b, c)(call)` is
 * `a(b(c(call)))`.
 *
 * @since 0.1.0 @category combinators
 */
export const wrap = <const P extends ReadonlyArray<Policy<any>>>(...policies: P): Policy<ErrorOf<P[number]>> =>
  ((self: Effect.Effect<unknown, unknown, unknown>) => {
    let guarded = self
    for (let i = policies.length - 1; i >= 0; i--) guarded = policies[i]!(guarded)
    return guarded
  }) as Policy<ErrorOf<P[number]>>
