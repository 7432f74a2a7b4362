/**
 * Effect metrics recorded by the runtime. Export them with any Effect metrics
 * exporter (OpenTelemetry, Prometheus) or read them with `Metric.value`.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

const latencyBoundaries = MetricBoundaries.exponential({ start: 0.05, factor: 2, count: 18 })

/** @since 0.1.0 @category metrics */
export const turnDuration = Metric.histogram("baton_turn_duration_ms", latencyBoundaries, "Duration of a turn")
/** @since 0.1.0 @category metrics */
export const routeDuration = Metric.histogram("baton_route_duration_ms", latencyBoundaries, "Duration of routing")
/** @since 0.1.0 @category metrics */
export const handoffDuration = Metric.histogram(
  "baton_handoff_duration_ms",
  latencyBoundaries,
  "Duration of a handoff"
)
/** @since 0.1.0 @category metrics */
export const handoffs = Metric.counter("baton_handoffs_total", { description: "Handoffs by outcome" })
// Tagging builds a new metric key, so the tagged counters are made once here.
/** @since 0.1.0 @category metrics */
export const handoffsCompleted = Metric.tagged(handoffs, "outcome", "completed")
/** @since 0.1.0 @category metrics */
export const handoffsRejected = Metric.tagged(handoffs, "outcome", "rejected")
/** @since 0.1.0 @category metrics */
export const contextViolations = Metric.counter("baton_context_preservation_violations_total", {
  description: "Handoffs whose checksum did not match after transfer"
})
