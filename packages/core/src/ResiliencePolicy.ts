/**
 * A service's policy stack, built from configuration (the `policy` entry of
 * a service in `baton.config.json`). Each configured policy is made once per
 * service and shared by all its calls; an absent entry leaves that policy out.
 *
 * The stack, outermost first:
 *
 *     Fallback? → Bulkhead → Retry → Hedge? → RateLimiter → CircuitBreaker → [health] → Timeout → call
 *
 * (`[health]` records each attempt in a `HealthScore` when one is given.)
 *
 * This is DESIGN.md's "bulkhead → circuit breaker → timeout → retry →
 * fallback" read as the order of concerns; the nesting that makes each of
 * them correct is:
 *
 * - **Timeout inside Retry**: the deadline applies to each attempt. A
 *   deadline around the whole retry loop would be spent by the first slow
 *   attempt and leave nothing for the retries.
 * - **Circuit breaker inside Retry, outside Timeout**: every attempt is
 *   counted, timeouts included, so a call retried three times against a
 *   dead service is three failures, not one; and once the breaker opens, the
 *   remaining retries fail fast with `BreakerOpen`, which is not retryable.
 *   With the breaker outside Retry, retries would keep hammering a service
 *   the breaker already knows is down.
 * - **Rate limiter inside Retry, outside the breaker**: retries are calls
 *   to the service and spend its rate like any other; a local `RateLimited`
 *   refusal is not a service failure, so the breaker never sees it.
 * - **Hedge inside Retry**: a hedged pair is one attempt; each of its two
 *   calls passes the rate limiter, the breaker and its own timeout.
 * - **Bulkhead outside Retry**: it bounds the calls in progress, retries and
 *   their backoff included, so a failing service cannot collect more waiting
 *   fibers than the bulkhead allows; retries themselves are bounded by the
 *   retry budget.
 * - **Fallback outermost**: it answers for anything that finally failed,
 *   the other policies' refusals included. A fallback is code, not
 *   configuration: pipe the stack into `Fallback.make(...)`.
 *
 * The success path is kept cheap: the breaker, the bulkhead, the rate
 * limiter and the retry budget are counters in closures; the policies run
 * synchronously first, each calling the next one's step directly, so a call
 * that completes without suspending passes the whole stack in one runtime
 * op (plus the timeout's child fiber) and gets effectful handlers only when
 * it suspends; the timeout arms its timer only then; the retry schedule is
 * only stepped after a failure. See `bench/policies.ts` for the figures.
 *
 * @example
 * ```ts
 * import { ResiliencePolicy } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const policy = yield* ResiliencePolicy.fromConfig("flights", {
 *     timeoutMs: 3_000,
 *     retry: { maxRetries: 2 },
 *     breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 5 } },
 *     bulkhead: { maxConcurrent: 10, maxQueued: 20 }
 *   })
 *   return yield* policy(Effect.succeed(["TP1350"]))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Bulkhead from "./Bulkhead.js"
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as Hedge from "./Hedge.js"
import type * as HealthScore from "./HealthScore.js"
import * as Policy from "./Policy.js"
import * as RateLimiter from "./RateLimiter.js"
import * as Retry from "./Retry.js"
import * as RetryBudget from "./RetryBudget.js"
import * as Timeout from "./Timeout.js"

const PositiveMs = Schema.Number.pipe(Schema.positive())
const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const Fraction = Schema.Number.pipe(Schema.between(0, 1))
const opt = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** @since 0.1.0 @category schemas */
export const AdaptiveTimeoutConfig = Schema.Struct({
  floorMs: PositiveMs,
  ceilingMs: PositiveMs,
  percentile: opt(Fraction),
  factor: opt(Schema.Number.pipe(Schema.greaterThanOrEqualTo(1))),
  window: opt(PositiveInt),
  minSamples: opt(PositiveInt)
})

