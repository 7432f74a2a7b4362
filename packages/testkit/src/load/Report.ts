/**
 * The report of a load run, as data: latency summaries and distributions,
 * outcomes, throughput, time series, breaker transitions, the invariants
 * (sessions lost, context-preservation violations) and the SLO verdicts. It
 * is plain JSON (`--json`), and the terminal table and the HTML page are
 * drawn from it.
 *
 * @since 0.1.0
 */
import * as Histogram from "./Histogram.js"
import type * as Recorder from "./Recorder.js"

/** @since 0.1.0 @category constants */
export const FORMAT = "baton.load-report"
/** @since 0.1.0 @category constants */
export const VERSION = 1

/** @since 0.1.0 @category models */
export interface Latency {
  readonly summary: Histogram.Summary
  readonly distribution: ReadonlyArray<Histogram.Bucket>
}

/** @since 0.1.0 @category models */
export interface ToolReport extends Latency {
  readonly service: string
  readonly calls: number
  readonly outcomes: Readonly<Record<string, number>>
}

/** @since 0.1.0 @category models */
export interface Verdict {
  /** The objective as written back (canonical form). */
  readonly objective: string
  /** The measured value in the objective's unit, or null when nothing was measured. */
  readonly actual: number | null
  readonly unit: string
  readonly met: boolean
}

/** @since 0.1.0 @category models */
export interface LostSession {
  readonly sessionId: string
  readonly reason: string
}

/**
 * The settings a run used, as the report records them.
 *
 * @since 0.1.0 @category models
 */
export interface Settings {
  readonly app: string
  readonly scenario: string
  readonly sessions: number | null
  readonly concurrency: number
  /** Turns executing at once, or null for no limit. */
  readonly activeTurns: number | null
  readonly turnsPerSession: number
  readonly durationMs: number | null
  readonly rampUpMs: number
  readonly seed: number
  readonly store: string
  readonly transport: string
  readonly faults: Readonly<Record<string, string>>
  readonly turnTimeoutMs: number
}

/** @since 0.1.0 @category models */
export interface Memory {
  /** Heap used after the run minus before it, sessions still held by the store. */
  readonly heapDeltaBytes: number
  readonly perSessionBytes: number
  /** Whether both samples were taken after a full garbage collection. */
  readonly afterGc: boolean
  readonly rssBytes: number
}

/**
 * A run's worker processes: each one that exited while the run went on (a
 * crash, a kill), the workers that took over a dead one's sessions, and the
 * turns found committed after their worker died (acknowledged by the
 * successor, counted among the turns but not timed).
 *
 * @since 0.2.0 @category models
 */
export interface Workers {
  readonly count: number
  readonly exits: ReadonlyArray<{
    readonly slot: number
    readonly pid: number
    /** Milliseconds since the run started. */
    readonly atMs: number
    readonly code: number | null
    readonly signal: string | null
  }>
  readonly takeovers: number
  readonly recoveredTurns: number
  /** Failed attempts the workers played again (Baton's own retries are `Report.retries`). @since 0.2.0 */
  readonly replayedAttempts: number
}

/** @since 0.1.0 @category models */
export interface Report {
  readonly format: typeof FORMAT
  readonly version: typeof VERSION
  readonly startedAt: string
  readonly wallMs: number
  readonly settings: Settings
  readonly sessions: {
    readonly started: number
    readonly completed: number
    readonly lost: number
    /** The first lost sessions, with what was missing. */
    readonly lostExamples: ReadonlyArray<LostSession>
  }
  readonly turns: {
    readonly total: number
    readonly failed: number
    /** Failed turns as a percentage of all turns. */
    readonly errorRate: number
    readonly outcomes: Readonly<Record<Recorder.Outcome, number>>
    /** Every turn in one class: `ok`, `degraded` (served, but not as asked: any outcome but ok) or `failed`. */
    readonly classes: { readonly ok: number; readonly degraded: number; readonly failed: number }
  }
  readonly handoffs: {
    readonly completed: number
    readonly refused: number
    readonly contextViolations: number
  }
  readonly throughput: {
    readonly turnsPerSecond: number
    readonly handoffsPerSecond: number
  }
  readonly latency: {
    readonly turn: Latency
    readonly handoff: Latency
    readonly workflow: Latency
    readonly restore: Latency
  }
  readonly tools: ReadonlyArray<ToolReport>
  /** Workflow runs by workflow name, then by class (`Recorder.WorkflowClass`). */
  readonly workflows: Readonly<Record<string, Readonly<Partial<Record<Recorder.WorkflowClass, number>>>>>
  readonly retries: number
  readonly fallbacks: number
  readonly breakerTransitions: ReadonlyArray<Recorder.BreakerChange>
  readonly timeline: {
    readonly bucketMs: number
    readonly buckets: ReadonlyArray<Recorder.TimeBucket>
  }
  readonly memory: Memory | null
  readonly slo: ReadonlyArray<Verdict>
  /** The run was stopped early (`LoadRun`'s `stop`): the figures cover what was played. */
  readonly interrupted: boolean
  /** What happened to a run's worker processes (`ClusterRun`); null in process. */
  readonly workers: Workers | null
  /** Not interrupted, no session lost, no context violated, every SLO met. */
  readonly passed: boolean
}

