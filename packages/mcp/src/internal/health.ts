// Recent behaviour weighs most: each observation moves the averages by a
// fifth of the difference, so about ten calls decide an instance's health.
const weight = 0.2

/**
 * What an instance's recent calls and pings say about it. Mutable and
 * synchronous because it is updated on every call.
 */
export class HealthStats {
  /** Moving average of failures (1) and successes (0). */
  errorRate = 0
  /** Moving average of call latency; 0 until the first observation. */
  latencyMs = 0

  success(latencyMs: number): void {
    this.errorRate -= this.errorRate * weight
    this.latencyMs = this.latencyMs === 0 ? latencyMs : this.latencyMs + (latencyMs - this.latencyMs) * weight
  }

  failure(): void {
    this.errorRate += (1 - this.errorRate) * weight
  }

  /**
   * 0..1, to two decimals: the share of recent calls that succeeded,
   * discounted by how much of the timeout the instance uses (an instance
   * answering in half the timeout is half as healthy).
   */
  score(timeoutMs: number): number {
    // To two decimals: a few milliseconds of latency are noise, and a healthy
    // instance must score 1, since routing ranks down anything below it.
    return Math.round((1 - this.errorRate) * Math.max(0, 1 - this.latencyMs / timeoutMs) * 100) / 100
  }

  reset(): void {
    this.errorRate = 0
    this.latencyMs = 0
  }
}
