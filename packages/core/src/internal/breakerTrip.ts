/**
 * The circuit breaker's trip strategies as small counters. Each records the
 * outcomes of calls made while the breaker is closed and says why the
 * breaker should open, when it should.
 */
import type { TripState, TripStrategy } from "../CircuitBreaker.js"
import { formatMs } from "./policy.js"
import { SlidingCounts } from "./slidingCounts.js"

export interface Tracker {
  readonly tag: TripState["_tag"]
  /** Whether `record` needs the time and the call's duration. */
  readonly timed: boolean
  /** Records an outcome; returns why the breaker should open, if it should. */
  record(fault: boolean, now: number, durationMs: number): string | undefined
  reset(): void
  snapshot(): TripState
  restore(state: TripState): void
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`

class Consecutive implements Tracker {
  readonly tag = "ConsecutiveFailures"
  readonly timed = false
  private failures = 0
  constructor(private readonly threshold: number) {}
  record(fault: boolean) {
    if (!fault) {
      this.failures = 0
      return undefined
    }
    return ++this.failures >= this.threshold ? `${plural(this.failures, "consecutive failure")}` : undefined
  }
  reset() {
    this.failures = 0
  }
  snapshot(): TripState {
    return { _tag: "ConsecutiveFailures", failures: this.failures }
  }
  restore(state: TripState) {
    if (state._tag === "ConsecutiveFailures") this.failures = state.failures
  }
}

class LastCalls implements Tracker {
  readonly tag = "CountWindow"
  readonly timed = false
  private readonly outcomes: Uint8Array
  private next = 0
  private filled = 0
  private faults = 0
  constructor(private readonly size: number, private readonly failures: number) {
    this.outcomes = new Uint8Array(size)
  }
  record(fault: boolean) {
    if (this.filled === this.size) this.faults -= this.outcomes[this.next]!
    else this.filled++
    this.outcomes[this.next] = fault ? 1 : 0
    if (fault) this.faults++
    this.next = (this.next + 1) % this.size
    return fault && this.faults >= this.failures ? `${plural(this.faults, "failure")} in the last ${plural(this.filled, "call")}` : undefined
  }
  reset() {
    this.outcomes.fill(0)
    this.next = this.filled = this.faults = 0
  }
  snapshot(): TripState {
    const outcomes: Array<boolean> = []
    const first = this.filled === this.size ? this.next : 0
    for (let i = 0; i < this.filled; i++) outcomes.push(this.outcomes[(first + i) % this.size] === 1)
    return { _tag: "CountWindow", outcomes }
  }
  restore(state: TripState) {
    if (state._tag !== "CountWindow") return
    this.reset()
    for (const fault of state.outcomes.slice(-this.size)) this.record(fault)
  }
}

const CALLS = 0
const COUNTED = 1

/** Calls and failing (or slow) calls over a time window. */
class RateOverTime implements Tracker {
  readonly timed = true
  private readonly counts: SlidingCounts
  constructor(
    readonly tag: "TimeWindow" | "SlowCallRate",
    private readonly windowMs: number,
    private readonly threshold: number,
    private readonly minimumThroughput: number,
    private readonly slowCallMs: number
  ) {
    this.counts = new SlidingCounts(windowMs, 2)
  }
  record(fault: boolean, now: number, durationMs: number) {
    const counted = this.tag === "TimeWindow" ? fault : durationMs >= this.slowCallMs
    this.counts.add(now, CALLS)
    if (!counted) return undefined
    this.counts.add(now, COUNTED)
    const calls = this.counts.total(now, CALLS)
    if (calls < this.minimumThroughput) return undefined
    const rate = this.counts.total(now, COUNTED) / calls
    if (rate < this.threshold) return undefined
    return this.tag === "TimeWindow"
      ? `${percent(rate)} of ${calls} calls failed in ${formatMs(this.windowMs)}`
      : `${percent(rate)} of ${calls} calls took ${formatMs(this.slowCallMs)} or more in ${formatMs(this.windowMs)}`
  }
  reset() {
    this.counts.clear()
  }
  snapshot(): TripState {
    return { _tag: this.tag, buckets: this.counts.snapshot() }
  }
  restore(state: TripState) {
    if (state._tag === this.tag) this.counts.restore(state.buckets)
  }
}

export const make = (strategy: TripStrategy): Tracker => {
  switch (strategy._tag) {
    case "ConsecutiveFailures":
      return new Consecutive(strategy.threshold)
    case "CountWindow":
      return new LastCalls(strategy.size, strategy.failures)
    case "TimeWindow":
      return new RateOverTime("TimeWindow", strategy.windowMs, strategy.failureRate, strategy.minimumThroughput, 0)
    case "SlowCallRate":
      return new RateOverTime("SlowCallRate", strategy.windowMs, strategy.rate, strategy.minimumThroughput, strategy.slowCallMs)
  }
}
