import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks"
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
  /** Where a p99 sits just below a batch of slow calls, p99.9 shows them. */
  readonly p999: number
  readonly max: number
  /** V8 collections while the case was measured (warm-up excluded): young, full. */
  readonly collections: { readonly young: number; readonly full: number }
  readonly verdict: string
}

// A case's tail depends on the collections that ran while it was measured,
// so each row counts them.
const watchCollections = () => {
  const entries: Array<{ readonly at: number; readonly kind: number | undefined }> = []
  const keep = (list: Array<PerformanceEntry>) => {
    for (const entry of list) {
      entries.push({ at: entry.startTime, kind: (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind })
    }
  }
  const observer = new PerformanceObserver((list) => keep(list.getEntries()))
  observer.observe({ entryTypes: ["gc"] })
  return async (from: number, to: number) => {
    // Node makes a collection's entry on the event loop after it ran: a
    // synchronous case's entries exist only once the loop has turned.
    await new Promise((resolve) => setImmediate(resolve))
    keep(observer.takeRecords())
    observer.disconnect()
    const during = entries.filter((entry) => entry.at >= from && entry.at <= to)
    return {
      young: during.filter((entry) => entry.kind === constants.NODE_PERFORMANCE_GC_MINOR).length,
      full: during.filter((entry) => entry.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length
    }
  }
}

const verdict = (row: Omit<Row, "verdict">, target: Case["target"]) => {
  if (target === undefined) return ""
  const checks = (["mean", "p50", "p99"] as const).flatMap((key) => {
    const limit = target[key]
    return limit === undefined ? [] : [`${key} ≤ ${formatMs(limit)} ${row[key] <= limit ? "✓" : "✗"}`]
  })
  return checks.join(", ")
}

// V8 runs most young-generation collections as a task, posted once
// allocation fills the young generation to 80%, and Node runs such tasks
// when its event loop next polls. An asynchronous hook ends inside a
// microtask run that goes straight on into the measured call, so a
// collection that the hook's allocation made due ran during that call's
// first await: 57–65 of 68–69 in the Redis commit case, whose hook
// restores a session (BENCHMARKS.md). After an asynchronous hook the loop
// polls once, twice through its check phase, so that the call pays only for
// the collections its own allocation makes due.
const settled = (hook: Promise<void> | void): Promise<void> | void =>
  hook instanceof Promise ? hook.then(() => new Promise((resolve) => setImmediate(() => setImmediate(resolve)))) : hook

export const formatMs = (ms: number): string =>
  ms < 1 ? `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs` : `${ms.toFixed(ms < 10 ? 3 : 1)} ms`

export const runSuite = async (suite: Suite, options: { readonly time: number }): Promise<Array<Row>> => {
  await suite.before?.()
  const rows: Array<Row> = []
  try {
    for (const benchCase of suite.cases) {
      await benchCase.setup?.()
      const bench = new Bench({ time: options.time, warmupTime: benchCase.warmupMs ?? Math.min(500, options.time / 2) })
      const beforeEach = benchCase.beforeEach
      bench.add(benchCase.name, benchCase.fn, beforeEach === undefined ? {} : { beforeEach: () => settled(beforeEach()) })
      const collectionsBetween = watchCollections()
      let measuredFrom = Number.POSITIVE_INFINITY
      bench.addEventListener("start", () => (measuredFrom = performance.now()))
      await bench.run()
      const collections = await collectionsBetween(measuredFrom, performance.now())
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
        p999: result.latency.p999 / batch,
        max: result.latency.max / batch,
        collections
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
    "| suite | case | samples | mean | p50 | p99 | p99.9 | max | GCs (young / full) | target |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  ]
  for (const row of rows) {
    lines.push(
      `| ${row.suite} | ${row.name} | ${row.samples} | ${formatMs(row.mean)} | ${formatMs(row.p50)} | ` +
        `${formatMs(row.p99)} | ${formatMs(row.p999)} | ${formatMs(row.max)} | ${row.collections.young} / ${row.collections.full} | ${row.verdict} |`
    )
  }
  return lines.join("\n")
}
