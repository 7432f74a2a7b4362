/**
 * The report of a load run as terminal text: the settings, a latency table
 * (p50/p90/p95/p99/p999/max per measurement and per tool service),
 * outcomes, throughput, breaker transitions, the invariants and the SLO
 * verdicts. Plain text; the caller colours it if it likes (`mark`).
 *
 * @since 0.1.0
 */
import type * as Histogram from "./Histogram.js"
import type * as Report from "./Report.js"

/** @since 0.1.0 @category models */
export interface Options {
  /** Wraps a verdict word: `good` for PASS/met, `bad` for FAIL/breached. */
  readonly mark?: (text: string, good: boolean) => string
}

/**
 * A duration for people: `0.412 ms`, `38.1 ms`, `2.40 s`.
 *
 * @since 0.1.0 @category formatting
 */
export const formatMs = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(3)} ms`

const formatBytes = (bytes: number) =>
  Math.abs(bytes) >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : Math.abs(bytes) >= 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${Math.round(bytes)} B`

const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()
  return [line(headers), ...rows.map(line)]
}

const latencyRow = (name: string, summary: Histogram.Summary): Array<string> =>
  summary.count === 0
    ? [name, "0", "—", "—", "—", "—", "—", "—"]
    : [
      name,
      String(summary.count),
      formatMs(summary.p50),
      formatMs(summary.p90),
      formatMs(summary.p95),
      formatMs(summary.p99),
      formatMs(summary.p999),
      formatMs(summary.max)
    ]

const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record).filter(([, n]) => n > 0).map(([key, n]) => `${key} ${n}`).join(", ") || "none"

/**
 * The report as lines of text.
 *
 * @since 0.1.0 @category rendering
 */
export const render = (report: Report.Report, options: Options = {}): Array<string> => {
  const mark = options.mark ?? ((text: string) => text)
  const s = report.settings
  const size = s.sessions === null ? `for ${formatMs(s.durationMs ?? 0)}` : `${s.sessions} sessions`
  const faults = Object.entries(s.faults).map(([service, spec]) => `${service}=${spec}`).join(", ")
  const lines = [
    `Load — ${s.app}: ${s.scenario}`,
    `${size} · ${s.concurrency} at a time${s.activeTurns === null ? "" : ` (${s.activeTurns} turns at once)`} · ` +
    `${s.turnsPerSession} turns each · ramp-up ${formatMs(s.rampUpMs)} · ` +
    `seed ${s.seed} · store ${s.store} · tools ${s.transport}`,
    `faults: ${faults || "none"}`,
    "",
    ...table(["latency", "count", "p50", "p90", "p95", "p99", "p99.9", "max"], [
      latencyRow("turn", report.latency.turn.summary),
      latencyRow("handoff", report.latency.handoff.summary),
      latencyRow("workflow", report.latency.workflow.summary),
      latencyRow("session restore", report.latency.restore.summary),
      ...report.tools.map((tool) => latencyRow(`tool ${tool.service}`, tool.summary))
    ]),
    "",
    `sessions     ${report.sessions.started} started, ${report.sessions.completed} completed in ${formatMs(report.wallMs)}`,
    `turns        ${report.turns.total}: ok ${report.turns.classes.ok}, degraded ${report.turns.classes.degraded}, ` +
    `failed ${report.turns.classes.failed} (${report.turns.errorRate.toFixed(2)} % failed) · ` +
    `${report.throughput.turnsPerSecond.toFixed(1)} turns/s`,
    `outcomes     ${counts(report.turns.outcomes)}`,
    `handoffs     ${report.handoffs.completed} completed, ${report.handoffs.refused} refused · ` +
    `${report.throughput.handoffsPerSecond.toFixed(1)}/s`,
    `workflows    ${
      Object.entries(report.workflows).map(([name, runs]) => `${name}: ${counts(runs)}`).join("; ") || "none"
    }`,
    `tool calls   ${report.tools.map((tool) => `${tool.service} ${tool.calls} (${counts(tool.outcomes)})`).join("; ") || "none"}`,
    `retries      ${report.retries} · fallbacks ${report.fallbacks}`,
    `breakers     ${
      report.breakerTransitions.length === 0
        ? "no transitions"
        : report.breakerTransitions.map((t) => `${formatMs(t.atMs)} ${t.service} ${t.from}→${t.to}`).join("; ")
    }`
  ]
  if (report.workers !== null) {
    const { count, exits, recoveredTurns, replayedAttempts, takeovers } = report.workers
    const died = exits.map((exit) =>
      `slot ${exit.slot} pid ${exit.pid} ${exit.signal ?? `exit ${exit.code}`} at ${formatMs(exit.atMs)}`
    )
    lines.push(
      `workers      ${count} · ${exits.length === 0 ? "none exited" : `${exits.length} exited (${died.join("; ")})`} · ` +
        `${takeovers} took over · ${recoveredTurns} turns found committed after their worker died · ` +
        `${replayedAttempts} failed attempts played again`
    )
  }
  if (report.memory !== null) {
    lines.push(
      `memory       ${formatBytes(report.memory.perSessionBytes)} per session (heap ${
        report.memory.heapDeltaBytes >= 0 ? "+" : ""
      }${formatBytes(report.memory.heapDeltaBytes)}${report.memory.afterGc ? ", after GC" : ", no GC"}; rss ${
        formatBytes(report.memory.rssBytes)
      })`
    )
  }
  lines.push(
    "",
    `sessions lost                    ${report.sessions.lost} ${mark(report.sessions.lost === 0 ? "✓" : "✗", report.sessions.lost === 0)}`,
    `context-preservation violations  ${report.handoffs.contextViolations} ${
      mark(report.handoffs.contextViolations === 0 ? "✓" : "✗", report.handoffs.contextViolations === 0)
    }`
  )
  for (const lost of report.sessions.lostExamples.slice(0, 5)) lines.push(`  lost ${lost.sessionId}: ${lost.reason}`)
  for (const verdict of report.slo) {
    const actual = verdict.actual === null
      ? "nothing measured"
      : verdict.unit === "ms"
      ? formatMs(verdict.actual)
      : `${Number(verdict.actual.toFixed(3))}${verdict.unit === "turns" ? " turns" : ` ${verdict.unit}`}`
    lines.push(`SLO ${verdict.objective.padEnd(28)} ${actual.padStart(12)}  ${mark(verdict.met ? "met" : "BREACHED", verdict.met)}`)
  }
  if (report.interrupted) {
    lines.push(
      `interrupted                      stopped early: ${report.sessions.completed} of ${report.sessions.started} sessions played ` +
        `every turn ${mark("✗", false)}`
    )
  }
  lines.push("", `result ${mark(report.passed ? "PASS" : "FAIL", report.passed)}`)
  return lines
}
