/**
 * Live progress of a load run: on a terminal, one line redrawn in place — a
 * bar and the counters; elsewhere (CI logs, pipes), a plain line every few
 * seconds.
 *
 * @since 0.1.0
 */
import type { Load } from "@baton/testkit"

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

const fraction = (progress: Load.LoadRun.Progress): number =>
  // Turns, not sessions: sessions played side by side all finish near the end.
  progress.turnsTotal !== null && progress.turnsTotal > 0
    ? progress.turns / progress.turnsTotal
    : progress.durationMs !== null && progress.durationMs > 0
    ? Math.min(1, progress.elapsedMs / progress.durationMs)
    : 0

const counters = (progress: Load.LoadRun.Progress) =>
  `${progress.sessionsCompleted}${progress.sessionsTotal === null ? "" : `/${progress.sessionsTotal}`} sessions · ` +
  `${progress.turns} turns (${progress.failedTurns} failed) · ${progress.handoffs} handoffs · ` +
  `${Math.round(progress.recentTurnsPerSecond)} turns/s · ${progress.contextViolations} violations · ${seconds(progress.elapsedMs)}`

/**
 * The terminal line: `[██████░░░░░░]  45% <counters>`, to be written after a
 * carriage return.
 *
 * @since 0.1.0 @category rendering
 */
export const bar = (progress: Load.LoadRun.Progress, width = 24): string => {
  const done = fraction(progress)
  const filled = Math.round(done * width)
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(done * 100)).padStart(3)}% ${counters(progress)}`
}

/**
 * The plain line for logs.
 *
 * @since 0.1.0 @category rendering
 */
export const line = (progress: Load.LoadRun.Progress): string =>
  `progress ${Math.floor(fraction(progress) * 100)}%: ${counters(progress)}`