/** @since 0.1.0 @category schemas */
export const RetryConfig = Schema.Struct({
  maxRetries: opt(NonNegativeInt),
  baseDelayMs: opt(PositiveMs),
  maxDelayMs: opt(PositiveMs),
  factor: opt(Schema.Number.pipe(Schema.greaterThanOrEqualTo(1))),
  jitter: opt(Schema.Boolean),
  maxRetryAfterMs: opt(PositiveMs),
  budget: opt(Schema.Struct({
    ratio: opt(Schema.Number.pipe(Schema.nonNegative())),
    minRetries: opt(NonNegativeInt),
    windowMs: opt(PositiveMs)
  }))
})

/** @since 0.1.0 @category schemas */
export const BreakerConfig = Schema.Struct({
  trip: opt(Schema.Union(CircuitBreaker.TripStrategy, Schema.Array(CircuitBreaker.TripStrategy))),
  halfOpen: opt(Schema.Struct({
    probes: opt(PositiveInt),
    successThreshold: opt(PositiveInt)
  })),
  /** The first open duration; it grows by `openBackoffFactor` per consecutive opening up to `maxOpenMs`. */
  openMs: opt(PositiveMs),
  maxOpenMs: opt(PositiveMs),
  openBackoffFactor: opt(Schema.Number.pipe(Schema.greaterThanOrEqualTo(1)))
})

/** @since 0.1.0 @category schemas */
export const BulkheadConfig = Schema.Struct({ maxConcurrent: PositiveInt, maxQueued: opt(NonNegativeInt) })

/** @since 0.1.0 @category schemas */
export const RateLimitConfig = Schema.Struct({
  limit: PositiveInt,
  intervalMs: PositiveMs,
  burst: opt(PositiveInt)
})

/** @since 0.1.0 @category schemas */
export const HedgeConfig = Schema.Struct({
  delayMs: opt(PositiveMs),
  percentile: opt(Fraction),
  minDelayMs: opt(Schema.Number.pipe(Schema.nonNegative())),
  maxDelayMs: opt(PositiveMs)
})

/**
 * A service's policies. `timeoutMs` alone is a fixed timeout; with
 * `adaptiveTimeout` it is the adaptive timeout's starting value.
 *
 * @since 0.1.0 @category schemas
 */
export const Config = Schema.Struct({
  timeoutMs: opt(PositiveMs),
  adaptiveTimeout: opt(AdaptiveTimeoutConfig),
  retry: opt(RetryConfig),
  breaker: opt(BreakerConfig),
  bulkhead: opt(BulkheadConfig),
  rateLimit: opt(RateLimitConfig),
  hedge: opt(HedgeConfig)
})
/** @since 0.1.0 @category models */
export type Config = typeof Config.Type

/** @since 0.1.0 @category models */
export interface Parts {
  readonly bulkhead?: Bulkhead.Bulkhead
  readonly retry?: Retry.Retry
  readonly hedge?: Hedge.Hedge
  readonly rateLimiter?: RateLimiter.RateLimiter
  readonly breaker?: CircuitBreaker.CircuitBreaker
  readonly timeout?: Timeout.Timeout
}

/**
 * A service's stack. Calling it guards a call with every configured policy
 * but hedging; `idempotent` adds hedging, for calls that may run twice.
 *
 * @since 0.1.0 @category models
 */
export interface ResiliencePolicy extends Policy.Policy<Policy.PolicyError> {
  readonly service: string
  readonly config: Config
  readonly idempotent: Policy.Policy<Policy.PolicyError>
  /**
   * The stack without Retry and Hedge, for calls that must run at most once
   * (side effects without an idempotency key).
   */
  readonly once: Policy.Policy<Policy.PolicyError>
  /** The policies, to read a breaker's state, snapshot it, or read the current timeout. */
  readonly parts: Parts
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  readonly config: Config
  /** Record each attempt (timeouts included) under `instance` (default `"default"`). */
  readonly health?: HealthScore.Service
  readonly instance?: string
}

