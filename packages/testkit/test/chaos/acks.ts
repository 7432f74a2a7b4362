import type * as Cluster from "../../src/cluster/Cluster.js"

/** A worker's acknowledgement of `turn` of `sessionId`, as the coordinator records it, with `extra` over plain defaults. */
export const ackRecord = (sessionId: string, turn: number, extra: Partial<Cluster.AckRecord> = {}): Cluster.AckRecord => ({
  _tag: "Ack",
  sessionId,
  turn,
  agent: "flights",
  handoffs: [],
  durationMs: 5,
  version: turn + 1,
  retries: 0,
  recovered: false,
  outcome: "ok",
  policyRetries: 0,
  fallbacks: 0,
  workflows: [],
  slot: 0,
  pid: 1,
  at: 0,
  ...extra
})
