/**
 * The last `capacity` latencies and one percentile of them. The percentile
 * is recomputed (copy and sort of at most `capacity` numbers) once every
 * `capacity / 10` samples, so recording stays O(1) amortised and reading it
 * is a field access.
 */
export class LatencyWindow {
  private readonly samples: Float64Array
  private readonly scratch: Float64Array
  private readonly recomputeEvery: number
  private size = 0
  private next = 0
  private sinceRecompute = 0
  private cached = Number.NaN

  constructor(readonly capacity: number, readonly quantile: number) {
    this.samples = new Float64Array(capacity)
    this.scratch = new Float64Array(capacity)
    this.recomputeEvery = Math.max(1, Math.floor(capacity / 10))
  }

  get count(): number {
    return this.size
  }

  add(ms: number): void {
    this.samples[this.next] = ms
    this.next = (this.next + 1) % this.capacity
    if (this.size < this.capacity) this.size++
    this.sinceRecompute++
  }

  /** The nearest-rank percentile of the window; `NaN` when empty. */
  percentile(): number {
    if (this.size === 0) return Number.NaN
    if (this.sinceRecompute >= this.recomputeEvery || Number.isNaN(this.cached)) {
      const view = this.scratch.subarray(0, this.size)
      view.set(this.samples.subarray(0, this.size))
      view.sort()
      this.cached = view[Math.min(this.size - 1, Math.max(0, Math.ceil(this.quantile * this.size) - 1))]!
      this.sinceRecompute = 0
    }
    return this.cached
  }
}
