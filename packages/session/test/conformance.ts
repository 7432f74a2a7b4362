/**
 * The `SessionStore` conformance suite: one set of behaviours every store
 * must show, registered against a layer that provides the store under test.
 * Memory, SQLite and Redis run it from their own test files.
 */
import { Ids, Message, ReservedSession, SessionState, type SessionStore } from "@baton/core"
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import fc from "fast-check"
import * as Migrations from "../src/Migrations.js"
import { appendItem, itemsOf, plainState, turnStarted } from "./support/sessions.js"

/** Direct access to what a durable store persisted, below its codec. */
export interface Raw {
  /** Writes a state record as stored text, bypassing the store's codec. */
  readonly putRecord: (input: {
    readonly sessionId: string
    readonly userId: string
    readonly version: number
    readonly json: string
    /** Stores the CRC-32 of the text's UTF-8 bytes with it, as the store does with the records it writes. */
    readonly checksummed?: boolean
  }) => Effect.Effect<void>
  /** Replaces only the text of a session's record, keeping its version and stored checksum. */
  readonly overwriteJson: (sessionId: string, json: string) => Effect.Effect<void>
  /** Everything the store persisted, as text. */
  readonly dump: Effect.Effect<string>
  /** The same data through a store that reads records with other migrations (another build). */
  readonly reopen: (migrations: Migrations.Registry) => Effect.Effect<SessionStore.Service>
}

export interface Subject {
  readonly store: SessionStore.Service
  /** The same backend with a short TTL (`shortTtlMs`). */
  readonly shortLived: SessionStore.Service
  readonly shortTtlMs: number
  /** Moves the store's clock forward: `TestClock` for memory and SQLite, real time for Redis. */
  readonly advance: (ms: number) => Effect.Effect<void>
  readonly raw: Raw | undefined
}

export class StoreUnderTest extends Context.Tag("@baton/session/test/StoreUnderTest")<StoreUnderTest, Subject>() {}

export interface Capabilities {
  /** Whether `advance` is virtual, so a test may rely on time not passing by itself. */
  readonly virtualClock: boolean
  /** Whether the subject has `raw` access (durable stores). */
  readonly raw: boolean
  /** fast-check runs of the concurrent-writers property. */
  readonly propertyRuns: number
}

// Ids unique across test files that share one Redis server.
const run = Math.random().toString(36).slice(2, 8)
let counter = 0
export const freshSession = (label: string) => Ids.sessionId(`${label}-${run}-${++counter}`)
export const freshUser = (label: string) => Ids.userId(`${label}-${run}-${++counter}`)

const message = (sessionId: Ids.SessionId, index: number, content: string, extra: Partial<Message.Message> = {}) => ({
  id: Message.idAt(sessionId, index),
  role: index % 2 === 0 ? "user" as const : "agent" as const,
  content,
  time: 1_700_000_000_000 + index,
  ...(index % 2 === 0 ? {} : { agent: Ids.agentId("flights") }),
  ...extra
})

/** A state that uses every part of the schema. */
export const richState = (sessionId: Ids.SessionId, userId: Ids.UserId, version: number): SessionState.SessionState => ({
  schemaVersion: SessionState.SCHEMA_VERSION,
  sessionId,
  userId,
  currentAgent: Ids.agentId("flights"),
  agentStack: [Ids.agentId("triage")],
  context: {
    history: [
      message(sessionId, 0, "Two seats to Lisbon in December, please."),
      message(sessionId, 1, "Found 3 flights; the cheapest leaves at 07:10.", { metadata: { offers: 3, cheapest: { price: 182.5 } } }),
      message(sessionId, 2, "Book the cheapest one. Ünïcödé ✈ works too?")
    ],
    state: { destination: "Lisbon", travellers: ["Ana", "Rui"], budget: 2400, nested: { deep: [1, null, true] } },
    preferences: { seat: "aisle", currency: "EUR" },
    searchContext: { lastQuery: "LIS 2026-12-10" }
  },
  activeWorkflows: [{ id: "wf-1", name: "booking", status: "running", startedAt: 1_700_000_000_100 }],
  cachedResults: { "flights:LIS": { value: { count: 3 }, storedAt: 1_700_000_000_050, expiresAt: 1_700_000_600_000 } },
  createdAt: 1_700_000_000_000,
  lastActivity: 1_700_000_000_200,
  version
})

const expectSome = <A>(option: Option.Option<A>): A => {
  if (Option.isNone(option)) throw new Error("expected a value, found none")
  return option.value
}

