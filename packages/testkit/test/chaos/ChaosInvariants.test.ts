/**
 * The invariants checker against a store whose contents are known: it finds
 * nothing wrong when the store matches the acknowledgements, and names the
 * session and the turn for each kind of violation.
 */
import { type BatonEvent, type HandoffResult, Ids, Message, SessionState, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChaosInvariants from "../../src/chaos/ChaosInvariants.js"
import type * as Cluster from "../../src/cluster/Cluster.js"
import { ackRecord } from "./acks.js"

const turns = ["hello", "find flights", "book it"]
const probe = "anything else?"

const handoff = (contextPreserved: boolean): HandoffResult.HandoffResult => ({
  handoffId: "h",
  success: true,
  from: Ids.agentId("triage"),
  to: Ids.agentId("flights"),
  newAgentId: Ids.agentId("flights"),
  mode: "transfer",
  initiator: "router",
  reason: "flights",
  contextPreserved,
  executionTimeMs: 1,
  errors: []
})

const ack = (sessionId: string, turn: number, handoffs: ReadonlyArray<HandoffResult.HandoffResult> = []): Cluster.AckRecord =>
  ackRecord(sessionId, turn, { handoffs })

/** Commits a session whose history holds `texts` as user messages, one TurnCompleted each. */
const store = (sessionId: string, texts: ReadonlyArray<string>, lostContext = false) =>
  Effect.gen(function*() {
    const id = Ids.sessionId(sessionId)
    const empty = SessionState.empty({ sessionId: id, userId: Ids.userId(`${sessionId}-user`), state: {}, now: 0 })
    const history: Array<Message.Message> = texts.map((content, i) => ({
      id: Message.idAt(id, i),
      role: "user",
      content,
      time: 0
    }))
    const events: Array<BatonEvent.BatonEvent> = texts.map((_, i) => ({
      _tag: "TurnCompleted",
      sessionId: id,
      at: 0,
      agent: Ids.agentId("flights"),
      handoffs: 0,
      durationMs: 5,
      version: i + 1
    }))
    if (lostContext) {
      events.push({
        _tag: "HandoffCompleted",
        sessionId: id,
        at: 0,
        handoffId: "h",
        from: Ids.agentId("triage"),
        to: Ids.agentId("flights"),
        mode: "transfer",
        contextPreserved: false,
        durationMs: 1
      })
    }
    yield* (yield* SessionStore.SessionStore).commit({
      state: { ...empty, version: 1, context: { ...empty.context, history } },
      expectedVersion: 0,
      events
    })
  })

const session = (
  sessionId: string,
  acks: ReadonlyArray<Cluster.AckRecord | undefined>,
  gaveUp: Cluster.SessionRecord["gaveUp"] = [],
  rewinds: Cluster.SessionRecord["rewinds"] = []
): Cluster.SessionRecord => ({
  sessionId,
  userId: `${sessionId}-user`,
  slot: 0,
  turns: [...turns, probe],
  acks,
  assignments: 1,
  gaveUp,
  rewinds
})

const result = (sessions: ReadonlyArray<Cluster.SessionRecord>, duplicateAcks = 0): Cluster.Result => ({
  sessions,
  workers: [],
  acks: sessions.flatMap((one) => one.acks.filter((a): a is Cluster.AckRecord => a !== undefined)),
  duplicateAcks,
  retries: 0,
  wallMs: 1
})

const all = (sessionId: string, handoffs: ReadonlyArray<HandoffResult.HandoffResult> = []) =>
  [0, 1, 2, 3].map((turn) => ack(sessionId, turn, turn === 1 ? handoffs : []))

const byName = (invariants: ReadonlyArray<ChaosInvariants.Invariant>) =>
  Object.fromEntries(invariants.map((invariant) => [invariant.name, invariant]))

describe("ChaosInvariants", () => {
  it.effect("every invariant holds when the store has every acknowledged turn once", () =>
    Effect.gen(function*() {
      yield* store("s-1", [...turns, probe])
      yield* store("s-2", [...turns, probe])
      const invariants = yield* ChaosInvariants.check({
        result: result([session("s-1", all("s-1", [handoff(true)])), session("s-2", all("s-2"))]),
        probed: true
      })
      expect(invariants.map((invariant) => [invariant.name, invariant.holds])).toEqual([
        ["no-session-lost", true],
        ["no-acked-turn-lost", true],
        ["every-turn-once", true],
        ["context-preserved", true],
        ["faults-recovered", true]
      ])
      expect(byName(invariants)["no-session-lost"]!.evidence).toBe("2 of 2 sessions are in the store")
      expect(byName(invariants)["context-preserved"]!.evidence).toBe("1 acknowledged and 0 stored handoffs, 0 with context lost")
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("names each violation: a missing session, a lost turn, a turn twice, lost context, a session given up", () =>
    Effect.gen(function*() {
      // s-lost is not stored; s-short lost its acknowledged third turn; s-twice
      // holds its second turn twice; s-context lost a handoff's context;
      // s-stuck gave up before the probe.
      yield* store("s-short", ["hello", "find flights"])
      yield* store("s-twice", ["hello", "find flights", "find flights", "book it"])
      yield* store("s-context", [...turns, probe], true)
      yield* store("s-stuck", turns)
      const invariants = byName(yield* ChaosInvariants.check({
        result: result([
          session("s-lost", all("s-lost")),
          session("s-short", all("s-short")),
          session("s-twice", all("s-twice")),
          session("s-context", all("s-context", [handoff(false)])),
          session("s-stuck", all("s-stuck").slice(0, 3), [
            { _tag: "GaveUp", sessionId: "s-stuck", turn: 3, attempts: 9, error: "Redis is down" }
          ])
        ]),
        probed: true
      }))
      expect(invariants["no-session-lost"]).toMatchObject({ holds: false, violations: ["s-lost: not in the store"] })
      expect(invariants["no-acked-turn-lost"]!.holds).toBe(false)
      expect(invariants["no-acked-turn-lost"]!.violations).toContain(
        's-short turn 3: acknowledged by worker 0 (pid 1) but the stored history has null'
      )
      expect(invariants["every-turn-once"]!.violations).toEqual([
        's-twice: stored messages ["hello","find flights","find flights","book it"] are not the script\'s turns in order'
      ])
      expect(invariants["context-preserved"]!.violations).toEqual([
        "s-context turn 2: triage->flights acknowledged with contextPreserved false",
        "s-context: 1 stored HandoffCompleted events with contextPreserved false"
      ])
      expect(invariants["faults-recovered"]!.violations).toContain(
        "s-stuck: the turn after the timeline did not succeed (Redis is down)"
      )
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("turns acknowledged, then found missing from the store and played again, are lost turns even though the store ends whole", () =>
    Effect.gen(function*() {
      yield* store("s-1", [...turns, probe])
      const rewound = session("s-1", all("s-1"), [], [{ acknowledged: 3, stored: 1, slot: 0, pid: 7, at: 0 }])
      const invariants = byName(yield* ChaosInvariants.check({ result: result([rewound]), probed: true }))
      expect(invariants["no-acked-turn-lost"]).toMatchObject({
        holds: false,
        count: 2,
        violations: [
          "s-1 turn 2: acknowledged, then missing from the store (worker 0, pid 7, found 1 of 3 turns); played again",
          "s-1 turn 3: acknowledged, then missing from the store (worker 0, pid 7, found 1 of 3 turns); played again"
        ]
      })
      expect(invariants["no-acked-turn-lost"]!.evidence).toContain("2 went missing from the store during the run and were played again")
      expect(invariants["every-turn-once"]!.holds).toBe(true)
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("a turn acknowledged twice breaks every-turn-once", () =>
    Effect.gen(function*() {
      yield* store("s-1", [...turns, probe])
      const invariants = byName(yield* ChaosInvariants.check({ result: result([session("s-1", all("s-1"))], 1), probed: true }))
      expect(invariants["every-turn-once"]).toMatchObject({ holds: false, violations: ["1 turns were acknowledged twice"] })
    }).pipe(Effect.provide(SessionStore.layerMemory)))
})
