/**
 * A retry budget keeps retries from turning a failing service into a retry
 * storm. Every call deposits `ratio` of a token, every retry (and every
 * hedged second attempt) withdraws one, and `minRetries` tokens are always
 * available per window so that a quiet service can still retry:
 *
 *     a retry is allowed  ⇔  retries + 1 ≤ ratio × calls + minRetries
 *
 * where `calls` and `retries` are counted over the last `windowMs` (in ten
 * buckets). With the defaults (20 %, 10, 10 s) a service failing every call
 * receives at most 20 % more calls than it was asked for, plus 10 — whatever
 * each call's retry schedule would like. One budget per service, shared by
 * all its callers.
 *
 * @example
 * ```ts
 * import { Retry, RetryBudget } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const budget = yield* RetryBudget.make({ service: "maps", ratio: 0.1, minRetries: 5 })
 *   const retry = yield* Retry.make({ service: "maps", budget })
 *   return yield* retry(Effect.succeed("route"))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { describe, formatMs } from "./internal/policy.js"
import { SlidingCounts } from "./internal/slidingCounts.js"

/**
 * A retry was refused because the service's retry budget is spent.
 * `lastError` is the failure that would have been retried.
 *
 * @since 0.1.0 @category errors
 */
export class RetryBudgetExhausted extends Schema.TaggedError<RetryBudgetExhausted>(
  "@baton/core/RetryBudgetExhausted"
)("RetryBudgetExhausted", {
  service: Schema.String,
  ratio: Schema.Number,
  minRetries: Schema.Number,
  windowMs: Schema.Number,
  lastError: Schema.Unknown
}) {
  override get message() {
    return `Retries to service "${this.service}" are suspended: its retry budget ` +
      `(${Math.round(this.ratio * 100)}% of calls + ${this.minRetries} per ${formatMs(this.windowMs)}) is spent. ` +
      `Last error: ${describe(this.lastError)}`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  /** Retries allowed per call. Default 0.2. */
  readonly ratio?: number
  /** Retries always allowed per window. Default 10. */
  readonly minRetries?: number
  /** Default 10 s. */
  readonly windowMs?: number
}

/** @since 0.1.0 @category models */
export interface RetryBudget {
  readonly service: string
  readonly ratio: number
  readonly minRetries: number
  readonly windowMs: number
  /** Records a call (a first attempt). */
  readonly deposit: Effect.Effect<void>
  /** Takes a token for a retry; `false` when the budget is spent. */
  readonly withdraw: Effect.Effect<boolean>
  /** Retries the budget would allow now. */
  readonly available: Effect.Effect<number>
  /** `deposit` without an effect, for policies on their hot path. */
  readonly unsafeDeposit: () => void
  /** `withdraw` without an effect. */
  readonly unsafeWithdraw: () => boolean
}

const CALLS = 0
const RETRIES = 1

/**
 * Makes a budget; it reads time from the `Clock` of the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<RetryBudget> =>
  Effect.map(Effect.clock, (clock) => {
    const ratio = options.ratio ?? 0.2
    const minRetries = options.minRetries ?? 10
    const windowMs = options.windowMs ?? 10_000
    const counts = new SlidingCounts(windowMs, 2)
    const available = (now: number) =>
      Math.floor(ratio * counts.total(now, CALLS) + minRetries - counts.total(now, RETRIES))
    const unsafeDeposit = () => counts.add(clock.unsafeCurrentTimeMillis(), CALLS)
    const unsafeWithdraw = () => {
      const now = clock.unsafeCurrentTimeMillis()
      if (counts.total(now, RETRIES) + 1 > ratio * counts.total(now, CALLS) + minRetries) return false
      counts.add(now, RETRIES)
      return true
    }
    return {
      service: options.service,
      ratio,
      minRetries,
      windowMs,
      deposit: Effect.sync(unsafeDeposit),
      withdraw: Effect.sync(unsafeWithdraw),
      available: Effect.sync(() => Math.max(0, available(clock.unsafeCurrentTimeMillis()))),
      unsafeDeposit,
      unsafeWithdraw
    }
  })
