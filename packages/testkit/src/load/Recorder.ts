/**
 * What a load run measures, as it happens: latency histograms for turns,
 * handoffs, workflows, session restores and tool calls per service; turn
 * outcomes; retries and fallbacks; circuit breaker transitions over time;
 * handoffs whose context did not arrive intact; and per-second buckets of
 * turns, errors and handoffs for the charts.
 *
 * Recording is synchronous and allocation-free on the common path: tens of
 * thousands of turns per run each record several values, so a recorder is a
 * plain mutable value rather than an Effect `Ref`. Recorders of several runs
 * (or worker processes) `merge` exactly.
 *
 * @since 0.1.0
 */
import type { BatonEvent, HandoffResult } from "@baton/core"
import * as Schema from "effect/Schema"
import * as Histogram from "./Histogram.js"

/**
 * What a turn came to. A failed turn is `timeout` (the run's turn deadline,
 * or a tool timeout that failed it), `breaker-rejected` (an open breaker
 * refused a call it needed) or `error`. A served turn is, worst first:
 * `breaker-rejected`, `workflow-failed` (a workflow failed, compensated or
 * not: the reply says so politely, but what was asked was not done),
 * `fallback` (a fallback service or a stale result answered a call),
 * `partial` (a workflow came back partial, or an agent answered without a
 * part a service failed to give, saying what is missing),
 * `timeout` (a call timed out and the turn got by without it) or `ok`.
 * Whether a turn failed is recorded apart (`failedTurns`): a served turn
 * that is not `ok` is degraded.
 *
 * @since 0.1.0 @category models
 */
export type Outcome = typeof Outcome.Type

/** @since 0.2.0 @category schemas */
export const Outcome = Schema.Literal("ok", "partial", "fallback", "workflow-failed", "breaker-rejected", "timeout", "error")

/** @since 0.1.0 @category constants */
export const outcomes: ReadonlyArray<Outcome> = Outcome.literals

/**
 * What a workflow run came to: `completed`, `partial` (its required steps
 * completed, an optional one did not), `compensated` (it failed and undid
 * the side effects it had made) or `failed` (it failed with nothing to undo).
 *
 * @since 0.2.0 @category models
 */
export type WorkflowClass = typeof WorkflowClass.Type

/** @since 0.2.0 @category schemas */
export const WorkflowClass = Schema.Literal("completed", "partial", "compensated", "failed")

/**
 * The class of a finished workflow run.
 *
 * @since 0.2.0 @category accessors
 */
export const workflowClass = (event: { readonly status: "completed" | "partial" | "failed"; readonly compensated: number }): WorkflowClass =>
  event.status === "failed" ? (event.compensated > 0 ? "compensated" : "failed") : event.status

/** @since 0.1.0 @category models */
export interface TimeBucket {
  turns: number
  /** Turns that failed. */
  errors: number
  handoffs: number
}

/** @since 0.1.0 @category models */
export interface BreakerChange {
  /** Milliseconds since the run started. */
  readonly atMs: number
  readonly service: string
  readonly from: string
  readonly to: string
  readonly reason: string
}

/** @since 0.1.0 @category models */
export interface ToolStats {
  readonly latency: Histogram.Histogram
  /** Calls by `ToolCalled` outcome (`ok`, `error`, `timeout`, `cached`…). */
  readonly outcomes: Record<string, number>
}

/** @since 0.1.0 @category models */
export interface Recorder {
  /** Epoch milliseconds the run started; time buckets count from here. */
  readonly startedAt: number
  readonly bucketMs: number
  readonly turn: Histogram.Histogram
  readonly handoff: Histogram.Histogram
  readonly workflow: Histogram.Histogram
  readonly restore: Histogram.Histogram
  readonly tools: Map<string, ToolStats>
  readonly outcomes: Record<Outcome, number>
  /** Workflow runs by workflow name, then by class (`completed`, `partial`, `compensated`, `failed`). */
  readonly workflows: Record<string, Record<string, number>>
  readonly timeline: Array<TimeBucket>
  readonly breakers: Array<BreakerChange>
  turns: number
  failedTurns: number
  handoffs: number
  refusedHandoffs: number
  /** Handoffs whose `contextPreserved` was false. */
  contextViolations: number
  retries: number
  fallbacks: number
  sessionsStarted: number
  sessionsCompleted: number
}

/** @since 0.1.0 @category constructors */
export const make = (startedAt: number, bucketMs = 1000): Recorder => ({
  startedAt,
  bucketMs,
  turn: Histogram.make(),
  handoff: Histogram.make(),
  workflow: Histogram.make(),
  restore: Histogram.make(),
  tools: new Map(),
  outcomes: { ok: 0, error: 0, timeout: 0, "breaker-rejected": 0, "workflow-failed": 0, fallback: 0, partial: 0 },
  workflows: {},
  timeline: [],
  breakers: [],
  turns: 0,
  failedTurns: 0,
  handoffs: 0,
  refusedHandoffs: 0,
  contextViolations: 0,
  retries: 0,
  fallbacks: 0,
  sessionsStarted: 0,
  sessionsCompleted: 0
})

const bucketAt = (recorder: Recorder, at: number): TimeBucket => {
  const index = Math.max(0, Math.floor((at - recorder.startedAt) / recorder.bucketMs))
  while (recorder.timeline.length <= index) recorder.timeline.push({ turns: 0, errors: 0, handoffs: 0 })
  return recorder.timeline[index]!
}

