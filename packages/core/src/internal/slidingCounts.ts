/**
 * Counters over a sliding time window, kept in a fixed ring of buckets so
 * that recording costs a few array writes and no allocation. The window
 * covers between `(buckets - 1) / buckets` and all of `windowMs`, because
 * the current bucket is still filling.
 */
export interface Bucket {
  readonly start: number
  readonly counts: ReadonlyArray<number>
}

export class SlidingCounts {
  readonly bucketMs: number
  private readonly starts: Float64Array
  private readonly counts: Float64Array

  constructor(readonly windowMs: number, readonly fields: number, readonly buckets = 10) {
    this.bucketMs = Math.max(1, windowMs / buckets)
    this.starts = new Float64Array(buckets).fill(-Infinity)
    this.counts = new Float64Array(buckets * fields)
  }

  add(now: number, field: number, amount = 1): void {
    this.counts[this.slot(now) * this.fields + field]! += amount
  }

  /** The sum of `field` over the buckets inside the window ending at `now`. */
  total(now: number, field: number): number {
    const oldest = now - this.windowMs
    let sum = 0
    for (let slot = 0; slot < this.buckets; slot++) {
      const start = this.starts[slot]!
      if (start > oldest && start <= now) sum += this.counts[slot * this.fields + field]!
    }
    return sum
  }

  clear(): void {
    this.starts.fill(-Infinity)
    this.counts.fill(0)
  }

  snapshot(): Array<Bucket> {
    const out: Array<Bucket> = []
    for (let slot = 0; slot < this.buckets; slot++) {
      const start = this.starts[slot]!
      if (start === -Infinity) continue
      out.push({ start, counts: Array.from(this.counts.subarray(slot * this.fields, (slot + 1) * this.fields)) })
    }
    return out.sort((a, b) => a.start - b.start)
  }

  restore(buckets: ReadonlyArray<Bucket>): void {
    this.clear()
    for (const bucket of buckets) {
      const slot = this.slot(bucket.start)
      for (let field = 0; field < this.fields; field++) {
        this.counts[slot * this.fields + field] = bucket.counts[field] ?? 0
      }
    }
  }

  private slot(now: number): number {
    const index = Math.floor(now / this.bucketMs)
    const start = index * this.bucketMs
    const slot = ((index % this.buckets) + this.buckets) % this.buckets
    if (this.starts[slot] !== start) {
      this.starts[slot] = start
      this.counts.fill(0, slot * this.fields, (slot + 1) * this.fields)
    }
    return slot
  }
}