const optional = <A, B>(value: A | undefined, make: (value: A) => Effect.Effect<B>): Effect.Effect<B | undefined> =>
  value === undefined ? Effect.succeed(undefined) : make(value)

/**
 * Builds a service's stack from its configuration.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<ResiliencePolicy> =>
  Effect.gen(function*() {
    const { config, service } = options
    const timeout = yield* (config.adaptiveTimeout !== undefined
      ? Timeout.adaptive({
        service,
        ...config.adaptiveTimeout,
        ...(config.timeoutMs !== undefined ? { initialMs: config.timeoutMs } : {})
      })
      : optional(config.timeoutMs, (timeoutMs) => Timeout.fixed({ service, timeoutMs })))
    const breaker = yield* optional(config.breaker, (breaker) =>
      CircuitBreaker.make({
        service,
        ...(breaker.trip !== undefined ? { trip: breaker.trip } : {}),
        ...(breaker.halfOpen !== undefined ? { halfOpen: breaker.halfOpen } : {}),
        openDuration: CircuitBreaker.openBackoff({
          ...(breaker.openMs !== undefined ? { initialMs: breaker.openMs } : {}),
          ...(breaker.maxOpenMs !== undefined ? { maxMs: breaker.maxOpenMs } : {}),
          ...(breaker.openBackoffFactor !== undefined ? { factor: breaker.openBackoffFactor } : {})
        })
      }))
    const budget = yield* optional(config.retry, (retry) => RetryBudget.make({ service, ...retry.budget }))
    const retry = yield* optional(config.retry, (retry) =>
      Retry.make({
        service,
        budget: budget!,
        schedule: Retry.backoff({
          ...(retry.maxRetries !== undefined ? { maxRetries: retry.maxRetries } : {}),
          ...(retry.baseDelayMs !== undefined ? { baseMs: retry.baseDelayMs } : {}),
          ...(retry.maxDelayMs !== undefined ? { maxMs: retry.maxDelayMs } : {}),
          ...(retry.factor !== undefined ? { factor: retry.factor } : {}),
          ...(retry.jitter !== undefined ? { jitter: retry.jitter } : {})
        }),
        ...(retry.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: retry.maxRetryAfterMs } : {})
      }))
    const bulkhead = yield* optional(config.bulkhead, (bulkhead) => Bulkhead.make({ service, ...bulkhead }))
    const rateLimiter = yield* optional(config.rateLimit, (rateLimit) => RateLimiter.make({ service, ...rateLimit }))
    const hedge = yield* optional(config.hedge, (hedge) =>
      Hedge.make({ service, ...hedge, ...(budget !== undefined ? { budget } : {}) }))
    const observe = options.health?.observe(service, options.instance)

    const stack = (withHedge: boolean, withRetry = true) =>
      Policy.wrap(
        ...[bulkhead, withRetry ? retry : undefined, withHedge ? hedge : undefined, rateLimiter, breaker, observe, timeout].filter(
          (policy): policy is NonNullable<typeof policy> => policy !== undefined
        ) as ReadonlyArray<Policy.Policy<Policy.PolicyError>>
      )

    const parts: Parts = {
      ...(bulkhead !== undefined ? { bulkhead } : {}),
      ...(retry !== undefined ? { retry } : {}),
      ...(hedge !== undefined ? { hedge } : {}),
      ...(rateLimiter !== undefined ? { rateLimiter } : {}),
      ...(breaker !== undefined ? { breaker } : {}),
      ...(timeout !== undefined ? { timeout } : {})
    }
    return Object.assign(stack(false), { service, config, idempotent: stack(true), once: stack(false, false), parts })
  })

/**
 * Decodes `input` as a `Config` and builds the stack.
 *
 * @since 0.1.0 @category constructors
 */
export const fromConfig = (
  service: string,
  input: unknown,
  options: Omit<Options, "service" | "config"> = {}
): Effect.Effect<ResiliencePolicy, ParseResult.ParseError> =>
  Effect.flatMap(Schema.decodeUnknown(Config)(input), (config) => make({ ...options, service, config }))