const latencyOf = (histogram: Histogram.Histogram): Latency => ({
  summary: Histogram.summary(histogram),
  distribution: Histogram.distribution(histogram)
})

/**
 * The report of what `recorder` holds. `slo` is filled in afterwards with
 * `Slo.evaluate` (it judges this report), then `passed`.
 *
 * @since 0.1.0 @category constructors
 */
export const fromRecorder = (
  recorder: Recorder.Recorder,
  extra: {
    readonly wallMs: number
    readonly settings: Settings
    readonly lost: ReadonlyArray<LostSession>
    readonly lostCount: number
    readonly memory: Memory | null
    readonly interrupted?: boolean
    readonly workers?: Workers
  }
): Report => {
  const seconds = Math.max(extra.wallMs, 1) / 1000
  return {
    format: FORMAT,
    version: VERSION,
    startedAt: new Date(recorder.startedAt).toISOString(),
    wallMs: extra.wallMs,
    settings: extra.settings,
    sessions: {
      started: recorder.sessionsStarted,
      completed: recorder.sessionsCompleted,
      lost: extra.lostCount,
      lostExamples: extra.lost
    },
    turns: {
      total: recorder.turns,
      failed: recorder.failedTurns,
      errorRate: recorder.turns === 0 ? 0 : (100 * recorder.failedTurns) / recorder.turns,
      outcomes: { ...recorder.outcomes },
      classes: {
        ok: recorder.outcomes.ok,
        degraded: recorder.turns - recorder.failedTurns - recorder.outcomes.ok,
        failed: recorder.failedTurns
      }
    },
    handoffs: {
      completed: recorder.handoffs,
      refused: recorder.refusedHandoffs,
      contextViolations: recorder.contextViolations
    },
    throughput: {
      turnsPerSecond: recorder.turns / seconds,
      handoffsPerSecond: recorder.handoffs / seconds
    },
    latency: {
      turn: latencyOf(recorder.turn),
      handoff: latencyOf(recorder.handoff),
      workflow: latencyOf(recorder.workflow),
      restore: latencyOf(recorder.restore)
    },
    tools: [...recorder.tools.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, stats]) => ({
        service,
        calls: Object.values(stats.outcomes).reduce((sum, count) => sum + count, 0),
        outcomes: { ...stats.outcomes },
        ...latencyOf(stats.latency)
      })),
    workflows: Object.fromEntries(Object.entries(recorder.workflows).map(([name, runs]) => [name, { ...runs }])),
    retries: recorder.retries,
    fallbacks: recorder.fallbacks,
    breakerTransitions: [...recorder.breakers],
    timeline: { bucketMs: recorder.bucketMs, buckets: recorder.timeline.map((bucket) => ({ ...bucket })) },
    memory: extra.memory,
    slo: [],
    interrupted: extra.interrupted ?? false,
    workers: extra.workers ?? null,
    passed: extra.interrupted !== true && extra.lostCount === 0 && recorder.contextViolations === 0
  }
}

/**
 * The report with SLO verdicts; it passes when it passed before and every
 * objective is met.
 *
 * @since 0.1.0 @category combinators
 */
export const withVerdicts = (report: Report, verdicts: ReadonlyArray<Verdict>): Report => ({
  ...report,
  slo: verdicts,
  passed: !report.interrupted && report.sessions.lost === 0 && report.handoffs.contextViolations === 0 &&
    verdicts.every((v) => v.met)
})

/**
 * The report as JSON text.
 *
 * @since 0.1.0 @category rendering
 */
export const toJson = (report: Report): string => `${JSON.stringify(report, null, 2)}\n`
