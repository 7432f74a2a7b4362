/**
 * Service level objectives for load runs, written as a comma-separated list:
 *
 * ```
 * handoff.p99<50ms,turn.p99<300ms,errors<1%
 * ```
 *
 * - latency: `<turn|handoff|workflow|restore|tool>.<stat>` or
 *   `tool.<service>.<stat>`, `stat` one of `min mean p50 p90 p95 p99 p999
 *   max`, compared with a duration in `us`, `µs`, `ms` (the default) or `s`;
 * - `errors`: failed turns, as a percentage (`errors<1%`) or a count
 *   (`errors<=0`);
 * - `throughput`: turns per second (`throughput>=100/s`);
 * - shares, as percentages: `handoffs.success` (completed handoffs among
 *   those asked for), `workflows.completed` (runs that completed, partial
 *   ones included, among all that finished, for the workflow with the
 *   lowest share: a saga that fails is not hidden by searches that never
 *   do) and `sessions.lost` (sessions
 *   missing an acknowledged turn among those started).
 *
 * Comparisons are `<`, `<=`, `>` and `>=`. A latency objective with nothing
 * measured (no workflow ran, say) is not met: it cannot be shown to hold. A
 * share of nothing (no handoff was asked for) is met: none failed.
 *
 * Every run is judged by `defaults` too, Baton's success criteria
 * (`handoffs.success>=99%,workflows.completed>=95%,sessions.lost<1%,errors<1%`),
 * each unless an objective of the same metric replaces it
 * (`withDefaults`).
 *
 * @example
 * ```ts
 * import { Load } from "@baton/testkit"
 * import * as Either from "effect/Either"
 *
 * const slo = Load.Slo.parse("handoff.p99<50ms,errors<1%")
 * Either.isRight(slo) // true
 * ```
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Histogram from "./Histogram.js"
import type * as Report from "./Report.js"

/** @since 0.1.0 @category models */
export type Comparison = "<" | "<=" | ">" | ">="

/** @since 0.1.0 @category constants */
export const latencyMetrics = ["turn", "handoff", "workflow", "restore", "tool"] as const
/** @since 0.1.0 @category models */
export type LatencyMetric = typeof latencyMetrics[number]

/** @since 0.1.0 @category models */
export type Objective =
  | {
    readonly _tag: "Latency"
    readonly metric: LatencyMetric
    /** For `tool`: one service; every service's calls together when absent. */
    readonly service?: string
    readonly stat: Histogram.Stat
    readonly comparison: Comparison
    readonly thresholdMs: number
  }
  | { readonly _tag: "ErrorRate"; readonly comparison: Comparison; readonly percent: number }
  | { readonly _tag: "ErrorCount"; readonly comparison: Comparison; readonly count: number }
  | { readonly _tag: "Throughput"; readonly comparison: Comparison; readonly perSecond: number }
  | { readonly _tag: "Share"; readonly metric: ShareMetric; readonly comparison: Comparison; readonly percent: number }

/** @since 0.2.0 @category constants */
export const shareMetrics = ["handoffs.success", "workflows.completed", "sessions.lost"] as const
/** @since 0.2.0 @category models */
export type ShareMetric = typeof shareMetrics[number]
const isShareMetric = (text: string): text is ShareMetric => (shareMetrics as ReadonlyArray<string>).includes(text)

