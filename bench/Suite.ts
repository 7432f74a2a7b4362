import { Bench } from "tinybench"

/** A named benchmark with an optional target the issue set for it. */
export interface Case {
  readonly name: string
  readonly fn: () => unknown
  readonly setup?: () => Promise<void> | void
  readonly teardown?: () => Promise<void> | void
  /** Run before each call of `fn`, outside its timing. */
  readonly beforeEach?: () => Promise<void> | void
  /**
   * Warm-up in milliseconds before measuring (default: 500, or half the
   * measuring time if that is shorter).
   */
  readonly warmupMs?: number
  /** Targets in milliseconds; reported, never asserted. */
  readonly target?: { readonly mean?: number; readonly p50?: number; readonly p99?: number }
  /**
   * Calls made by one run of `fn`. The reported figures are per call: each
   * run's duration divided by `batch`, so p50/p99 are percentiles of batch
   * averages, not of single calls.
   */
  readonly batch?: number
}

export interface Suite {
  readonly name: string
  readonly cases: ReadonlyArray<Case>
  readonly before?: () => Promise<void>
  readonly after?: () => Promise<void>
}

export interface Row {
  readonly suite: string
  readonly name: string
  readonly samples: number
  readonly mean: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly verdict: string
}

const verdict = (row: Omit<Row, "verdict">, target: Case["target"]) => {
  if (target === undefined) return ""
  const checks = (["mean", "p50", "p99"] as const).flatMap((key) => {
    const limit = target[key]
    return limit === undefined ? [] : [`${key} ≤ ${formatMs(limit)} ${row[key] <= limit ? "✓" : "✗"}`]
  })
  return checks.join(", ")
}

export const formatMs = (ms: number): string =>
  ms < 1 ? `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs` : `${ms.toFixed(ms < 10 ? 3 : 1)} ms`

export const runSuite = async (suite: Suite, options: { readonly time: number }): Promise<Array<Row>> => {
  await suite.before?.()
  const rows: Array<Row> = []
  try {
    for (const benchCase of suite.cases) {
      await benchCase.setup?.()
      const bench = new Bench({ time: options.time, warmupTime: benchCase.warmupMs ?? Math.min(500, options.time / 2) })
      bench.add(benchCase.name, benchCase.fn, benchCase.beforeEach === undefined ? {} : { beforeEach: benchCase.beforeEach })
      await bench.run()
      await benchCase.teardown?.()
      const result = bench.tasks[0]!.result
      if (result.state !== "completed") {
        throw new Error(`benchmark "${benchCase.name}" did not complete: ${result.state === "errored" ? result.error.message : result.state}`)
      }
      const batch = benchCase.batch ?? 1
      const base = {
        suite: suite.name,
        name: benchCase.name,
        samples: result.latency.samplesCount,
        mean: result.latency.mean / batch,
        p50: result.latency.p50 / batch,
        p99: result.latency.p99 / batch,
        max: result.latency.max / batch
      }
      rows.push({ ...base, verdict: verdict(base, benchCase.target) })
    }
  } finally {
    await suite.after?.()
  }
  return rows
}

export const markdownTable = (rows: ReadonlyArray<Row>): string => {
  const lines = [
    "| suite | case | samples | mean | p50 | p99 | max | target |",
    "|---|---|---:|---:|---:|---:|---:|---|"
  ]
  for (const row of rows) {
    lines.push(
      `| ${row.suite} | ${row.name} | ${row.samples} | ${formatMs(row.mean)} | ${formatMs(row.p50)} | ` +
        `${formatMs(row.p99)} | ${formatMs(row.max)} | ${row.verdict} |`
    )
  }
  return lines.join("\n")
}
