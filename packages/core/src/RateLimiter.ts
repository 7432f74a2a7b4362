/**
 * A token bucket in front of a service: `limit` calls per `intervalMs` on
 * average, bursts of up to `burst`. A call finding the bucket empty is not
 * queued: it fails at once with `RateLimited`, which says how long until a
 * token is available (the retry-after a caller or a fallback can act on),
 * and a `RateLimited` event is published. Tokens are refilled lazily from
 * the elapsed time when a call arrives; no timer runs.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const limiter = yield* RateLimiter.make({ service: "maps", limit: 50, intervalMs: 1_000 })
 *   return yield* limiter(Effect.succeed({ km: 12 }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as BatonMetrics from "./BatonMetrics.js"
import { emit, formatMs, perService } from "./internal/policy.js"
import { guard, runStep } from "./internal/step.js"
import type { Policy } from "./Policy.js"

/**
 * The service's rate limit was reached; a token is available in `retryAfterMs`.
 *
 * @since 0.1.0 @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@baton/core/RateLimited")("RateLimited", {
  service: Schema.String,
  limit: Schema.Number,
  intervalMs: Schema.Number,
  retryAfterMs: Schema.Number
}) {
  override get message() {
    return `Calls to service "${this.service}" are limited to ${this.limit} per ${formatMs(this.intervalMs)}; ` +
      `try again in ${formatMs(this.retryAfterMs)}.`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  readonly limit: number
  readonly intervalMs: number
  /** The bucket's capacity. Default `limit`. */
  readonly burst?: number
}

/** @since 0.1.0 @category models */
export interface RateLimiter extends Policy<RateLimited> {
  readonly service: string
  /** Whole tokens available now. */
  readonly available: Effect.Effect<number>
}

/**
 * Makes a rate limiter with a full bucket; it reads time from the `Clock` of
 * the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<RateLimiter> =>
  Effect.map(Effect.clock, (clock) => {
    const { intervalMs, limit, service } = options
    const capacity = options.burst ?? limit
    const perMs = limit / intervalMs
    const rejections = Metric.tagged(perService(BatonMetrics.policyRejections, service), "policy", "rate-limit")
    let tokens = capacity
    let refilledAt = clock.unsafeCurrentTimeMillis()

    const refill = (now: number) => {
      if (now > refilledAt) {
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perMs)
        refilledAt = now
      }
    }

    const policy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimited, R> =>
      guard<A, E | RateLimited, R>((fiber, runtimeFlags) => {
        const now = clock.unsafeCurrentTimeMillis()
        refill(now)
        if (tokens >= 1) {
          tokens -= 1
          return runStep(self, fiber, runtimeFlags)
        }
        // Rounded to a microsecond first, so that float noise does not add a millisecond.
        const retryAfterMs = Math.ceil(Math.round(((1 - tokens) / perMs) * 1000) / 1000)
        return Effect.zipRight(
          emit({ _tag: "RateLimited", at: now, service, retryAfterMs }, rejections),
          Effect.fail(new RateLimited({ service, limit, intervalMs, retryAfterMs }))
        )
      })

    return Object.assign(policy, {
      service,
      available: Effect.sync(() => {
        refill(clock.unsafeCurrentTimeMillis())
        return Math.floor(tokens)
      })
    })
  })