/**
 * An SLO list could not be read. `position` is the zero-based offset of the
 * objective at fault.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidSlo extends Schema.TaggedError<InvalidSlo>("@baton/testkit/InvalidSlo")("InvalidSlo", {
  spec: Schema.String,
  position: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `invalid SLO at character ${this.position + 1} of ${JSON.stringify(this.spec)}: ${this.reason} ` +
      `(write e.g. "handoff.p99<50ms,turn.p99<300ms,errors<1%")`
  }
}

const number = String.raw`\d+(?:\.\d+)?(?:e[+-]?\d+)?`
const item = new RegExp(String.raw`^([A-Za-z0-9_.\-]+)\s*(<=|>=|<|>)\s*(${number})\s*(us|µs|ms|s|%|/s)?$`)
const unitMs: Readonly<Record<string, number>> = { us: 0.001, "µs": 0.001, ms: 1, s: 1000 }
const isStat = (text: string): text is Histogram.Stat => (Histogram.stats as ReadonlyArray<string>).includes(text)
const isLatencyMetric = (text: string): text is LatencyMetric => (latencyMetrics as ReadonlyArray<string>).includes(text)

const parseOne = (text: string): Either.Either<Objective, string> => {
  const match = item.exec(text)
  if (match === null) {
    return Either.left(`"${text}" is not <metric><comparison><value>, e.g. "turn.p99<300ms"`)
  }
  const [, metric, comparisonText, valueText, unit] = match
  const comparison = comparisonText as Comparison
  const value = Number(valueText)
  if (!Number.isFinite(value)) return Either.left(`"${valueText}" is not a finite number`)
  if (metric === "errors") {
    if (unit === "%") return Either.right({ _tag: "ErrorRate", comparison, percent: value })
    if (unit === undefined) {
      return Number.isInteger(value)
        ? Either.right({ _tag: "ErrorCount", comparison, count: value })
        : Either.left(`an error count must be whole, got ${valueText}`)
    }
    return Either.left(`errors take a percentage ("errors<1%") or a count ("errors<=0"), not "${unit}"`)
  }
  if (metric === "throughput") {
    return unit === "/s"
      ? Either.right({ _tag: "Throughput", comparison, perSecond: value })
      : Either.left(`throughput is in turns per second, e.g. "throughput>=100/s"`)
  }
  if (isShareMetric(metric!)) {
    return unit === "%"
      ? Either.right({ _tag: "Share", metric, comparison, percent: value })
      : Either.left(`${metric} is a percentage, e.g. "${metric}${comparison}${valueText}%"`)
  }
  const parts = metric!.split(".")
  const name = parts[0]!
  const stat = parts[parts.length - 1]!
  if (!isLatencyMetric(name)) {
    return Either.left(`unknown metric "${name}"; known: ${[...latencyMetrics, "errors", "throughput", ...shareMetrics].join(", ")}`)
  }
  if (parts.length !== 2 && !(name === "tool" && parts.length === 3 && parts[1]!.length > 0)) {
    return Either.left(`"${metric}" should be ${name === "tool" ? "tool.<stat> or tool.<service>.<stat>" : `${name}.<stat>`}`)
  }
  if (!isStat(stat)) return Either.left(`unknown statistic "${stat}"; known: ${Histogram.stats.join(", ")}`)
  if (unit === "%" || unit === "/s") return Either.left(`a latency is a duration (us, ms or s), not "${unit}"`)
  return Either.right({
    _tag: "Latency",
    metric: name,
    ...(parts.length === 3 ? { service: parts[1]! } : {}),
    stat,
    comparison,
    thresholdMs: value * unitMs[unit ?? "ms"]!
  })
}

/**
 * Reads an SLO list. Blank items (a trailing comma) are ignored; an empty
 * list is no objectives.
 *
 * @since 0.1.0 @category parsing
 */
export const parse = (spec: string): Either.Either<ReadonlyArray<Objective>, InvalidSlo> => {
  const objectives: Array<Objective> = []
  let offset = 0
  for (const raw of spec.split(",")) {
    const leading = raw.length - raw.trimStart().length
    const text = raw.trim()
    if (text.length > 0) {
      const parsed = parseOne(text)
      if (Either.isLeft(parsed)) return Either.left(new InvalidSlo({ spec, position: offset + leading, reason: parsed.left }))
      objectives.push(parsed.right)
    }
    offset += raw.length + 1
  }
  return Either.right(objectives)
}

/**
 * An objective in canonical form (latencies in milliseconds); `parse` reads
 * it back to the same objective.
 *
 * @since 0.1.0 @category printing
 */
export const format = (objective: Objective): string => {
  switch (objective._tag) {
    case "Latency": {
      const metric = objective.service === undefined ? objective.metric : `${objective.metric}.${objective.service}`
      return `${metric}.${objective.stat}${objective.comparison}${objective.thresholdMs}ms`
    }
    case "ErrorRate":
      return `errors${objective.comparison}${objective.percent}%`
    case "ErrorCount":
      return `errors${objective.comparison}${objective.count}`
    case "Throughput":
      return `throughput${objective.comparison}${objective.perSecond}/s`
    case "Share":
      return `${objective.metric}${objective.comparison}${objective.percent}%`
  }
}

const metricOf = (objective: Objective): string => {
  switch (objective._tag) {
    case "Latency":
      return `${objective.metric}.${objective.service ?? ""}.${objective.stat}`
    case "ErrorRate":
    case "ErrorCount":
      return "errors"
    case "Throughput":
      return "throughput"
    case "Share":
      return objective.metric
  }
}

