/**
 * The report of a load run as one self-contained HTML page: inline CSS and
 * inline SVG charts (latency distributions, throughput and errors over
 * time), no scripts, no external assets, so the file can be attached to a
 * CI run and opened anywhere.
 *
 * @since 0.1.0
 */
import type * as Histogram from "./Histogram.js"
import type * as Report from "./Report.js"
import { formatMs } from "./ReportText.js"

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const W = 560
const H = 200
const PAD = { left: 48, right: 12, top: 12, bottom: 40 }

const niceMax = (value: number) => {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  const step = [1, 2, 5, 10].find((m) => m * power >= value)!
  return step * power
}

const axes = (maxY: number, yLabel: string) => {
  const lines: Array<string> = []
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + ((H - PAD.top - PAD.bottom) * i) / 4
    const value = maxY * (1 - i / 4)
    lines.push(
      `<line x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${y + 4}" class="tick" text-anchor="end">${Number(value.toPrecision(3))}</text>`
    )
  }
  lines.push(
    `<text x="12" y="${PAD.top + (H - PAD.top - PAD.bottom) / 2}" class="label" transform="rotate(-90 12 ${
      PAD.top + (H - PAD.top - PAD.bottom) / 2
    })" text-anchor="middle">${escape(yLabel)}</text>`
  )
  return lines.join("")
}

const svg = (title: string, body: string) =>
  `<figure><figcaption>${escape(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${
    escape(title)
  }">${body}</svg></figure>`

const distributionChart = (title: string, buckets: ReadonlyArray<Histogram.Bucket>) => {
  if (buckets.length === 0) return svg(title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="label">nothing measured</text>`)
  const maxY = niceMax(Math.max(...buckets.map((bucket) => bucket.count)))
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const barW = plotW / buckets.length
  const bars = buckets.map((bucket, i) => {
    const h = (bucket.count / maxY) * plotH
    const x = PAD.left + i * barW
    const label = i % Math.ceil(buckets.length / 8) === 0
      ? `<text x="${x + barW / 2}" y="${H - PAD.bottom + 14}" class="tick" text-anchor="middle">${escape(formatMs(bucket.fromMs))}</text>`
      : ""
    return `<rect x="${x + 1}" y="${PAD.top + plotH - h}" width="${Math.max(1, barW - 2)}" height="${h}" class="bar"><title>${
      escape(`${formatMs(bucket.fromMs)} – ${formatMs(bucket.toMs)}: ${bucket.count}`)
    }</title></rect>${label}`
  })
  return svg(
    title,
    axes(maxY, "count") + bars.join("") +
      `<text x="${PAD.left + plotW / 2}" y="${H - 6}" class="label" text-anchor="middle">latency (log scale, buckets double)</text>`
  )
}

const timeChart = (
  title: string,
  buckets: ReadonlyArray<Report.Report["timeline"]["buckets"][number]>,
  bucketMs: number,
  value: (bucket: Report.Report["timeline"]["buckets"][number]) => number,
  yLabel: string,
  kind: "line" | "bars"
) => {
  if (buckets.length === 0) return svg(title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="label">no turns</text>`)
  const perSecond = 1000 / bucketMs
  const values = buckets.map((bucket) => value(bucket) * perSecond)
  const maxY = niceMax(Math.max(...values))
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const step = plotW / buckets.length
  const xAt = (i: number) => PAD.left + step * (i + 0.5)
  const yAt = (v: number) => PAD.top + plotH - (v / maxY) * plotH
  const shapes = kind === "line"
    ? `<polyline class="line" points="${values.map((v, i) => `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`).join(" ")}"/>`
    : values.map((v, i) =>
      `<rect class="bar bad" x="${(xAt(i) - step / 2 + 0.5).toFixed(1)}" y="${yAt(v).toFixed(1)}" width="${
        Math.max(1, step - 1).toFixed(1)
      }" height="${(PAD.top + plotH - yAt(v)).toFixed(1)}"><title>${((i * bucketMs) / 1000).toFixed(0)} s: ${
        Number(v.toFixed(2))
      }</title></rect>`
    ).join("")
  const ticks = Array.from({ length: 6 }, (_, k) => {
    const i = Math.round(((buckets.length - 1) * k) / 5)
    return `<text x="${xAt(i)}" y="${H - PAD.bottom + 14}" class="tick" text-anchor="middle">${((i * bucketMs) / 1000).toFixed(0)} s</text>`
  }).join("")
  return svg(
    title,
    axes(maxY, yLabel) + shapes + ticks +
      `<text x="${PAD.left + plotW / 2}" y="${H - 6}" class="label" text-anchor="middle">time since start</text>`
  )
}

const row = (cells: ReadonlyArray<string>, header = false) =>
  `<tr>${cells.map((cell) => (header ? `<th>${escape(cell)}</th>` : `<td>${escape(cell)}</td>`)).join("")}</tr>`

