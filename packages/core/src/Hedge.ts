/**
 * Hedging cuts tail latency of idempotent reads: when the first attempt has
 * not answered after a delay, a second attempt starts, the first success
 * wins and the other attempt is interrupted. If one attempt fails, the other
 * still may win; if both fail, the call fails with both causes.
 *
 * The delay is fixed, or a percentile of the recent latencies (say the
 * 95th, so that about one call in twenty is hedged), clamped to
 * `minDelayMs`..`maxDelayMs`. A hedge is an extra call, so when a
 * `RetryBudget` is given each hedge withdraws from it, and a spent budget
 * simply waits for the first attempt. Each started hedge publishes a
 * `HedgeStarted` event.
 *
 * Only hedge calls that may safely run twice.
 *
 * @example
 * ```ts
 * import { Hedge } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const hedge = yield* Hedge.make({ service: "weather", percentile: 0.95, maxDelayMs: 500 })
 *   return yield* hedge(Effect.succeed({ tempC: 21 }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as BatonMetrics from "./BatonMetrics.js"
import { LatencyWindow } from "./internal/latencyWindow.js"
import { clamp, emit, perService } from "./internal/policy.js"
import type { Policy } from "./Policy.js"
import type { RetryBudget } from "./RetryBudget.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  /** The fixed delay, or the delay until `percentile` has `minSamples` latencies. Default `maxDelayMs`. */
  readonly delayMs?: number
  /** Follow this percentile of recent successful attempts' latencies. */
  readonly percentile?: number
  /** Default 0. */
  readonly minDelayMs?: number
  /** Default 1 s. */
  readonly maxDelayMs?: number
  /** Latencies kept for the percentile. Default 200. */
  readonly window?: number
  /** Default 20. */
  readonly minSamples?: number
  /** Hedges withdraw from this budget; none are started when it is spent. */
  readonly budget?: RetryBudget
}

/** @since 0.1.0 @category models */
export interface Hedge extends Policy<never> {
  readonly service: string
  /** The delay before the next call's hedge, in milliseconds. */
  readonly delay: Effect.Effect<number>
}

/**
 * Makes a hedging policy; it reads time from the `Clock` of the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<Hedge> =>
  Effect.map(Effect.clock, (clock) => {
    const { budget, percentile, service } = options
    const minDelayMs = options.minDelayMs ?? 0
    const maxDelayMs = options.maxDelayMs ?? 1_000
    const initialMs = options.delayMs ?? maxDelayMs
    const minSamples = options.minSamples ?? 20
    const window = percentile === undefined ? undefined : new LatencyWindow(options.window ?? 200, percentile)
    const hedges = perService(BatonMetrics.hedges, service)

    const delayMs = () =>
      window === undefined || window.count < minSamples
        ? initialMs
        : clamp(window.percentile(), minDelayMs, maxDelayMs)

    const measured = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      window === undefined ? self : Effect.suspend(() => {
        const start = clock.unsafeCurrentTimeMillis()
        return Effect.tap(self, () => window.add(clock.unsafeCurrentTimeMillis() - start))
      })

    const policy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        const afterMs = delayMs()
        const attempt = measured(self)
        return Effect.raceWith(attempt, clock.sleep(Duration.millis(afterMs)), {
          onSelfDone: (exit, timer) => Effect.zipRight(Fiber.interrupt(timer), exit),
          onOtherDone: (_, first) => {
            if (budget !== undefined && !budget.unsafeWithdraw()) return Fiber.join(first)
            return emit({ _tag: "HedgeStarted", at: clock.unsafeCurrentTimeMillis(), service, afterMs }, hedges).pipe(
              Effect.zipRight(Effect.race(Fiber.join(first), attempt)),
              Effect.ensuring(Fiber.interrupt(first))
            )
          }
        })
      })

    return Object.assign(policy, { service, delay: Effect.sync(delayMs) })
  })
