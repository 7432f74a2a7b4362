/**
 * What a chaos run must not break, checked against the store after the run,
 * each with its evidence:
 *
 * - **no session lost**: every session exists in the store;
 * - **no acknowledged turn lost**: every acknowledged turn's user message is
 *   in its session's stored history, at its place, and no worker ever found
 *   the store holding fewer turns than it had acknowledged (a Redis master
 *   that died before its replica had them; the turns were played again);
 * - **every turn once**: each stored history holds each scripted message
 *   exactly once, in order, with one `TurnCompleted` event per turn, and no
 *   turn was acknowledged twice;
 * - **every context preserved**: no handoff, acknowledged or stored, has
 *   `contextPreserved: false`;
 * - **every transient fault recovered without a person**: after the
 *   timeline, one more turn per session succeeded, and no session was given
 *   up. With the harness's replay off (`replay: false`), a session whose
 *   turn failed even once breaks it: the recovery must be Baton's own
 *   (its policies, fallbacks, store and worker takeover), not the workers
 *   playing failed turns again.
 *
 * @since 0.1.0
 */
import { Ids, Message, type SessionState, SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Cluster from "../cluster/Cluster.js"

/** @since 0.1.0 @category models */
export interface Invariant {
  readonly name: "no-session-lost" | "no-acked-turn-lost" | "every-turn-once" | "context-preserved" | "faults-recovered"
  readonly holds: boolean
  /** One line: what was checked and what was found. */
  readonly evidence: string
  /** Up to ten violations, each naming the session. */
  readonly violations: ReadonlyArray<string>
  /**
   * How many violations there were in all (turns, sessions or handoffs, as
   * the invariant counts them).
   *
   * @since 0.2.0
   */
  readonly count: number
}

/** @since 0.1.0 @category models */
export interface Input {
  readonly result: Cluster.Result
  /** Whether each session's last turn was played after the timeline (the probe). @since 0.2.0 */
  readonly probed?: boolean
  /** Whether the workers played failed turns again. Default true. @since 0.2.0 */
  readonly replay?: boolean
  /**
   * The run was stopped before its end: a session that did not play all
   * its turns was stopped, not given up. @since 0.2.0
   */
  readonly interrupted?: boolean
}

interface Stored {
  readonly sessionId: string
  readonly state: Option.Option<SessionState.SessionState>
  readonly turnsCompleted: number
  readonly handoffsCompleted: number
  readonly handoffsLost: number
  readonly error?: string
}

const first = (violations: ReadonlyArray<string>) => violations.slice(0, 10)

const invariant = (
  name: Invariant["name"],
  violations: ReadonlyArray<string>,
  evidence: string
): Invariant => ({ name, holds: violations.length === 0, evidence, violations: first(violations), count: violations.length })

const read = (sessionId: string) =>
  Effect.gen(function*() {
    const store = yield* SessionStore.SessionStore
    const id = Ids.sessionId(sessionId)
    const state = yield* store.load(id)
    const events = yield* store.events(id)
    let turnsCompleted = 0
    let handoffsCompleted = 0
    let handoffsLost = 0
    for (const event of events) {
      if (event._tag === "TurnCompleted") turnsCompleted++
      if (event._tag === "HandoffCompleted") {
        handoffsCompleted++
        if (!event.contextPreserved) handoffsLost++
      }
    }
    const found: Stored = { sessionId, state, turnsCompleted, handoffsCompleted, handoffsLost }
    return found
  }).pipe(
    Effect.catchAll((error) =>
      Effect.succeed<Stored>({
        sessionId,
        state: Option.none(),
        turnsCompleted: 0,
        handoffsCompleted: 0,
        handoffsLost: 0,
        error: error.message
      })
    )
  )

const userMessages = (stored: Stored): ReadonlyArray<string> =>
  Option.match(stored.state, {
    onNone: () => [],
    // An interrupted turn's message is kept, unanswered: it is not a played turn.
    onSome: (state) =>
      state.context.history.filter((message) => message.role === "user" && !Message.isInterrupted(message))
        .map((message) => message.content)
  })

/**
 * Checks every invariant against the store.
 *
 * @since 0.1.0 @category checks
 */
export const check = (input: Input): Effect.Effect<ReadonlyArray<Invariant>, never, SessionStore.SessionStore> =>
  Effect.gen(function*() {
    const { result } = input
    const stored = yield* Effect.forEach(result.sessions, (session) => read(session.sessionId), { concurrency: 16 })
    const sessions = result.sessions.map((session, i) => ({ session, stored: stored[i]! }))

    // A session an interrupted run never got to is not lost: it never started.
    const started = (session: Cluster.SessionRecord) => input.interrupted !== true || session.acks.some((ack) => ack !== undefined)
    const missing = sessions.flatMap(({ session, stored }) =>
      Option.isNone(stored.state) && started(session) ? [`${stored.sessionId}: ${stored.error ?? "not in the store"}`] : []
    )

    const acked = result.acks.length - result.duplicateAcks
    const recovered = result.acks.filter((ack) => ack.recovered).length
    const rewound = sessions.flatMap(({ session }) =>
      session.rewinds.flatMap((rewind) =>
        Array.from({ length: rewind.acknowledged - rewind.stored }, (_, i) =>
          `${session.sessionId} turn ${rewind.stored + i + 1}: acknowledged, then missing from the store ` +
          `(worker ${rewind.slot}, pid ${rewind.pid}, found ${rewind.stored} of ${rewind.acknowledged} turns); played again`)
      )
    )
    const missingNow = sessions.flatMap(({ session, stored }) => {
      const history = userMessages(stored)
      return session.acks.flatMap((ack, turn) =>
        ack !== undefined && history[turn] !== session.turns[turn]
          ? [`${session.sessionId} turn ${turn + 1}: acknowledged by worker ${ack.slot} (pid ${ack.pid}) but the stored history has ${JSON.stringify(history[turn] ?? null)}`]
          : []
      )
    })
    const lostTurns = [...missingNow, ...rewound]
    const standing = sessions.reduce((sum, { session }) => sum + session.acks.filter((ack) => ack !== undefined).length, 0)

    const twice = sessions.flatMap(({ session, stored }) => {
      const history = userMessages(stored)
      const expected = session.turns.slice(0, history.length)
      if (Option.isNone(stored.state)) return []
      if (history.some((text, i) => text !== expected[i]) || history.length > session.turns.length) {
        return [`${session.sessionId}: stored messages ${JSON.stringify(history)} are not the script's turns in order`]
      }
      if (stored.turnsCompleted !== history.length) {
        return [`${session.sessionId}: ${history.length} user messages but ${stored.turnsCompleted} TurnCompleted events`]
      }
      return []
    })
    if (result.duplicateAcks > 0) twice.push(`${result.duplicateAcks} turns were acknowledged twice`)
    const storedTurns = stored.reduce((sum, one) => sum + userMessages(one).length, 0)

    const handoffs = result.acks.flatMap((ack) => ack.handoffs.map((handoff) => ({ ack, handoff })))
    const contextLost = [
      ...handoffs.filter(({ handoff }) => !handoff.contextPreserved).map(({ ack, handoff }) =>
        `${ack.sessionId} turn ${ack.turn + 1}: ${handoff.from}->${handoff.to} acknowledged with contextPreserved false`
      ),
      ...stored.filter((one) => one.handoffsLost > 0).map((one) =>
        `${one.sessionId}: ${one.handoffsLost} stored HandoffCompleted events with contextPreserved false`
      )
    ]
    const storedHandoffs = stored.reduce((sum, one) => sum + one.handoffsCompleted, 0)

    const probeOf = (session: Cluster.SessionRecord) => (input.probed === true ? session.turns.length - 1 : undefined)
    const replay = input.replay ?? true
    const unrecovered = sessions.flatMap(({ session }) => {
      const last = session.gaveUp[session.gaveUp.length - 1]
      const first = session.gaveUp[0]
      if (!replay && first !== undefined) {
        return [`${session.sessionId}: turn ${first.turn + 1} failed, and the harness does not play it again: ${first.error}`]
      }
      const probe = probeOf(session)
      if (probe !== undefined && session.acks[probe] === undefined) {
        return [`${session.sessionId}: the turn after the timeline did not succeed${last === undefined ? "" : ` (${last.error})`}`]
      }
      if (input.interrupted === true && last === undefined) return []
      return session.acks.length < session.turns.length || session.acks.includes(undefined)
        ? [`${session.sessionId}: gave up at turn ${(last?.turn ?? session.acks.length) + 1}${last === undefined ? "" : `: ${last.error}`}`]
        : []
    })
    const probed = input.probed === true
      ? sessions.filter(({ session }) => session.acks[session.turns.length - 1] !== undefined).length
      : 0

    return [
      invariant(
        "no-session-lost",
        missing,
        `${sessions.filter(({ stored }) => Option.isSome(stored.state)).length} of ${sessions.length} sessions are in the store` +
          (input.interrupted === true ? "; the run was stopped before the others had a turn acknowledged" : "")
      ),
      invariant(
        "no-acked-turn-lost",
        lostTurns,
        `${acked} acknowledged turns (${recovered} of them found committed after their acknowledgement was lost), ` +
          `${standing - missingNow.length} of the ${standing} last acknowledged found at their place in the stored histories; ` +
          `${rewound.length} went missing from the store during the run and were played again`
      ),
      invariant(
        "every-turn-once",
        twice,
        `${storedTurns} stored user messages, each scripted turn once and in order; ` +
          `${stored.reduce((sum, one) => sum + one.turnsCompleted, 0)} TurnCompleted events; ${result.duplicateAcks} duplicate acknowledgements`
      ),
      invariant(
        "context-preserved",
        contextLost,
        `${handoffs.length} acknowledged and ${storedHandoffs} stored handoffs, ${contextLost.length} with context lost`
      ),
      invariant(
        "faults-recovered",
        unrecovered,
        !replay
          ? `${sessions.length - unrecovered.length} of ${sessions.length} sessions played every turn without a failed ` +
            `turn, with the harness's replay off (no failed turn played again)` +
            (input.probed === true ? `; ${probed} answered a turn after the timeline ended` : "")
          : input.probed !== true
          ? `${sessions.length - unrecovered.length} of ${sessions.length} sessions finished every turn; ${result.retries} failed attempts retried by the workers themselves`
          : `${probed} of ${sessions.length} sessions answered a turn after the timeline ended; ` +
            `${result.retries} failed attempts were retried by the workers themselves, with no intervention`
      )
    ]
  })