/** @since 0.1.0 @category models */
export interface TurnRecord {
  /** Epoch milliseconds the turn ended. */
  readonly at: number
  /** Null for a turn found committed after its worker died: counted, not timed. */
  readonly durationMs: number | null
  readonly outcome: Outcome
  /** Whether the turn ended without a reply. */
  readonly failed: boolean
  /** The turn's handoffs, refused ones included. */
  readonly handoffs: ReadonlyArray<HandoffResult.HandoffResult>
}

/**
 * Records a turn: its latency and outcome, and each of its handoffs.
 *
 * @since 0.1.0 @category recording
 */
export const recordTurn = (recorder: Recorder, turn: TurnRecord): void => {
  recorder.turns++
  if (turn.durationMs !== null) Histogram.record(recorder.turn, turn.durationMs)
  recorder.outcomes[turn.outcome]++
  const bucket = bucketAt(recorder, turn.at)
  bucket.turns++
  if (turn.failed) {
    recorder.failedTurns++
    bucket.errors++
  }
  for (const handoff of turn.handoffs) {
    if (!handoff.contextPreserved) recorder.contextViolations++
    if (handoff.success) {
      recorder.handoffs++
      bucket.handoffs++
      Histogram.record(recorder.handoff, handoff.executionTimeMs)
    } else {
      recorder.refusedHandoffs++
    }
  }
}

/**
 * Records a session store restore.
 *
 * @since 0.1.0 @category recording
 */
export const recordRestore = (recorder: Recorder, durationMs: number): void => {
  Histogram.record(recorder.restore, durationMs)
}

/**
 * Counts a finished workflow run of `workflow` in `kind`.
 *
 * @since 0.2.0 @category recording
 */
export const recordWorkflowRun = (recorder: Recorder, workflow: string, kind: WorkflowClass): void => {
  const runs = recorder.workflows[workflow] ??= {}
  runs[kind] = (runs[kind] ?? 0) + 1
}

const toolStats = (recorder: Recorder, service: string): ToolStats => {
  let stats = recorder.tools.get(service)
  if (stats === undefined) {
    stats = { latency: Histogram.make(), outcomes: {} }
    recorder.tools.set(service, stats)
  }
  return stats
}

/**
 * Records what an event says about tools, workflows and policies; other
 * events are ignored (turns and handoffs are recorded from turn results).
 *
 * @since 0.1.0 @category recording
 */
export const recordEvent = (recorder: Recorder, event: BatonEvent.BatonEvent): void => {
  switch (event._tag) {
    case "ToolCalled": {
      const stats = toolStats(recorder, event.service)
      stats.outcomes[event.outcome] = (stats.outcomes[event.outcome] ?? 0) + 1
      // Cached answers never reached the service; their zero would skew its latency.
      if (event.outcome !== "cached") Histogram.record(stats.latency, event.durationMs)
      return
    }
    case "WorkflowCompleted": {
      recordWorkflowRun(recorder, event.workflow, workflowClass(event))
      Histogram.record(recorder.workflow, event.durationMs)
      return
    }
    case "RetryAttempted":
      recorder.retries++
      return
    case "FallbackUsed":
      recorder.fallbacks++
      return
    case "BreakerTransition":
      recorder.breakers.push({
        atMs: Math.max(0, event.at - recorder.startedAt),
        service: event.service,
        from: event.from,
        to: event.to,
        reason: event.reason
      })
      return
    default:
      return
  }
}

const addCounts = (into: Record<string, number>, from: Readonly<Record<string, number>>) => {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count
}

/**
 * One recorder holding everything both recorded. Time buckets and breaker
 * times are aligned on the earlier start.
 *
 * @since 0.1.0 @category combinators
 */
export const merge = (a: Recorder, b: Recorder): Recorder => {
  const merged = make(Math.min(a.startedAt, b.startedAt), a.bucketMs)
  for (const from of [a, b]) {
    Histogram.addInto(merged.turn, from.turn)
    Histogram.addInto(merged.handoff, from.handoff)
    Histogram.addInto(merged.workflow, from.workflow)
    Histogram.addInto(merged.restore, from.restore)
    for (const [service, stats] of from.tools) {
      const into = toolStats(merged, service)
      Histogram.addInto(into.latency, stats.latency)
      addCounts(into.outcomes, stats.outcomes)
    }
    addCounts(merged.outcomes, from.outcomes)
    for (const [name, runs] of Object.entries(from.workflows)) addCounts(merged.workflows[name] ??= {}, runs)
    const shift = from.startedAt - merged.startedAt
    from.timeline.forEach((bucket, i) => {
      const into = bucketAt(merged, merged.startedAt + shift + i * from.bucketMs)
      into.turns += bucket.turns
      into.errors += bucket.errors
      into.handoffs += bucket.handoffs
    })
    merged.breakers.push(...from.breakers.map((change) => ({ ...change, atMs: change.atMs + shift })))
    merged.turns += from.turns
    merged.failedTurns += from.failedTurns
    merged.handoffs += from.handoffs
    merged.refusedHandoffs += from.refusedHandoffs
    merged.contextViolations += from.contextViolations
    merged.retries += from.retries
    merged.fallbacks += from.fallbacks
    merged.sessionsStarted += from.sessionsStarted
    merged.sessionsCompleted += from.sessionsCompleted
  }
  merged.breakers.sort((x, y) => x.atMs - y.atMs)
  return merged
}
