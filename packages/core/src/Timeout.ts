/**
 * A deadline per call, fixed or adaptive. An adaptive timeout follows the
 * service: it is a percentile of the recent latencies times a factor,
 * clamped to a floor and a ceiling, so a fast service fails fast and a slow
 * one is not cut off by a number chosen on a better day.
 *
 * The timeout does not race the call against a sleeper (`Effect.timeout`
 * does, at several microseconds per call): the call starts on a child fiber
 * on the current stack, a call that completes without suspending returns at
 * once, and only a call that suspends pays for a timer.
 *
 * Timeouts fail with `PolicyTimeout`, not `ToolTimeout`: a policy guards any
 * service call (a tool call, listing tools, a model call) and does not know
 * the tool. A tool gateway that wants the tool in the error maps it with
 * `toToolTimeout`. The default retry predicate and the circuit breaker treat
 * both alike.
 *
 * @example
 * ```ts
 * import { Timeout } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const timeout = yield* Timeout.adaptive({ service: "flights", floorMs: 200, ceilingMs: 5_000 })
 *   return yield* timeout(Effect.succeed(["LIS", "OPO"]))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as BatonMetrics from "./BatonMetrics.js"
import * as Deadline from "./internal/deadline.js"
import { LatencyWindow } from "./internal/latencyWindow.js"
import { clamp, emit, formatMs, perService } from "./internal/policy.js"
import type { Policy } from "./Policy.js"
import { ToolTimeout } from "./ToolGateway.js"

/**
 * A call to `service` did not finish within `timeoutMs`; it was interrupted.
 *
 * @since 0.1.0 @category errors
 */
export class PolicyTimeout extends Schema.TaggedError<PolicyTimeout>("@baton/core/PolicyTimeout")("PolicyTimeout", {
  service: Schema.String,
  timeoutMs: Schema.Number,
  adaptive: Schema.Boolean
}) {
  override get message() {
    return `Service "${this.service}" did not answer within ${formatMs(this.timeoutMs)}` +
      (this.adaptive ? " (adaptive timeout, from its recent latency)" : "")
  }
}

/**
 * A timeout policy.
 *
 * @since 0.1.0 @category models
 */
export interface Timeout extends Policy<PolicyTimeout> {
  readonly service: string
  /** The timeout the next call gets, in milliseconds. */
  readonly current: Effect.Effect<number>
}

/** @since 0.1.0 @category models */
export interface FixedOptions {
  readonly service: string
  readonly timeoutMs: number
}

/**
 * `timeout = clamp(factor × pQ(last window latencies), floorMs, ceilingMs)`,
 * and `initialMs` until `minSamples` calls have been seen. A call that times
 * out counts as taking the whole timeout, so when the service slows down the
 * timeout grows by `factor` at each recomputation until calls succeed again
 * or it reaches the ceiling.
 *
 * @since 0.1.0 @category models
 */
export interface AdaptiveOptions {
  readonly service: string
  readonly floorMs: number
  readonly ceilingMs: number
  /** Default 0.99. */
  readonly percentile?: number
  /** Default 2. */
  readonly factor?: number
  /** How many recent calls the percentile is taken over. Default 200. */
  readonly window?: number
  /** Default 20. */
  readonly minSamples?: number
  /** Default `ceilingMs`. */
  readonly initialMs?: number
}

const make = (
  service: string,
  adaptive: boolean,
  timeoutMs: () => number,
  observe: ((durationMs: number, timedOut: boolean) => void) | undefined
): Effect.Effect<Timeout> =>
  Effect.map(Effect.clock, (clock) => {
    const timeouts = perService(BatonMetrics.policyTimeouts, service)
    const policy = Deadline.make({
      clock,
      timeoutMs,
      observe,
      onTimeout: (ms) =>
        Effect.zipRight(
          emit({ _tag: "PolicyTimedOut", at: clock.unsafeCurrentTimeMillis(), service, timeoutMs: ms }, timeouts),
          Effect.fail(new PolicyTimeout({ service, timeoutMs: ms, adaptive }))
        )
    })
    return Object.assign(policy, { service, current: Effect.sync(timeoutMs) })
  })

/**
 * The same timeout for every call.
 *
 * @since 0.1.0 @category constructors
 */
export const fixed = (options: FixedOptions): Effect.Effect<Timeout> =>
  make(options.service, false, () => options.timeoutMs, undefined)

/**
 * A timeout that follows the service's observed latency (see `AdaptiveOptions`).
 *
 * @since 0.1.0 @category constructors
 */
export const adaptive = (options: AdaptiveOptions): Effect.Effect<Timeout> =>
  Effect.suspend(() => {
    const { ceilingMs, floorMs } = options
    const factor = options.factor ?? 2
    const minSamples = options.minSamples ?? 20
    const initialMs = options.initialMs ?? ceilingMs
    const window = new LatencyWindow(options.window ?? 200, options.percentile ?? 0.99)
    return make(
      options.service,
      true,
      () => window.count < minSamples ? initialMs : clamp(factor * window.percentile(), floorMs, ceilingMs),
      (durationMs) => window.add(durationMs)
    )
  })

/**
 * The same timeout as a `ToolTimeout`, for a gateway that knows the tool.
 *
 * @since 0.1.0 @category conversions
 */
export const toToolTimeout = (error: PolicyTimeout, tool: string): ToolTimeout =>
  new ToolTimeout({ service: error.service, tool, timeoutMs: error.timeoutMs })
