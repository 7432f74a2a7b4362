/**
 * A circuit breaker stops calling a service that keeps failing, so that its
 * callers fail fast (with `BreakerOpen`, which says when calls resume) and
 * the service gets room to recover.
 *
 * - **closed**: calls pass; outcomes feed the trip strategies — consecutive
 *   failures, N failures in the last M calls, a failure rate over a time
 *   window once it saw a minimum of calls, a slow-call rate. Any strategy
 *   trips the breaker.
 * - **open**: calls are refused until the open duration has passed. The
 *   duration is a `Schedule` stepped once per opening (its input is the
 *   number of consecutive openings), so a service that fails again right
 *   after recovering stays out longer; it restarts when the breaker closes.
 *   When the schedule ends, its last duration repeats.
 * - **half-open**: the first call after the open duration moves the breaker
 *   here; up to `probes` calls go through. `successThreshold` successes close
 *   it; as soon as that can no longer happen, it opens again.
 *
 * Every transition publishes a `BreakerTransition` event on the `EventBus`
 * and updates `BatonMetrics.breakerTransitions` and `breakerState`. The state
 * can be read as a `Snapshot` (a Schema) and restored, e.g. by another
 * process. Failures that say nothing about the service (the caller's
 * mistakes, interruptions) are not counted; see `Options.isFailure`.
 *
 * The state is plain mutable data in the policy's closure rather than a
 * `Ref`: a closed breaker costs a state check and a counter update (plus
 * one frame when the call suspends), and fibers only interleave between the
 * synchronous updates.
 *
 * @example
 * ```ts
 * import { CircuitBreaker } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({
 *     service: "payments",
 *     trip: [CircuitBreaker.consecutiveFailures(5), CircuitBreaker.timeWindow({ windowMs: 30_000, failureRate: 0.5, minimumThroughput: 20 })],
 *     halfOpen: { probes: 3, successThreshold: 2 }
 *   })
 *   return yield* breaker(Effect.succeed("charged"))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { BreakerState } from "./BatonEvent.js"
import * as internal from "./internal/circuitBreaker.js"
import { formatMs } from "./internal/policy.js"
import type { Policy } from "./Policy.js"

/** @since 0.1.0 @category schemas */
export { BreakerState } from "./BatonEvent.js"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Positive = Schema.Number.pipe(Schema.positive())
const Rate = Schema.Number.pipe(Schema.between(0, 1))

/**
 * Trip after `threshold` failures in a row.
 *
 * @since 0.1.0 @category schemas
 */
export const ConsecutiveFailures = Schema.TaggedStruct("ConsecutiveFailures", { threshold: PositiveInt })

/**
 * Trip when `failures` of the last `size` calls failed.
 *
 * @since 0.1.0 @category schemas
 */
export const CountWindow = Schema.TaggedStruct("CountWindow", { size: PositiveInt, failures: PositiveInt })

/**
 * Trip when at least `failureRate` of the calls of the last `windowMs`
 * failed, once there were at least `minimumThroughput` of them.
 *
 * @since 0.1.0 @category schemas
 */
export const TimeWindow = Schema.TaggedStruct("TimeWindow", {
  windowMs: Positive,
  failureRate: Rate,
  minimumThroughput: PositiveInt
})

/**
 * Trip when at least `rate` of the calls of the last `windowMs` took
 * `slowCallMs` or more (failed or not), once there were at least
 * `minimumThroughput` of them. A half-open probe that slow counts as failed.
 *
 * @since 0.1.0 @category schemas
 */
export const SlowCallRate = Schema.TaggedStruct("SlowCallRate", {
  windowMs: Positive,
  slowCallMs: Positive,
  rate: Rate,
  minimumThroughput: PositiveInt
})

/** @since 0.1.0 @category schemas */
export const TripStrategy = Schema.Union(ConsecutiveFailures, CountWindow, TimeWindow, SlowCallRate)
/** @since 0.1.0 @category models */
export type TripStrategy = typeof TripStrategy.Type

/** @since 0.1.0 @category constructors */
export const consecutiveFailures = (threshold: number): TripStrategy => ConsecutiveFailures.make({ threshold })

/** @since 0.1.0 @category constructors */
export const countWindow = (options: { readonly size: number; readonly failures: number }): TripStrategy =>
  CountWindow.make(options)

/** @since 0.1.0 @category constructors */
export const timeWindow = (
  options: { readonly windowMs: number; readonly failureRate: number; readonly minimumThroughput: number }
): TripStrategy => TimeWindow.make(options)

/** @since 0.1.0 @category constructors */
export const slowCallRate = (
  options: {
    readonly windowMs: number
    readonly slowCallMs: number
    readonly rate: number
    readonly minimumThroughput: number
  }
): TripStrategy => SlowCallRate.make(options)

