/**
 * Which layer carried a chaos run's turns through its faults, from the
 * workers' acknowledgements: each committed turn is put in one class, the
 * first that applies:
 *
 * - `takeover`: it was found committed by a dead worker (`recovered`), or
 *   it is the first turn of its session that a worker which replaced a
 *   killed one played;
 * - `replayed`: the harness's worker played it again after a failed
 *   attempt (only with replay on);
 * - `degraded`: it was answered without all it asked for (a workflow
 *   failed or came back partial, a breaker refused a call, a call timed
 *   out), and the reply says so;
 * - `fallback`: a fallback service or a stale result answered a call;
 * - `retried`: Baton's retry policy tried a call again and the turn came
 *   out whole;
 * - `clean`: nothing needed recovering.
 *
 * Turns a worker gave up on are `failed`. The same figures are given for
 * the whole run and for each fault of the timeline, over the turns that
 * ended while it was in force or within `SETTLE_MS` after.
 *
 * @since 0.2.0
 */
import type * as Cluster from "../cluster/Cluster.js"

/** @since 0.2.0 @category models */
export interface Layers {
  /** Committed turns. */
  readonly turns: number
  readonly clean: number
  readonly retried: number
  /** Calls Baton's retry policy tried again, in all committed turns. */
  readonly retries: number
  readonly fallback: number
  readonly degraded: number
  readonly takeover: number
  readonly replayed: number
  /** Turns a worker gave up on. */
  readonly failed: number
}

/** @since 0.2.0 @category models */
export interface Window extends Layers {
  /** The fault, in the timeline's words. */
  readonly fault: string
  /** Milliseconds since the run started. */
  readonly fromMs: number
  readonly toMs: number
}

/** @since 0.2.0 @category models */
export interface FaultSpan {
  readonly fault: string
  /** Epoch milliseconds. */
  readonly from: number
  readonly to: number
}

/** @since 0.2.0 @category models */
export interface Failure {
  /** Epoch milliseconds the worker gave up. */
  readonly at: number
}

/**
 * Turns ending this long after a fault cleared still count for it: they
 * were under way while it was in force.
 *
 * @since 0.2.0 @category constants
 */
export const SETTLE_MS = 2_000

type Class = "clean" | "retried" | "fallback" | "degraded" | "takeover" | "replayed"

const classOf = (ack: Cluster.AckRecord, takenOver: boolean): Class => {
  if (ack.recovered || takenOver) return "takeover"
  if (ack.retries > 0) return "replayed"
  if (ack.outcome === "fallback") return "fallback"
  if (ack.outcome !== undefined && ack.outcome !== "ok") return "degraded"
  return ack.policyRetries > 0 ? "retried" : "clean"
}

/** The acknowledgements that are their session's first by a process other than the one before. */
const takeovers = (acks: ReadonlyArray<Cluster.AckRecord>): ReadonlySet<Cluster.AckRecord> => {
  const lastPid = new Map<string, number>()
  const taken = new Set<Cluster.AckRecord>()
  for (const ack of acks) {
    const before = lastPid.get(ack.sessionId)
    if (before !== undefined && before !== ack.pid) taken.add(ack)
    lastPid.set(ack.sessionId, ack.pid)
  }
  return taken
}

const layers = (
  acks: ReadonlyArray<Cluster.AckRecord>,
  failures: ReadonlyArray<Failure>,
  taken: ReadonlySet<Cluster.AckRecord>
): Layers => {
  const counts: Record<Class, number> = { clean: 0, retried: 0, fallback: 0, degraded: 0, takeover: 0, replayed: 0 }
  let retries = 0
  for (const ack of acks) {
    counts[classOf(ack, taken.has(ack))]++
    retries += ack.policyRetries
  }
  return { turns: acks.length, ...counts, retries, failed: failures.length }
}

/**
 * The whole run's figures, and each fault's.
 *
 * @since 0.2.0 @category constructors
 */
export const attribute = (
  result: Cluster.Result,
  failures: ReadonlyArray<Failure>,
  faults: ReadonlyArray<FaultSpan>,
  startedAt: number
): { readonly run: Layers; readonly faults: ReadonlyArray<Window> } => {
  const taken = takeovers(result.acks)
  const within = (fault: FaultSpan) => (at: number) => at >= fault.from && at <= fault.to + SETTLE_MS
  return {
    run: layers(result.acks, failures, taken),
    faults: faults.map((fault) => {
      const inWindow = within(fault)
      return {
        fault: fault.fault,
        fromMs: fault.from - startedAt,
        toMs: fault.to - startedAt,
        ...layers(
          result.acks.filter((ack) => inWindow(ack.at)),
          failures.filter((failure) => inWindow(failure.at)),
          taken
        )
      }
    })
  }
}

/**
 * The figures in words: which layer carried how many turns.
 *
 * @since 0.2.0 @category formatting
 */
export const describe = (figures: Layers): string => {
  const parts = [
    `${figures.turns} turns committed`,
    `${figures.clean} untouched`,
    `${figures.retried} recovered by Baton's retry policy (${figures.retries} calls retried)`,
    `${figures.fallback} answered by a fallback`,
    `${figures.degraded} degraded and told`,
    `${figures.takeover} carried by a worker takeover`
  ]
  if (figures.replayed > 0) parts.push(`${figures.replayed} replayed by the harness`)
  parts.push(`${figures.failed} failed`)
  return parts.join("; ")
}