/**
 * Baton's success criteria, which judge every run: handoff success ≥ 99 %,
 * workflow completion ≥ 95 %, session loss < 1 %, failed turns < 1 %.
 *
 * @since 0.2.0 @category constants
 */
export const defaults: ReadonlyArray<Objective> = [
  { _tag: "Share", metric: "handoffs.success", comparison: ">=", percent: 99 },
  { _tag: "Share", metric: "workflows.completed", comparison: ">=", percent: 95 },
  { _tag: "Share", metric: "sessions.lost", comparison: "<", percent: 1 },
  { _tag: "ErrorRate", comparison: "<", percent: 1 }
]

/**
 * `objectives`, then each default whose metric none of them names (an
 * `errors` count replaces the default error rate).
 *
 * @since 0.2.0 @category combinators
 */
export const withDefaults = (objectives: ReadonlyArray<Objective>): ReadonlyArray<Objective> => {
  const named = new Set(objectives.map(metricOf))
  return [...objectives, ...defaults.filter((objective) => !named.has(metricOf(objective)))]
}

/**
 * A list of objectives in canonical form.
 *
 * @since 0.1.0 @category printing
 */
export const formatAll = (objectives: ReadonlyArray<Objective>): string => objectives.map(format).join(",")

const holds = (actual: number, comparison: Comparison, threshold: number) => {
  switch (comparison) {
    case "<":
      return actual < threshold
    case "<=":
      return actual <= threshold
    case ">":
      return actual > threshold
    case ">=":
      return actual >= threshold
  }
}

const latencyOf = (
  report: Report.Report,
  objective: Extract<Objective, { _tag: "Latency" }>
): Histogram.Summary | undefined => {
  switch (objective.metric) {
    case "tool": {
      if (objective.service !== undefined) return report.tools.find((tool) => tool.service === objective.service)?.summary
      // Every service together: the worst service's figure, since summaries do not add up.
      const summaries = report.tools.map((tool) => tool.summary).filter((summary) => summary.count > 0)
      if (summaries.length === 0) return undefined
      return summaries.reduce((worst, summary) => summary[objective.stat] > worst[objective.stat] ? summary : worst)
    }
    default:
      return report.latency[objective.metric].summary
  }
}

const shareOf = (report: Report.Report, metric: ShareMetric): readonly [number, number] => {
  switch (metric) {
    case "handoffs.success":
      return [report.handoffs.completed, report.handoffs.completed + report.handoffs.refused]
    case "workflows.completed": {
      const shares = Object.values(report.workflows).map((runs): readonly [number, number] => [
        (runs.completed ?? 0) + (runs.partial ?? 0),
        Object.values(runs).reduce((sum, count) => sum + (count ?? 0), 0)
      ])
      if (shares.length === 0) return [0, 0]
      return shares.reduce((lowest, share) => (share[0] * lowest[1] < lowest[0] * share[1] ? share : lowest))
    }
    case "sessions.lost":
      return [report.sessions.lost, report.sessions.started]
  }
}

/**
 * Judges each objective against a report.
 *
 * @since 0.1.0 @category evaluation
 */
export const evaluate = (objectives: ReadonlyArray<Objective>, report: Report.Report): Array<Report.Verdict> =>
  objectives.map((objective) => {
    const judged = (actual: number | null, unit: string, threshold: number): Report.Verdict => ({
      objective: format(objective),
      actual,
      unit,
      met: actual !== null && holds(actual, objective.comparison, threshold)
    })
    switch (objective._tag) {
      case "Latency": {
        const summary = latencyOf(report, objective)
        return judged(summary === undefined || summary.count === 0 ? null : summary[objective.stat], "ms", objective.thresholdMs)
      }
      case "ErrorRate":
        return judged(report.turns.total === 0 ? null : report.turns.errorRate, "%", objective.percent)
      case "ErrorCount":
        return judged(report.turns.failed, "turns", objective.count)
      case "Throughput":
        return judged(report.throughput.turnsPerSecond, "/s", objective.perSecond)
      case "Share": {
        const [part, whole] = shareOf(report, objective.metric)
        const actual = whole === 0 ? null : (100 * part) / whole
        return { ...judged(actual, "%", objective.percent), met: actual === null || holds(actual, objective.comparison, objective.percent) }
      }
    }
  })