const latencyRow = (name: string, s: Histogram.Summary) =>
  row(
    s.count === 0
      ? [name, "0", "—", "—", "—", "—", "—", "—"]
      : [name, String(s.count), ...[s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(formatMs)]
  )

const style = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#5b6475}.pass{color:#137333;font-weight:600}.fail{color:#b3261e;font-weight:600}
table{border-collapse:collapse;margin:4px 0}td,th{padding:3px 10px;border-bottom:1px solid #e3e6ec;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f4f6f9}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
svg{background:#fbfcfd;border:1px solid #e3e6ec}
.grid{stroke:#e3e6ec;stroke-width:1}.tick{font-size:10px;fill:#5b6475}.label{font-size:11px;fill:#5b6475}
.bar{fill:#3b6fd8}.bar.bad{fill:#d0463b}.line{fill:none;stroke:#3b6fd8;stroke-width:2}
`

/**
 * The report as a complete HTML document.
 *
 * @since 0.1.0 @category rendering
 */
export const render = (report: Report.Report): string => {
  const s = report.settings
  const verdict = (ok: boolean, text: string) => `<span class="${ok ? "pass" : "fail"}">${escape(text)}</span>`
  const { bucketMs, buckets } = report.timeline
  const tools = report.tools.map((tool) => latencyRow(`tool ${tool.service}`, tool.summary)).join("")
  const outcomes = Object.entries(report.turns.outcomes).map(([name, n]) => row([name, String(n)])).join("")
  const slo = report.slo.length === 0
    ? "<p>No SLOs given.</p>"
    : `<table>${row(["objective", "measured", "verdict"], true)}${
      report.slo.map((v) =>
        `<tr><td>${escape(v.objective)}</td><td>${
          v.actual === null ? "nothing measured" : escape(v.unit === "ms" ? formatMs(v.actual) : `${Number(v.actual.toFixed(3))} ${v.unit}`)
        }</td><td>${verdict(v.met, v.met ? "met" : "breached")}</td></tr>`
      ).join("")
    }</table>`
  const breakers = report.breakerTransitions.length === 0
    ? "<p>No circuit breaker changed state.</p>"
    : `<table>${row(["at", "service", "from → to", "reason"], true)}${
      report.breakerTransitions.map((t) => row([formatMs(t.atMs), t.service, `${t.from} → ${t.to}`, t.reason])).join("")
    }</table>`
  const faults = Object.entries(s.faults).map(([service, spec]) => `${service}=${spec}`).join(", ") || "none"
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Baton load report — ${escape(s.app)}</title><style>${style}</style></head><body>
<h1>Load report — ${escape(s.app)} ${verdict(report.passed, report.passed ? "PASS" : "FAIL")}${
    report.interrupted ? " (interrupted: the figures cover what was played)" : ""
  }</h1>
<p class="meta">${escape(s.scenario)} · started ${escape(report.startedAt)} · ${
    escape(s.sessions === null ? `for ${formatMs(s.durationMs ?? 0)}` : `${s.sessions} sessions`)
  }, ${s.concurrency} at a time${s.activeTurns === null ? "" : ` (${s.activeTurns} turns at once)`}, ${s.turnsPerSession} turns each · ramp-up ${escape(formatMs(s.rampUpMs))} · seed ${s.seed} · store ${
    escape(s.store)
  } · tools ${escape(s.transport)} · faults ${escape(faults)} · wall time ${escape(formatMs(report.wallMs))}</p>
<h2>Invariants and SLOs</h2>
<table>
<tr><td>sessions lost</td><td>${report.sessions.lost}</td><td>${verdict(report.sessions.lost === 0, report.sessions.lost === 0 ? "✓" : "✗")}</td></tr>
<tr><td>context-preservation violations</td><td>${report.handoffs.contextViolations}</td><td>${
    verdict(report.handoffs.contextViolations === 0, report.handoffs.contextViolations === 0 ? "✓" : "✗")
  }</td></tr>
</table>
${slo}
<h2>Latency</h2>
<table>${row(["", "count", "p50", "p90", "p95", "p99", "p99.9", "max"], true)}${latencyRow("turn", report.latency.turn.summary)}${
    latencyRow("handoff", report.latency.handoff.summary)
  }${latencyRow("workflow", report.latency.workflow.summary)}${latencyRow("session restore", report.latency.restore.summary)}${tools}</table>
<div class="charts">
${distributionChart("Turn latency distribution", report.latency.turn.distribution)}
${distributionChart("Handoff latency distribution", report.latency.handoff.distribution)}
${distributionChart("Workflow latency distribution", report.latency.workflow.distribution)}
${distributionChart("Session restore latency distribution", report.latency.restore.distribution)}
</div>
<h2>Over time</h2>
<div class="charts">
${timeChart("Throughput (turns per second)", buckets, bucketMs, (b) => b.turns, "turns/s", "line")}
${timeChart("Errors (failed turns per second)", buckets, bucketMs, (b) => b.errors, "failed/s", "bars")}
</div>
<h2>Outcomes</h2>
<table>${row(["outcome", "turns"], true)}${outcomes}</table>
<p>${report.turns.total} turns: ${report.turns.classes.ok} ok, ${report.turns.classes.degraded} degraded, ${
    report.turns.classes.failed
  } failed (${report.turns.errorRate.toFixed(2)} %), ${
    report.throughput.turnsPerSecond.toFixed(1)
  } turns/s · ${report.handoffs.completed} handoffs, ${report.handoffs.refused} refused · retries ${report.retries} · fallbacks ${report.fallbacks} · workflows ${
    escape(
      Object.entries(report.workflows)
        .map(([name, runs]) => `${name}: ${Object.entries(runs).map(([k, n]) => `${k} ${n}`).join(", ")}`)
        .join("; ") || "none"
    )
  }</p>
<h2>Circuit breakers</h2>
${breakers}
</body></html>
`
}
