/**
 * Health scores in 0..1 per service and per instance, from the recent error
 * rate and latency of real calls, so that routing can rank agents whose
 * services are failing down and a pool can prefer its healthiest instance.
 * `layer` provides it together with the `ServiceHealth` port that
 * `AgentRouter` reads.
 *
 * For each instance, two exponentially weighted moving averages over its
 * calls (each new call weighs `alpha`):
 *
 *     e = error rate (a failure counts 1, a success 0)
 *     ℓ = latency in ms
 *     p = clamp((ℓ − latencyGoodMs) / (latencyBadMs − latencyGoodMs), 0, 1)
 *     d = exp(−(now − last call) / recoveryMs)
 *     score = (1 − e·d) × (1 − latencyWeight·p·d)
 *
 * An instance with no calls scores 1. The decay `d` lets an instance that
 * has not been called for a while drift back towards healthy, so that
 * routing tries it again (its circuit breaker decides whether it really
 * is) instead of shunning it forever. Latency alone costs at most
 * `latencyWeight` (0.4 by default): a slow service that answers stays usable.
 * A service scores as its best instance, since a pool routes to it.
 * Interrupted calls and the caller's mistakes are not counted.
 *
 * @example
 * ```ts
 * import { HealthScore } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const health = yield* HealthScore.HealthScore
 *   yield* health.observe("flights", "flights-1")(Effect.succeed("ok"))
 *   return yield* health.score("flights")
 * }).pipe(Effect.provide(HealthScore.layer()))
 * ```
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { IGNORED, isServiceFault, outcomeOfCause } from "./internal/classify.js"
import { clamp } from "./internal/policy.js"
import { guard, isExit, runStep } from "./internal/step.js"
import type { Policy } from "./Policy.js"
import * as ServiceHealth from "./ServiceHealth.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** Weight of each new call in the moving averages. Default 0.2. */
  readonly alpha?: number
  /** Latency with no penalty. Default 250 ms. */
  readonly latencyGoodMs?: number
  /** Latency with the full penalty. Default 5 s. */
  readonly latencyBadMs?: number
  /** The most latency can take off the score. Default 0.4. */
  readonly latencyWeight?: number
  /** Time constant of the drift back to healthy. Default 30 s. */
  readonly recoveryMs?: number
  /** Which typed failures count. Default: the circuit breaker's default. */
  readonly isFailure?: (error: unknown) => boolean
}

/** @since 0.1.0 @category models */
export interface Sample {
  readonly service: string
  /** Default `"default"`. */
  readonly instance?: string
  readonly ok: boolean
  readonly latencyMs: number
}

/** @since 0.1.0 @category models */
export interface InstanceScore {
  readonly instance: string
  readonly score: number
}

/** @since 0.1.0 @category models */
export interface Service {
  readonly record: (sample: Sample) => Effect.Effect<void>
  /** The score of the service's best instance; 1 when it has none. */
  readonly score: (service: string) => Effect.Effect<number>
  readonly instanceScore: (service: string, instance: string) => Effect.Effect<number>
  /** Every instance seen, best first. */
  readonly instances: (service: string) => Effect.Effect<ReadonlyArray<InstanceScore>>
  /** A policy that records each call it guards. */
  readonly observe: (service: string, instance?: string) => Policy<never>
}

/** @since 0.1.0 @category tags */
export class HealthScore extends Context.Tag("@baton/core/HealthScore")<HealthScore, Service>() {}

interface Stats {
  errors: number
  latencyMs: number
  at: number
  calls: number
}

/**
 * Makes a health tracker; it reads time from the `Clock` of the fiber that makes it.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.map(Effect.clock, (clock) => {
    const alpha = options.alpha ?? 0.2
    const good = options.latencyGoodMs ?? 250
    const bad = Math.max(good + 1, options.latencyBadMs ?? 5_000)
    const latencyWeight = options.latencyWeight ?? 0.4
    const recoveryMs = options.recoveryMs ?? 30_000
    const isFault = options.isFailure ?? isServiceFault
    const services = new Map<string, Map<string, Stats>>()

    const statsOf = (service: string, instance: string): Stats => {
      let instances = services.get(service)
      if (instances === undefined) services.set(service, instances = new Map())
      let stats = instances.get(instance)
      if (stats === undefined) instances.set(instance, stats = { errors: 0, latencyMs: 0, at: 0, calls: 0 })
      return stats
    }

    const update = (stats: Stats, ok: boolean, latencyMs: number, now: number) => {
      stats.errors += alpha * ((ok ? 0 : 1) - stats.errors)
      stats.latencyMs = stats.calls === 0 ? latencyMs : stats.latencyMs + alpha * (latencyMs - stats.latencyMs)
      stats.at = now
      stats.calls++
    }

    const scoreOf = (stats: Stats, now: number): number => {
      if (stats.calls === 0) return 1
      const decay = Math.exp(-Math.max(0, now - stats.at) / recoveryMs)
      const penalty = clamp((stats.latencyMs - good) / (bad - good), 0, 1)
      return (1 - stats.errors * decay) * (1 - latencyWeight * penalty * decay)
    }

    const instances = (service: string): ReadonlyArray<InstanceScore> => {
      const now = clock.unsafeCurrentTimeMillis()
      return Array.from(services.get(service) ?? [], ([instance, stats]) => ({ instance, score: scoreOf(stats, now) }))
        .sort((a, b) => b.score - a.score)
    }

    const observe = (service: string, instance = "default"): Policy<never> => {
      const stats = statsOf(service, instance)
      const failed = (start: number) => {
        const now = clock.unsafeCurrentTimeMillis()
        update(stats, false, now - start, now)
      }
      const succeeded = (start: number) => {
        const now = clock.unsafeCurrentTimeMillis()
        update(stats, true, now - start, now)
      }
      return <A, E, R>(self: Effect.Effect<A, E, R>) =>
        guard<A, E, R>((fiber, runtimeFlags) => {
          const start = clock.unsafeCurrentTimeMillis()
          const result = runStep(self, fiber, runtimeFlags)
          if (isExit(result)) {
            if (Exit.isSuccess(result)) succeeded(start)
            else if (outcomeOfCause(result.cause, isFault) !== IGNORED) failed(start)
            return result
          }
          return Effect.matchCauseEffect(result, {
            onSuccess: (value) => {
              succeeded(start)
              return Effect.succeed(value)
            },
            onFailure: (cause: Cause.Cause<E>) => {
              if (outcomeOfCause(cause, isFault) !== IGNORED) failed(start)
              return Effect.failCause(cause)
            }
          })
        })
    }

    return {
      record: (sample) =>
        Effect.sync(() =>
          update(
            statsOf(sample.service, sample.instance ?? "default"),
            sample.ok,
            sample.latencyMs,
            clock.unsafeCurrentTimeMillis()
          )
        ),
      score: (service) => Effect.sync(() => instances(service)[0]?.score ?? 1),
      instanceScore: (service, instance) =>
        Effect.sync(() => {
          const stats = services.get(service)?.get(instance)
          return stats === undefined ? 1 : scoreOf(stats, clock.unsafeCurrentTimeMillis())
        }),
      instances: (service) => Effect.sync(() => instances(service)),
      observe
    }
  })

/**
 * A `HealthScore` and the `ServiceHealth` port over it.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<HealthScore | ServiceHealth.ServiceHealth> =>
  Layer.provideMerge(
    Layer.effect(ServiceHealth.ServiceHealth, Effect.map(HealthScore, (health) => ({ score: health.score }))),
    Layer.effect(HealthScore, make(options))
  )
