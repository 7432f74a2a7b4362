/**
 * Retries a failed call when the failure is worth retrying, after a delay
 * from a `Schedule` (exponential backoff with jitter by default), never
 * sooner than the retry-after hint the error carries, and only while the
 * service's `RetryBudget` allows it — so that failures do not become a
 * retry storm.
 *
 * - Retryable by default: timeouts (`PolicyTimeout`, `ToolTimeout`),
 *   `TransportClosed`, rate-limit and 5xx-like protocol errors, and any core
 *   error with a `retryAfterMs` hint. Never `InvalidToolArguments`,
 *   `UnknownTool`, `UnknownService`, `ToolCancelled`, a `ToolResultError`
 *   without a hint, or another policy's refusal (`BreakerOpen`,
 *   `BulkheadRejected`, `RateLimited`): those would fail the same way again.
 * - A hint longer than `maxRetryAfterMs` gives up at once instead of holding
 *   the caller.
 * - A refused retry fails with `RetryBudgetExhausted`, which carries the
 *   last error.
 *
 * Events: `RetryAttempted` before each retry, `RetryGaveUp` when a call that
 * was retried (or whose retry was refused) fails for good. On success the
 * policy costs a budget deposit, plus an error handler frame when the call
 * suspends; the schedule is only stepped once a call has failed.
 *
 * @example
 * ```ts
 * import { Retry } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const retry = yield* Retry.make({
 *     service: "activities",
 *     schedule: Retry.backoff({ baseMs: 200, maxRetries: 4 })
 *   })
 *   return yield* retry(Effect.succeed(["kayak tour"]))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import * as BatonMetrics from "./BatonMetrics.js"
import * as classify from "./internal/classify.js"
import { describe, emit, perService } from "./internal/policy.js"
import { guard, isExit, runStep } from "./internal/step.js"
import type { Policy } from "./Policy.js"
import * as RetryBudget from "./RetryBudget.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  /** The delays between attempts; its input is the failure. Default `backoff()`. */
  readonly schedule?: Schedule.Schedule<unknown, unknown>
  /** Which failures to retry. Default `isRetryable`. */
  readonly while?: (error: unknown) => boolean
  /** The minimum delay a failure asks for. Default: its `retryAfterMs`. */
  readonly retryAfter?: (error: unknown) => number | undefined
  /** A longer retry-after hint gives up instead of waiting. Default 30 s. */
  readonly maxRetryAfterMs?: number
  /** Default: a budget of its own with `RetryBudget`'s defaults. */
  readonly budget?: RetryBudget.RetryBudget
}

/** @since 0.1.0 @category models */
export interface Retry extends Policy<RetryBudget.RetryBudgetExhausted> {
  readonly service: string
  readonly budget: RetryBudget.RetryBudget
}

/**
 * The default retry predicate (see the module documentation).
 *
 * @since 0.1.0 @category predicates
 */
export const isRetryable: (error: unknown) => boolean = classify.isRetryable

/**
 * Exponential backoff: `baseMs × factor^n`, jittered by ±20 % (unless
 * `jitter: false`), at most `maxMs`, for at most `maxRetries` retries.
 * Defaults: 100 ms, ×2, 5 s, 3 retries, jitter.
 *
 * @since 0.1.0 @category constructors
 */
export const backoff = (
  options: {
    readonly baseMs?: number
    readonly factor?: number
    readonly maxMs?: number
    readonly maxRetries?: number
    readonly jitter?: boolean
  } = {}
): Schedule.Schedule<unknown, unknown> => {
  const maxDelay = Duration.millis(options.maxMs ?? 5_000)
  const exponential = Schedule.exponential(options.baseMs ?? 100, options.factor ?? 2)
  return (options.jitter === false ? exponential : Schedule.jittered(exponential)).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay)),
    Schedule.intersect(Schedule.recurs(options.maxRetries ?? 3))
  )
}

type GiveUpReason = "not-retryable" | "schedule-exhausted" | "budget-exhausted" | "retry-after-too-long"

/**
 * Makes a retry policy; it reads time from the `Clock` of the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<Retry> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const { service } = options
    const budget = options.budget ?? (yield* RetryBudget.make({ service }))
    const schedule = options.schedule ?? backoff()
    const retryable = options.while ?? isRetryable
    const retryAfter = options.retryAfter ?? classify.retryAfterOf
    const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000
    const retried = perService(BatonMetrics.retries, service)
    const gaveUp = perService(BatonMetrics.retryGiveUps, service)

    const giveUp = <E>(error: E, retries: number, reason: GiveUpReason, failure: unknown = error) =>
      Effect.zipRight(
        emit(
          {
            _tag: "RetryGaveUp",
            at: clock.unsafeCurrentTimeMillis(),
            service,
            retries,
            reason,
            error: describe(error)
          },
          Metric.tagged(gaveUp, "reason", reason)
        ),
        Effect.fail(failure as E)
      )

    const retrying = <A, E, R>(
      self: Effect.Effect<A, E, R>,
      first: E
    ): Effect.Effect<A, E | RetryBudget.RetryBudgetExhausted, R> =>
      Effect.gen(function*() {
        let error = first
        let state: unknown = schedule.initial
        let retries = 0
        while (true) {
          if (retries > 0 && !retryable(error)) return yield* giveUp(error, retries, "not-retryable")
          const now = clock.unsafeCurrentTimeMillis()
          const [next, , decision] = yield* schedule.step(now, error, state)
          if (ScheduleDecision.isDone(decision)) return yield* giveUp(error, retries, "schedule-exhausted")
          state = next
          let delayMs = Math.max(0, Intervals.start(decision.intervals) - now)
          const hint = retryAfter(error)
          if (hint !== undefined) {
            if (hint > maxRetryAfterMs) return yield* giveUp(error, retries, "retry-after-too-long")
            delayMs = Math.max(delayMs, hint)
          }
          if (!budget.unsafeWithdraw()) {
            return yield* giveUp(
              error,
              retries,
              "budget-exhausted",
              new RetryBudget.RetryBudgetExhausted({
                service,
                ratio: budget.ratio,
                minRetries: budget.minRetries,
                windowMs: budget.windowMs,
                lastError: error
              })
            )
          }
          retries++
          yield* emit(
            { _tag: "RetryAttempted", at: now, service, attempt: retries, delayMs, error: describe(error) },
            retried
          )
          if (delayMs > 0) yield* clock.sleep(Duration.millis(delayMs))
          const result = yield* Effect.either(self)
          if (Either.isRight(result)) return result.right
          error = result.left
        }
      })

    const policy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RetryBudget.RetryBudgetExhausted, R> =>
      guard<A, E | RetryBudget.RetryBudgetExhausted, R>((fiber, runtimeFlags) => {
        budget.unsafeDeposit()
        const result = runStep(self, fiber, runtimeFlags)
        if (!isExit(result)) {
          return Effect.catchAll(result, (error) => retryable(error) ? retrying(self, error) : Effect.fail(error))
        }
        if (Exit.isSuccess(result)) return result
        const failure = Cause.failureOrCause(result.cause)
        return Either.isLeft(failure) && retryable(failure.left) ? retrying(self, failure.left) : result
      })

    return Object.assign(policy, { service, budget })
  })