const WindowBucket = Schema.Struct({ start: Schema.Number, counts: Schema.Array(Schema.Number) })

/**
 * What a trip strategy remembers.
 *
 * @since 0.1.0 @category schemas
 */
export const TripState = Schema.Union(
  Schema.TaggedStruct("ConsecutiveFailures", { failures: Schema.Number }),
  /** Oldest first; `true` is a failure. */
  Schema.TaggedStruct("CountWindow", { outcomes: Schema.Array(Schema.Boolean) }),
  Schema.TaggedStruct("TimeWindow", { buckets: Schema.Array(WindowBucket) }),
  Schema.TaggedStruct("SlowCallRate", { buckets: Schema.Array(WindowBucket) })
)
/** @since 0.1.0 @category models */
export type TripState = typeof TripState.Type

/**
 * A breaker's state, to store or send and `restore` later. Times are the
 * `Clock`'s epoch milliseconds. Probe calls in flight are not part of it.
 *
 * @since 0.1.0 @category schemas
 */
export const Snapshot = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  service: Schema.String,
  state: BreakerState,
  /** Why the breaker last opened; empty when it never did. */
  reason: Schema.String,
  /** Openings since the breaker last closed; positions the open-duration schedule. */
  openings: Schema.Number,
  openedAt: Schema.Number,
  openUntil: Schema.Number,
  probes: Schema.Struct({ successes: Schema.Number, failures: Schema.Number }),
  /** One entry per trip strategy, in order. */
  trip: Schema.Array(TripState)
})
/** @since 0.1.0 @category models */
export type Snapshot = typeof Snapshot.Type

/**
 * The breaker refused the call. `retryAfterMs` says when the next call may
 * go through (0 while half-open probes are running).
 *
 * @since 0.1.0 @category errors
 */
export class BreakerOpen extends Schema.TaggedError<BreakerOpen>("@baton/core/BreakerOpen")("BreakerOpen", {
  service: Schema.String,
  state: Schema.Literal("open", "half-open"),
  reason: Schema.String,
  retryAfterMs: Schema.Number
}) {
  override get message() {
    return this.state === "open"
      ? `Service "${this.service}" is unavailable: its circuit breaker opened after ${this.reason}. ` +
        `Calls resume in ${formatMs(this.retryAfterMs)}.`
      : `Service "${this.service}" is recovering (circuit breaker half-open after ${this.reason}): ` +
        `the probe calls it allows are running. Try again shortly.`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  /** Default `consecutiveFailures(5)`. */
  readonly trip?: TripStrategy | ReadonlyArray<TripStrategy>
  /** Default one probe, which must succeed. */
  readonly halfOpen?: {
    readonly probes?: number
    /** At most `probes`; default `probes`. */
    readonly successThreshold?: number
  }
  /**
   * How long the breaker stays open, stepped once per opening with the
   * number of consecutive openings as input. Default `openBackoff()`.
   */
  readonly openDuration?: Schedule.Schedule<unknown, number>
  /**
   * Which typed failures count against the service. Default: all but the
   * caller's mistakes (`InvalidToolArguments`, `UnknownTool`,
   * `UnknownService`, `ToolCancelled`, JSON-RPC invalid request/params), a
   * `ToolResultError` without a retry hint (the service answered) and other
   * policies' rejections. Defects count; interruptions never do.
   */
  readonly isFailure?: (error: unknown) => boolean
  /** Start from a stored state. */
  readonly initial?: Snapshot
}

/**
 * A circuit breaker: a policy that can also report and restore its state.
 *
 * @since 0.1.0 @category models
 */
export interface CircuitBreaker extends Policy<BreakerOpen> {
  readonly service: string
  /** The current state. An open breaker turns half-open at the next call after its open duration. */
  readonly state: Effect.Effect<BreakerState>
  readonly snapshot: Effect.Effect<Snapshot>
  readonly restore: (snapshot: Snapshot) => Effect.Effect<void>
}

/**
 * An open duration that starts at `initialMs` and grows by `factor` at each
 * consecutive opening, up to `maxMs`. Defaults: 5 s, ×2, 60 s.
 *
 * @since 0.1.0 @category constructors
 */
export const openBackoff = (
  options: { readonly initialMs?: number; readonly factor?: number; readonly maxMs?: number } = {}
): Schedule.Schedule<unknown, number> =>
  Schedule.exponential(options.initialMs ?? 5_000, options.factor ?? 2).pipe(
    Schedule.union(Schedule.spaced(options.maxMs ?? 60_000))
  )

/**
 * Makes a breaker, closed unless `initial` says otherwise. It reads time
 * from the `Clock` of the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make: (options: Options) => Effect.Effect<CircuitBreaker> = internal.make
