/**
 * Helpers shared by the resilience policies: event publication with its
 * metric, short descriptions of errors for events and messages.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type { BatonEvent } from "../BatonEvent.js"
import * as EventBus from "../EventBus.js"

/** @internal */
export type Counter = Metric.Metric.Counter<number>

/** A counter tagged with the policy's service, made once per policy. */
export const perService = (counter: Counter, service: string): Counter => Metric.tagged(counter, "service", service)

/** Publishes `event` (when an `EventBus` is provided) and counts it. */
export const emit = (event: BatonEvent, counter?: Counter): Effect.Effect<void> =>
  counter === undefined ? EventBus.publish(event) : Effect.zipRight(Metric.increment(counter), EventBus.publish(event))

/** A one-line description of a failure, for events and error messages. */
export const describe = (error: unknown): string => {
  if (error instanceof Error) return error.message || error.name
  if (typeof error === "object" && error !== null && "_tag" in error) return String(error._tag)
  return String(error)
}

/** A one-line description of a cause. */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return describe(failure.value)
  const defect = Cause.dieOption(cause)
  if (defect._tag === "Some") return `defect: ${describe(defect.value)}`
  return "interrupted"
}

/** `1500` → `"1.5 s"`, `250` → `"250 ms"`. */
export const formatMs = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`

export const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value))
