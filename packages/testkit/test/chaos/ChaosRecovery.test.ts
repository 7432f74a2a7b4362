/**
 * Which layer carried each turn of a chaos run: one class per committed
 * turn, over the run and per fault window.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Cluster from "../../src/cluster/Cluster.js"
import * as ChaosRecovery from "../../src/chaos/ChaosRecovery.js"
import { ackRecord } from "./acks.js"

const ack = (sessionId: string, turn: number, at: number, extra: Partial<Cluster.AckRecord> = {}) =>
  ackRecord(sessionId, turn, { pid: 100, at, ...extra })

const result = (acks: ReadonlyArray<Cluster.AckRecord>): Cluster.Result => ({
  sessions: [],
  workers: [],
  acks,
  duplicateAcks: 0,
  retries: 0,
  wallMs: 1
})

describe("ChaosRecovery", () => {
  it("puts each committed turn in the first class that applies", () => {
    const acks = [
      ack("a", 0, 1_000),
      ack("a", 1, 1_100, { policyRetries: 2 }),
      ack("a", 2, 1_200, { outcome: "fallback", fallbacks: 1, policyRetries: 1 }),
      ack("a", 3, 1_300, { outcome: "workflow-failed" }),
      // A successor (another pid) played session a's next turn: a takeover, whatever else it needed.
      ack("a", 4, 1_400, { pid: 200, policyRetries: 1 }),
      ack("a", 5, 1_500, { pid: 200 }),
      ack("b", 0, 1_600, { recovered: true, outcome: undefined }),
      ack("c", 0, 1_700, { retries: 1 })
    ]
    const { run } = ChaosRecovery.attribute(result(acks), [{ at: 1_650 }], [], 0)
    expect(run).toEqual({
      turns: 8,
      clean: 2,
      retried: 1,
      retries: 4,
      fallback: 1,
      degraded: 1,
      takeover: 2,
      replayed: 1,
      failed: 1
    })
    expect(ChaosRecovery.describe(run)).toBe(
      "8 turns committed; 2 untouched; 1 recovered by Baton's retry policy (4 calls retried); 1 answered by a fallback; " +
        "1 degraded and told; 2 carried by a worker takeover; 1 replayed by the harness; 1 failed"
    )
  })

  it("counts for a fault the turns that ended while it was in force or within SETTLE_MS after", () => {
    const started = 10_000
    const fault = { fault: "flights: flap(300,300) for 1000 ms", from: 12_000, to: 13_000 }
    const acks = [
      ack("a", 0, 11_999, { policyRetries: 1 }),
      ack("a", 1, 12_000, { policyRetries: 1 }),
      ack("a", 2, 13_000 + ChaosRecovery.SETTLE_MS, { outcome: "fallback", fallbacks: 1 }),
      ack("a", 3, 13_001 + ChaosRecovery.SETTLE_MS)
    ]
    const { faults } = ChaosRecovery.attribute(result(acks), [{ at: 12_500 }, { at: 20_000 }], [fault], started)
    expect(faults).toEqual([{
      fault: fault.fault,
      fromMs: 2_000,
      toMs: 3_000,
      turns: 2,
      clean: 0,
      retried: 1,
      retries: 1,
      fallback: 1,
      degraded: 0,
      takeover: 0,
      replayed: 0,
      failed: 1
    }])
    // Nothing replayed: the phrase is left out.
    expect(ChaosRecovery.describe(faults[0]!)).not.toContain("replayed")
  })
})