// Card data used by the redaction test; none of it may be persisted.
const CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "378282246310005"]
const CVV = "4826"
const digitsOnly = (text: string) => text.replace(/[ -]/g, "")

export const conformance = (name: string, subject: Layer.Layer<StoreUnderTest, unknown>, capabilities: Capabilities) =>
  layer(subject, { timeout: "30 seconds" })(`SessionStore conformance: ${name}`, (it) => {
    it.effect("load gives back exactly what was committed; an unknown session is none", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("roundtrip")
        const userId = freshUser("u")
        expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
        const state = richState(sessionId, userId, 1)
        yield* store.commit({ state, expectedVersion: 0, events: [turnStarted(sessionId, userId, "hello")] })
        expect(expectSome(yield* store.load(sessionId))).toEqual(state)
        expect(expectSome(yield* store.restore(sessionId))).toEqual(state)
        const next = { ...state, currentAgent: null, agentStack: [], version: 2 }
        yield* store.commit({ state: next, expectedVersion: 1, events: [] })
        expect(expectSome(yield* store.load(sessionId))).toEqual(next)
      }))

    it.effect("a commit on a stale version fails with SessionConflict and overwrites nothing", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("conflict")
        const userId = freshUser("u")
        const first = plainState(sessionId, userId, 1, ["first"])
        yield* store.commit({ state: first, expectedVersion: 0, events: [] })
        const second = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, userId, 1, ["second"]), expectedVersion: 0, events: [] })
        )
        expect(second).toMatchObject({ _tag: "SessionConflict", sessionId, expectedVersion: 0, actualVersion: 1 })
        const ahead = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, userId, 3, ["ahead"]), expectedVersion: 2, events: [] })
        )
        expect(ahead).toMatchObject({ _tag: "SessionConflict", expectedVersion: 2, actualVersion: 1 })
        expect(ahead.message).toContain("Retry on the fresh state")
        expect(expectSome(yield* store.load(sessionId))).toEqual(first)
        expect(yield* store.events(sessionId)).toEqual([])
      }))

    it.effect("a state whose version is not expectedVersion + 1 is refused", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("badversion")
        const error = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, freshUser("u"), 5), expectedVersion: 0, events: [] })
        )
        expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
        expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
      }))

    it.effect("a reserved session is stored only for the user it names; another user's commit is refused and writes nothing", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const owner = freshUser("owner")
        const intruder = freshUser("intruder")
        const sessionId = ReservedSession.make("profile", owner)
        const violation = Option.getOrThrow(ReservedSession.violation({ sessionId, userId: intruder }))
        const squat = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, intruder, 1, ["7 travellers"]), expectedVersion: 0, events: [], snapshot: "s" })
        )
        expect(squat).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
        expect(squat.message).toContain(violation)
        expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
        expect(yield* store.snapshots(sessionId)).toEqual([])
        expect(yield* store.listByUser(intruder)).toEqual([])

        yield* store.commit({ state: plainState(sessionId, owner, 1, ["2 travellers"]), expectedVersion: 0, events: [] })
        const takeover = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, intruder, 2, ["7 travellers"]), expectedVersion: 1, events: [] })
        )
        expect(takeover.message).toContain(violation)
        const kept = expectSome(yield* store.load(sessionId))
        expect([kept.userId, kept.version, itemsOf(kept)]).toEqual([owner, 1, ["2 travellers"]])
        expect(yield* store.listByUser(owner)).toEqual([sessionId])
      }))

    it.effect("a missing snapshot says which one and why it cannot be used", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("nosnap")
        yield* store.commit({ state: plainState(sessionId, freshUser("u"), 1), expectedVersion: 0, events: [] })
        const specific = yield* Effect.flip(store.restoreFromSnapshot(sessionId, 99))
        expect(specific.message).toBe(`Snapshot #99 of session "${sessionId}" cannot be used: there is no such snapshot.`)
        const anyGood = yield* Effect.flip(store.restoreFromSnapshot(sessionId))
        expect(anyGood.message).toBe(`No snapshot of session "${sessionId}" can be restored: the session has no snapshots.`)
        const loaded = yield* Effect.flip(store.loadSnapshot(sessionId, 99))
        expect(loaded.message).toBe(`Snapshot #99 of session "${sessionId}" cannot be used: there is no such snapshot.`)
      }))

    it.effect("inspect tells a session's version, owner and quarantine without reading its record", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("inspect")
        const userId = freshUser("u")
        expect(yield* store.inspect(sessionId)).toEqual(Option.none())
        yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })
        yield* store.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [] })
        expect(yield* store.inspect(sessionId)).toEqual(
          Option.some({ sessionId, version: 2, userId: Option.some(userId), quarantineId: Option.none() })
        )
        yield* store.delete(sessionId)
        expect(yield* store.inspect(sessionId)).toEqual(Option.none())
      }))

    it.effect("a quarantine entry that does not exist is QuarantinedRecordNotFound", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("noentry")
        yield* store.commit({ state: plainState(sessionId, freshUser("u"), 1), expectedVersion: 0, events: [] })
        for (const error of [yield* Effect.flip(store.loadQuarantined(sessionId, 3)), yield* Effect.flip(store.dropQuarantined(sessionId, 3))]) {
          expect(error).toMatchObject({ _tag: "QuarantinedRecordNotFound", sessionId, quarantineId: 3 })
          expect(error.message).toBe(`Session "${sessionId}" has no quarantined record #3.`)
        }
      }))

    // Durable stores encode what they write; the memory store keeps values.
    if (capabilities.raw) {
      it.effect("a commit with an event that does not encode is refused, naming the event; nothing is written", () =>
        Effect.gen(function*() {
          const { store } = yield* StoreUnderTest
          const sessionId = freshSession("badevent")
          const userId = freshUser("u")
          const broken = { ...turnStarted(sessionId, userId, "hello"), at: "noon" as unknown as number }
          const error = yield* Effect.flip(
            store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [turnStarted(sessionId, userId, "ok"), broken] })
          )
          expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
          expect(error.message).toContain("a TurnStarted event does not encode")
          expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
          expect(yield* store.events(sessionId)).toEqual([])
        }))
    }

    it.effect("events are appended in commit order", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("events")
        const userId = freshUser("u")
        const e = (text: string, at: number) => turnStarted(sessionId, userId, text, at)
        yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [e("a", 1), e("b", 2)] })
        yield* store.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [] })
        yield* store.commit({
          state: plainState(sessionId, userId, 3),
          expectedVersion: 2,
          events: [
            e("c", 3),
            {
              _tag: "ToolCalled",
              at: 4,
              service: "flights",
              tool: "search",
              instance: "flights-1",
              outcome: "error",
              durationMs: 12.5,
              error: "timeout"
            }
          ]
        })
        expect(yield* store.events(sessionId)).toEqual([
          e("a", 1),
          e("b", 2),
          e("c", 3),
          {
            _tag: "ToolCalled",
            at: 4,
            service: "flights",
            tool: "search",
            instance: "flights-1",
            outcome: "error",
            durationMs: 12.5,
            error: "timeout"
          }
        ])
        expect(yield* store.events(freshSession("none"))).toEqual([])
      }))

    it.effect("snapshots are saved with a label, listed, loaded, and restored as a new version", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("snapshots")
        const userId = freshUser("u")
        const v1 = richState(sessionId, userId, 1)
        yield* store.commit({ state: v1, expectedVersion: 0, events: [] })
        const saved = yield* store.saveSnapshot(sessionId, "before booking")
        expect(saved).toMatchObject({ sessionId, id: 1, version: 1, label: "before booking" })
        const v2 = { ...plainState(sessionId, userId, 2, ["booked"]) }
        yield* store.commit({ state: v2, expectedVersion: 1, events: [], snapshot: "after booking" })
        const list = yield* store.snapshots(sessionId)
        expect(list.map(({ id, label, version }) => ({ id, label, version }))).toEqual([
          { id: 1, label: "before booking", version: 1 },
          { id: 2, label: "after booking", version: 2 }
        ])
        expect((yield* store.loadSnapshot(sessionId, 1)).state).toEqual(v1)
        expect((yield* store.loadSnapshot(sessionId, 2)).state).toEqual(v2)
        expect(yield* Effect.flip(store.loadSnapshot(sessionId, 9))).toMatchObject({ _tag: "SnapshotNotFound", snapshotId: 9 })
        const missing = yield* Effect.flip(store.saveSnapshot(freshSession("nobody"), "x"))
        expect(missing._tag).toBe("SessionNotFound")

        const restored = yield* store.restoreFromSnapshot(sessionId, 1)
        expect(restored).toEqual({ ...v1, version: 3 })
        expect(expectSome(yield* store.load(sessionId))).toEqual({ ...v1, version: 3 })
        // A writer still holding version 2 cannot overwrite the restored state.
        const stale = yield* Effect.flip(store.commit({ state: plainState(sessionId, userId, 3), expectedVersion: 2, events: [] }))
        expect(stale._tag).toBe("SessionConflict")
        // Without an id, the newest snapshot is used.
        expect(yield* store.restoreFromSnapshot(sessionId)).toEqual({ ...v2, version: 4 })
        expect(yield* Effect.flip(store.restoreFromSnapshot(freshSession("nobody")))).toMatchObject({ _tag: "SnapshotNotFound" })
      }))

    it.effect("a lease belongs to one owner; a newer lease fences out the older token", () =>
      Effect.gen(function*() {
        const { advance, shortTtlMs, store } = yield* StoreUnderTest
        // As long as the short TTL: on a real clock, a busy machine must not run a lease out between two calls.
        const ttl = Duration.millis(shortTtlMs)
        const sessionId = freshSession("lease")
        const userId = freshUser("u")
        const a = yield* store.acquireLease(sessionId, "worker-a", ttl)
        expect(a).toMatchObject({ sessionId, owner: "worker-a", token: 1 })
        const held = yield* Effect.flip(store.acquireLease(sessionId, "worker-b", ttl))
        expect(held).toMatchObject({ _tag: "LeaseHeld", owner: "worker-b", holder: "worker-a" })
        expect((yield* store.acquireLease(sessionId, "worker-a", ttl)).token).toBe(1)
        yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], fencingToken: a.token })

        yield* advance(shortTtlMs + 200) // worker-a stalls past its lease
        const b = yield* store.acquireLease(sessionId, "worker-b", ttl)
        expect(b.token).toBe(2)
        const fenced = yield* Effect.flip(
          store.commit({ state: plainState(sessionId, userId, 2, ["a"]), expectedVersion: 1, events: [], fencingToken: a.token })
        )
        expect(fenced).toMatchObject({ _tag: "LeaseLost", sessionId, token: 1, currentToken: 2 })
        expect(fenced.message).toContain("stale")
        expect(yield* Effect.flip(store.renewLease(a, ttl))).toMatchObject({ _tag: "LeaseLost", currentToken: 2 })
        yield* store.releaseLease(a) // a lost lease: releasing it changes nothing
        expect(yield* Effect.flip(store.acquireLease(sessionId, "worker-c", ttl))).toMatchObject({ holder: "worker-b" })

        yield* store.commit({ state: plainState(sessionId, userId, 2, ["b"]), expectedVersion: 1, events: [], fencingToken: b.token })
        const renewed = yield* store.renewLease(b, Duration.times(ttl, 5))
        expect(renewed.token).toBe(2)
        expect(renewed.expiresAt).toBeGreaterThan(b.expiresAt)
        yield* store.releaseLease(renewed)
        expect((yield* store.acquireLease(sessionId, "worker-c", ttl)).token).toBe(3)
        expect(itemsOf(expectSome(yield* store.load(sessionId)))).toEqual(["b"])
      }))

    it.effect("listByUser lists the user's live sessions only", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const user = freshUser("owner")
        const other = freshUser("other")
        const [s1, s2, s3] = [freshSession("list"), freshSession("list"), freshSession("list")]
        yield* store.commit({ state: plainState(s1, user, 1), expectedVersion: 0, events: [] })
        yield* store.commit({ state: plainState(s2, user, 1), expectedVersion: 0, events: [] })
        yield* store.commit({ state: plainState(s3, other, 1), expectedVersion: 0, events: [] })
        expect([...(yield* store.listByUser(user))].sort()).toEqual([s1, s2].sort())
        expect(yield* store.listByUser(other)).toEqual([s3])
        yield* store.delete(s1)
        expect(yield* store.listByUser(user)).toEqual([s2])
        expect(yield* store.listByUser(freshUser("nobody"))).toEqual([])
      }))

    it.effect("a session expires ttl after its last commit: state, events, snapshots and index entry", () =>
      Effect.gen(function*() {
        const { advance, shortLived, shortTtlMs } = yield* StoreUnderTest
        const sessionId = freshSession("ttl")
        const userId = freshUser("u")
        yield* shortLived.commit({
          state: plainState(sessionId, userId, 1),
          expectedVersion: 0,
          events: [turnStarted(sessionId, userId, "hi")],
          snapshot: "start"
        })
        expect(yield* shortLived.listByUser(userId)).toEqual([sessionId])
        yield* advance(shortTtlMs + 300)
        expect(Option.isNone(yield* shortLived.load(sessionId))).toBe(true)
        expect(yield* shortLived.events(sessionId)).toEqual([])
        expect(yield* shortLived.snapshots(sessionId)).toEqual([])
        expect(yield* shortLived.listByUser(userId)).toEqual([])
        // The id is free again: a new session starts at version 0.
        yield* shortLived.commit({ state: plainState(sessionId, userId, 1, ["new"]), expectedVersion: 0, events: [] })
        expect(itemsOf(expectSome(yield* shortLived.load(sessionId)))).toEqual(["new"])
      }))

    if (capabilities.virtualClock) {
      it.effect("every commit renews the session's TTL", () =>
        Effect.gen(function*() {
          const { advance, shortLived, shortTtlMs } = yield* StoreUnderTest
          const sessionId = freshSession("ttl-renew")
          const userId = freshUser("u")
          yield* shortLived.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })
          yield* advance(shortTtlMs / 2)
          yield* shortLived.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [] })
          yield* advance((shortTtlMs * 3) / 4)
          expect(expectSome(yield* shortLived.load(sessionId)).version).toBe(2)
          expect(yield* shortLived.snapshots(sessionId)).toHaveLength(1)
          yield* advance(shortTtlMs / 2)
          expect(Option.isNone(yield* shortLived.load(sessionId))).toBe(true)
        }))
    }

    it.effect("delete removes the session and everything it holds", () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const sessionId = freshSession("delete")
        const userId = freshUser("u")
        yield* store.acquireLease(sessionId, "worker", "1 minute")
        yield* store.commit({
          state: plainState(sessionId, userId, 1),
          expectedVersion: 0,
          events: [turnStarted(sessionId, userId, "hi")],
          snapshot: "s"
        })
        yield* store.delete(sessionId)
        expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
        expect(yield* store.events(sessionId)).toEqual([])
        expect(yield* store.snapshots(sessionId)).toEqual([])
        expect(yield* store.quarantined(sessionId)).toEqual([])
        expect(yield* store.listByUser(userId)).toEqual([])
        expect((yield* store.acquireLease(sessionId, "other", "1 minute")).owner).toBe("other")
        yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
        yield* store.delete(freshSession("never")) // deleting nothing is fine
      }))

    it.effect("card numbers and verification codes never reach the store", () =>
      Effect.gen(function*() {
        const { raw, store } = yield* StoreUnderTest
        const sessionId = freshSession("redact")
        const userId = freshUser("u")
        const base = richState(sessionId, userId, 1)
        const state: SessionState.SessionState = {
          ...base,
          context: {
            ...base.context,
            history: [
              ...base.context.history,
              message(sessionId, 3, `Pay with ${CARDS[0]}, CVV ${CVV}, exp 12/29`, { metadata: { cvv: CVV, card: CARDS[1] } })
            ],
            state: { payment: { cardNumber: CARDS[2], cvc: Number(CVV) }, note: `amex ${CARDS[3]}` },
            preferences: { card: Number(digitsOnly(CARDS[2]!)) }
          }
        }
        yield* store.commit({
          state,
          expectedVersion: 0,
          events: [turnStarted(sessionId, userId, `my card is ${CARDS[0]} and the cvv is ${CVV}`)],
          snapshot: "with card"
        })
        yield* store.saveSnapshot(sessionId, "again")
        const loaded = expectSome(yield* store.load(sessionId))
        const seen = JSON.stringify([loaded, yield* store.events(sessionId), yield* store.loadSnapshot(sessionId, 1), yield* store.loadSnapshot(sessionId, 2)])
        const texts = raw === undefined ? [seen] : [seen, yield* raw.dump]
        for (const text of texts) {
          for (const card of CARDS) expect(digitsOnly(text)).not.toContain(digitsOnly(card))
          expect(text).not.toMatch(new RegExp(`(cvv|cvc)[^0-9]{0,8}${CVV}`, "i"))
          expect(text).not.toContain(`"${CVV}"`)
        }
        // Masked, not dropped: the last four digits stay for the user's reference.
        expect(loaded.context.history[3]!.content).toBe("Pay with **** **** **** 1111, CVV ***, exp 12/29")
        expect(loaded.context.history.slice(0, 3)).toEqual(base.context.history)
      }))

    if (capabilities.raw) {
      it.effect("an older record is migrated on load", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("migrate")
          const userId = freshUser("u")
          // Version 0: no schemaVersion and none of the fields added since.
          const legacy = {
            sessionId,
            userId,
            currentAgent: null,
            context: { history: [message(sessionId, 0, "hello")], state: { items: ["old"] } },
            createdAt: 5,
            lastActivity: 6,
            version: 4
          }
          yield* raw!.putRecord({ sessionId, userId, version: 4, json: JSON.stringify(legacy) })
          const migrated = expectSome(yield* store.restore(sessionId))
          expect(migrated).toEqual({
            ...legacy,
            schemaVersion: 1,
            agentStack: [],
            activeWorkflows: [],
            cachedResults: {},
            context: { ...legacy.context, preferences: {}, searchContext: {} }
          })
          yield* store.commit({ state: { ...migrated, version: 5 }, expectedVersion: 4, events: [] })
          expect(expectSome(yield* store.load(sessionId)).version).toBe(5)
        }))

      it.effect("corrupted JSON: SessionCorrupted, the record quarantined, the session restored from its last good snapshot", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("corrupt")
          const userId = freshUser("u")
          const good = richState(sessionId, userId, 1)
          yield* store.commit({ state: good, expectedVersion: 0, events: [turnStarted(sessionId, userId, "hi")], snapshot: "good" })
          yield* store.commit({ state: { ...good, version: 2 }, expectedVersion: 1, events: [] })
          yield* raw!.putRecord({ sessionId, userId, version: 2, json: `{"schemaVersion":1,"sessionId":"${sessionId}",` })

          const corrupted = yield* Effect.flip(store.restore(sessionId))
          expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", sessionId, quarantineId: 1 })
          expect(corrupted.reason).toContain("it is not valid JSON")
          expect(corrupted.message).toContain("Restore it from its last good snapshot or delete it.")
          expect(corrupted.message).not.toContain("SessionStore.")
          const [entry, ...more] = yield* store.quarantined(sessionId)
          expect(more).toEqual([])
          expect(entry).toMatchObject({ sessionId, id: 1, version: 2, raw: `{"schemaVersion":1,"sessionId":"${sessionId}",` })
          // Still unreadable, through the port's original signature too.
          const viaLoad = yield* Effect.flip(store.load(sessionId))
          expect(viaLoad).toMatchObject({ _tag: "SessionStoreError", operation: "load", cause: { _tag: "SessionCorrupted" } })
          // A fresh writer cannot start the session over.
          expect((yield* Effect.flip(store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })))._tag)
            .toBe("SessionConflict")

          const recovered = expectSome(yield* store.restore(sessionId, { onCorrupted: "restoreFromSnapshot" }))
          expect(recovered).toEqual({ ...good, version: 3 })
          expect(expectSome(yield* store.load(sessionId))).toEqual({ ...good, version: 3 })
          expect(yield* store.quarantined(sessionId)).toHaveLength(1) // kept, not deleted
          expect(yield* store.events(sessionId)).toHaveLength(1)
        }))

      it.effect("a record of an unknown (newer) schema version is quarantined, not read", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("future")
          const userId = freshUser("u")
          const good = plainState(sessionId, userId, 1, ["kept"])
          yield* store.commit({ state: good, expectedVersion: 0, events: [], snapshot: "v1" })
          const future = JSON.stringify({ ...good, schemaVersion: 99, version: 1, hologram: true })
          yield* raw!.putRecord({ sessionId, userId, version: 1, json: future })
          const corrupted = yield* Effect.flip(store.restore(sessionId))
          expect(corrupted.reason).toContain("schema version 99 is newer than this build reads")
          expect((yield* store.quarantined(sessionId))[0]?.raw).toBe(future)
          expect(yield* store.restoreFromSnapshot(sessionId)).toEqual({ ...good, version: 2 })
        }))

      it.effect("a record edited behind the store's back is validated in full, not trusted", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("edited")
          const userId = freshUser("u")
          const good = richState(sessionId, userId, 1)
          yield* store.commit({ state: good, expectedVersion: 0, events: [] })
          // Valid JSON, current schema version, right session — but not a session.
          yield* raw!.overwriteJson(sessionId, JSON.stringify({ ...good, agentStack: "triage", version: -1 }))
          const corrupted = yield* Effect.flip(store.restore(sessionId))
          expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", quarantineId: 1 })
          expect(corrupted.reason).toContain("does not decode as a session")
        }))

      it.effect("a record whose checksum matches but whose shape is no session is corruption: quarantined, then restored from a snapshot", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const userId = freshUser("u")
          const shapes: ReadonlyArray<(good: Record<string, unknown>) => unknown> = [
            (good) => ({ ...good, context: { ...(good.context as object), history: [42] } }),
            (good) => ({ ...good, context: null }),
            (good) => ({ ...good, agentStack: "triage" }),
            (good) => ({ ...good, userId: 7 })
          ]
          for (const shape of shapes) {
            const sessionId = freshSession("shape")
            const good = richState(sessionId, userId, 1)
            yield* store.commit({ state: good, expectedVersion: 0, events: [], snapshot: "good" })
            const json = JSON.stringify(shape({ ...good, version: 2 } as unknown as Record<string, unknown>))
            yield* raw!.putRecord({ sessionId, userId, version: 2, json, checksummed: true })
            const corrupted = yield* Effect.flip(store.restore(sessionId))
            expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", sessionId, quarantineId: 1 })
            expect(corrupted.reason).toContain("does not decode as a session")
            expect((yield* store.quarantined(sessionId)).map((entry) => entry.raw)).toEqual([json])
            expect(expectSome(yield* store.restore(sessionId, { onCorrupted: "restoreFromSnapshot" }))).toEqual({ ...good, version: 3 })
          }
        }))

      it.effect("a record nested deeper than records may nest is corruption, not a stack overflow", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("deep")
          const userId = freshUser("u")
          const good = plainState(sessionId, userId, 1)
          yield* store.commit({ state: good, expectedVersion: 0, events: [], snapshot: "good" })
          const depth = 200_000
          const json = JSON.stringify({ ...good, version: 2 }).replace(
            `"state":{"items":[]}`,
            `"state":${"[".repeat(depth)}${"]".repeat(depth)}`
          )
          yield* raw!.putRecord({ sessionId, userId, version: 2, json, checksummed: true })
          const corrupted = yield* Effect.flip(store.restore(sessionId))
          expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", sessionId, quarantineId: 1 })
          expect(corrupted.reason).toContain("nests more than 100 levels deep")
          expect((yield* store.quarantined(sessionId))[0]?.raw).toBe(json)
          expect(expectSome(yield* store.restore(sessionId, { onCorrupted: "restoreFromSnapshot" }))).toEqual({ ...good, version: 3 })
        }))

      it.effect("a state nested deeper than records may nest is refused at commit: the store never writes what it cannot read back", () =>
        Effect.gen(function*() {
          const { store } = yield* StoreUnderTest
          const sessionId = freshSession("too-deep")
          const userId = freshUser("u")
          const nested = (depth: number): unknown => (depth === 0 ? "leaf" : [nested(depth - 1)])
          const shallow = { ...plainState(sessionId, userId, 1), context: { ...plainState(sessionId, userId, 1).context, state: nested(90) } }
          yield* store.commit({ state: shallow, expectedVersion: 0, events: [] })
          expect(expectSome(yield* store.restore(sessionId)).context.state).toEqual(nested(90))
          const deep = { ...shallow, context: { ...shallow.context, state: nested(150) }, version: 2 }
          const refused = yield* Effect.flip(store.commit({ state: deep, expectedVersion: 1, events: [] }))
          expect(refused).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
          expect(refused.message).toContain("nests more than 100 levels deep")
          const message: Message.Message = { id: Message.idAt(sessionId, 0), role: "user", content: "deep", time: 1, metadata: { deep: nested(150) } }
          const deepMessage = { ...shallow, context: { ...shallow.context, history: [message] }, version: 2 }
          expect((yield* Effect.flip(store.commit({ state: deepMessage, expectedVersion: 1, events: [] }))).message)
            .toContain("nests more than 100 levels deep")
          // Far deeper is refused the same way, before anything walks it recursively.
          const abyss = JSON.parse("[".repeat(200_000) + "]".repeat(200_000)) as unknown
          const abyssal = { ...shallow, context: { ...shallow.context, state: abyss }, version: 2 }
          expect((yield* Effect.flip(store.commit({ state: abyssal, expectedVersion: 1, events: [] }))).message)
            .toContain("nests more than 100 levels deep")
          expect(expectSome(yield* store.restore(sessionId)).version).toBe(1)
        }))

      it.effect("inspect knows the owner and the quarantine entry of a session whose record is unreadable", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("inspect-corrupt")
          const userId = freshUser("u")
          yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })
          yield* raw!.putRecord({ sessionId, userId, version: 2, json: "{broken" })
          expect((yield* Effect.flip(store.restore(sessionId)))._tag).toBe("SessionCorrupted")
          expect(yield* store.inspect(sessionId)).toEqual(
            Option.some({ sessionId, version: 2, userId: Option.some(userId), quarantineId: Option.some(1) })
          )
        }))

      it.effect("a quarantined record is read by a build that can read it, and dropped from quarantine on request", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("release")
          const userId = freshUser("u")
          // A build without the migration from unversioned records quarantines one.
          const older = yield* raw!.reopen(Migrations.make([]))
          const legacy = {
            sessionId,
            userId,
            currentAgent: null,
            context: { history: [message(sessionId, 0, "hello")], state: { items: ["old"] } },
            createdAt: 5,
            lastActivity: 6,
            version: 3
          }
          yield* raw!.putRecord({ sessionId, userId, version: 3, json: JSON.stringify(legacy) })
          const corrupted = yield* Effect.flip(older.restore(sessionId))
          expect(corrupted.reason).toContain("there is no migration from schema version 0")
          const stillUnreadable = yield* Effect.flip(older.loadQuarantined(sessionId, 1))
          expect(stillUnreadable).toMatchObject({
            _tag: "SessionCorrupted",
            sessionId,
            quarantineId: 1,
            reason: "there is no migration from schema version 0"
          })
          // This build reads it.
          const read = yield* store.loadQuarantined(sessionId, 1)
          expect(read).toMatchObject({ schemaVersion: 1, sessionId, userId, version: 3, context: { state: { items: ["old"] } } })
          yield* store.dropQuarantined(sessionId, 1)
          expect(yield* store.quarantined(sessionId)).toEqual([])
          expect((yield* Effect.flip(store.loadQuarantined(sessionId, 1)))._tag).toBe("QuarantinedRecordNotFound")
        }))

      it.effect("a corrupted session without a good snapshot stays corrupted, and says so", () =>
        Effect.gen(function*() {
          const { raw, store } = yield* StoreUnderTest
          const sessionId = freshSession("hopeless")
          const userId = freshUser("u")
          yield* raw!.putRecord({ sessionId, userId, version: 1, json: "[1, 2" })
          const error = yield* Effect.flip(store.restore(sessionId, { onCorrupted: "restoreFromSnapshot" }))
          expect(error).toMatchObject({ _tag: "SessionCorrupted", quarantineId: 1 })
          expect(error.reason).toContain("the session has no snapshots")
          expect((yield* store.quarantined(sessionId))[0]?.raw).toBe("[1, 2")
          // The operator can still delete it.
          yield* store.delete(sessionId)
          expect(Option.isNone(yield* store.load(sessionId))).toBe(true)
        }))
    }

    it.effect(`concurrent writers never lose an update (${capabilities.propertyRuns} runs)`, () =>
      Effect.gen(function*() {
        const { store } = yield* StoreUnderTest
        const runtime = yield* Effect.runtime<never>()
        const plan = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(plan, (writers) =>
              Runtime.runPromise(runtime)(
                Effect.gen(function*() {
                  const sessionId = freshSession("race")
                  const userId = freshUser("u")
                  const items = writers.map((count, w) => Array.from({ length: count }, (_, i) => `w${w}-${i}`))
                  yield* Effect.forEach(
                    items,
                    (mine) => Effect.forEach(mine, (item) => appendItem(store, sessionId, userId, item), { discard: true }),
                    { concurrency: "unbounded", discard: true }
                  )
                  const expected = items.flat().sort()
                  const final = expectSome(yield* store.load(sessionId))
                  expect([...itemsOf(final)].sort()).toEqual(expected)
                  expect(final.version).toBe(expected.length)
                  // The history, written a message per commit, holds each once, in commit order.
                  expect(final.context.history.map((message) => message.content)).toEqual(itemsOf(final))
                  expect(final.context.history.map((message) => message.id)).toEqual(
                    expected.map((_, i) => Message.idAt(sessionId, i))
                  )
                  const events = yield* store.events(sessionId)
                  expect(events.map((event) => (event._tag === "TurnStarted" ? event.text : "")).sort()).toEqual(expected)
                })
              )),
            { numRuns: capabilities.propertyRuns }
          )
        )
      }))
  })
