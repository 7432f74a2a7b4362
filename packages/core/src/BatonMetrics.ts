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

// Resilience policies tag these with `service` once, when a policy is made;
// only the breaker's transition counter is tagged per transition (rare).
/** @since 0.1.0 @category metrics */
export const breakerTransitions = Metric.counter("baton_breaker_transitions_total", {
  description: "Circuit breaker transitions, tagged with service, from and to"
})
/**
 * 0 closed, 0.5 half-open, 1 open; tagged with service.
 *
 * @since 0.1.0 @category metrics
 */
export const breakerState = Metric.gauge("baton_breaker_state", {
  description: "Circuit breaker state per service: 0 closed, 0.5 half-open, 1 open"
})
/** @since 0.1.0 @category metrics */
export const retries = Metric.counter("baton_retries_total", { description: "Retried calls, per service" })
/** @since 0.1.0 @category metrics */
export const retryGiveUps = Metric.counter("baton_retry_give_ups_total", {
  description: "Calls that failed after retrying or whose retry was refused, per service and reason"
})
/** @since 0.1.0 @category metrics */
export const policyRejections = Metric.counter("baton_policy_rejections_total", {
  description: "Calls refused before reaching the service, per service and policy (breaker, bulkhead, rate-limit)"
})
/** @since 0.1.0 @category metrics */
export const policyTimeouts = Metric.counter("baton_policy_timeouts_total", {
  description: "Calls stopped by a timeout policy, per service"
})
/** @since 0.1.0 @category metrics */
export const hedges = Metric.counter("baton_hedges_total", { description: "Second attempts started by hedging, per service" })
/** @since 0.1.0 @category metrics */
export const fallbacks = Metric.counter("baton_fallbacks_total", { description: "Calls answered by a fallback, per service" })
/**
 * Duration of a workflow run, tagged with its status by the executor.
 *
 * @since 0.1.0 @category metrics
 */
export const workflowDuration = Metric.histogram(
  "baton_workflow_duration_ms",
  latencyBoundaries,
  "Duration of a workflow run (completed, partial or failed)"
)
