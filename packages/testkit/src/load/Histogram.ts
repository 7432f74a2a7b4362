/**
 * Latency histograms for load runs: HdrHistogram (hdr-histogram-js, its
 * pure JavaScript build — no WebAssembly to load), recording microseconds
 * with three significant digits, so a percentile read back is within 0.1 %
 * of the value recorded whatever the range. Next to it, counts in buckets
 * that double in width give the distribution charts draw on a logarithmic
 * axis. Histograms add up exactly, which is how recorders merge.
 *
 * @since 0.1.0
 */
import * as Hdr from "hdr-histogram-js"

/** @since 0.1.0 @category models */
export interface Histogram {
  readonly hdr: Hdr.Histogram
  /** `buckets[i]` counts values (µs) in `[2^i, 2^(i+1))`. */
  readonly buckets: Array<number>
}

/**
 * A latency summary in milliseconds.
 *
 * @since 0.1.0 @category models
 */
export interface Summary {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/**
 * The statistics a summary has, in the order reports show them.
 *
 * @since 0.1.0 @category constants
 */
export const stats = ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const
/** @since 0.1.0 @category models */
export type Stat = typeof stats[number]

/**
 * An empty histogram. It grows as larger values arrive (`autoResize`), so no
 * latency is ever clipped.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (): Histogram => ({
  hdr: Hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false
  }),
  buckets: []
})

const bucketOf = (micros: number) => 31 - Math.clz32(micros)

/**
 * Records a duration given in milliseconds (kept as whole microseconds; a
 * duration under 1 µs counts as 1 µs).
 *
 * @since 0.1.0 @category recording
 */
export const record = (histogram: Histogram, ms: number): void => {
  const micros = Math.min(0x7fffffff, Math.max(1, Math.round(ms * 1000)))
  histogram.hdr.recordValue(micros)
  const bucket = bucketOf(micros)
  while (histogram.buckets.length <= bucket) histogram.buckets.push(0)
  histogram.buckets[bucket]!++
}

/**
 * Adds every value of `from` to `into`.
 *
 * @since 0.1.0 @category combinators
 */
export const addInto = (into: Histogram, from: Histogram): void => {
  into.hdr.add(from.hdr)
  from.buckets.forEach((count, i) => {
    while (into.buckets.length <= i) into.buckets.push(0)
    into.buckets[i]! += count
  })
}

/**
 * A new histogram holding every value of both.
 *
 * @since 0.1.0 @category combinators
 */
export const merge = (a: Histogram, b: Histogram): Histogram => {
  const merged = make()
  addInto(merged, a)
  addInto(merged, b)
  return merged
}

const ms = (micros: number) => micros / 1000

/**
 * The summary of a histogram; all zeros when it is empty.
 *
 * @since 0.1.0 @category accessors
 */
export const summary = (histogram: Histogram): Summary => {
  const hdr = histogram.hdr
  const count = hdr.totalCount
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 }
  const at = (percentile: number) => ms(hdr.getValueAtPercentile(percentile))
  return {
    count,
    min: ms(hdr.minNonZeroValue),
    mean: ms(hdr.mean),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: ms(hdr.maxValue)
  }
}

/**
 * A bucket of a latency distribution: how many values fell in `[fromMs, toMs)`.
 *
 * @since 0.1.0 @category models
 */
export interface Bucket {
  readonly fromMs: number
  readonly toMs: number
  readonly count: number
}

/**
 * The distribution in buckets that double in width, from the first
 * non-empty one to the last.
 *
 * @since 0.1.0 @category accessors
 */
export const distribution = (histogram: Histogram): Array<Bucket> => {
  const first = histogram.buckets.findIndex((count) => count > 0)
  if (first < 0) return []
  return histogram.buckets.slice(first).map((count, i) => ({
    fromMs: ms(2 ** (first + i)),
    toMs: ms(2 ** (first + i + 1)),
    count
  }))
}
