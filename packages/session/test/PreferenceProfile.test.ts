import { Ids, ReservedSession, SessionState, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import fc from "fast-check"
import * as path from "node:path"
import { PreferenceProfile, SqliteSessionStore } from "../src/index.js"
import * as TempDir from "./support/TempDir.js"

afterAll(() => TempDir.removeAll())

const ana = Ids.userId("ana")
const day = 86_400_000

const said = (key: string, value: PreferenceProfile.Value, at = 0, sessionId = "s1"): PreferenceProfile.Observation => ({
  key,
  value,
  source: "stated",
  sessionId,
  at
})
const picked = (key: string, value: PreferenceProfile.Value, at = 0, sessionId = "s1"): PreferenceProfile.Observation => ({
  key,
  value,
  source: "chosen",
  sessionId,
  at
})

const learn = (...observations: ReadonlyArray<PreferenceProfile.Observation>) =>
  observations.reduce(PreferenceProfile.observe, PreferenceProfile.empty(ana))

/** A store whose reads yield, so that concurrent updates interleave between read and commit; it counts conflicts. */
const interleaving = (store: SessionStore.Service) => {
  const counts = { conflicts: 0 }
  const service: SessionStore.Service = {
    ...store,
    restore: (sessionId, options) => Effect.zipLeft(store.restore(sessionId, options), Effect.yieldNow()),
    commit: (input) => Effect.tapErrorTag(store.commit(input), "SessionConflict", () => Effect.sync(() => counts.conflicts++))
  }
  return { counts, service }
}

describe("PreferenceProfile", () => {
  describe("learning", () => {
    it("raises confidence with agreeing evidence; a statement outweighs a choice", () => {
      const once = learn(said("seat", "aisle"))
      expect(once.preferences.seat).toMatchObject({ value: "aisle", confidence: 0.6, source: "stated", observations: 1 })
      const twice = PreferenceProfile.observe(once, picked("seat", "aisle", 5, "s2"))
      expect(twice.preferences.seat!.confidence).toBeCloseTo(1 - 0.4 * 0.7)
      expect(twice.preferences.seat).toMatchObject({ source: "stated", observations: 2, firstSeen: 0, lastSeen: 5, sessions: ["s1", "s2"] })
      // A choice alone is weaker than a statement.
      expect(learn(picked("airline", "ANA")).preferences.airline!.confidence).toBe(0.3)
    })

    it("a new statement replaces the value; a disagreeing choice weakens it first", () => {
      expect(learn(said("seat", "aisle"), said("seat", "window")).preferences.seat).toMatchObject({ value: "window", confidence: 0.6 })
      const strong = learn(said("airline", "TAP"), said("airline", "TAP"))
      const weakened = PreferenceProfile.observe(strong, picked("airline", "ANA"))
      expect(weakened.preferences.airline).toMatchObject({ value: "TAP" })
      expect(weakened.preferences.airline!.confidence).toBeCloseTo(0.84 * 0.7)
      const again = PreferenceProfile.observe(weakened, picked("airline", "ANA"))
      expect(again.preferences.airline).toMatchObject({ value: "TAP" })
      // 0.84 × 0.7³ falls below a choice's weight: the choices win.
      const replaced = PreferenceProfile.observe(again, picked("airline", "ANA"))
      expect(replaced.preferences.airline).toMatchObject({ value: "ANA", confidence: 0.3, source: "chosen" })
    })

    it("discounts old evidence by its age", () => {
      const profile = learn(said("cabin", "economy", 0))
      const preference = profile.preferences.cabin!
      expect(PreferenceProfile.confidenceOf(preference, 0)).toBe(0.6)
      expect(PreferenceProfile.confidenceOf(preference, 180 * day)).toBeCloseTo(0.3)
      expect(PreferenceProfile.confidenceOf(preference, 10 * day, "10 days")).toBeCloseTo(0.3)
    })
  })

  describe("already answered", () => {
    it("knows answers held with enough confidence and lists the questions still to ask", () => {
      const profile = learn(said("origin", "LHR"), picked("airline", "ANA"))
      expect(PreferenceProfile.answered(profile, "origin", 0)).toEqual(Option.some("LHR"))
      expect(PreferenceProfile.answered(profile, "airline", 0)).toEqual(Option.none())
      expect(PreferenceProfile.answered(profile, "airline", 0, { minConfidence: 0.25 })).toEqual(Option.some("ANA"))
      expect(PreferenceProfile.unanswered(profile, ["origin", "travellers", "airline"], 0)).toEqual(["travellers", "airline"])
      // A year later the statement is too old to rely on.
      expect(PreferenceProfile.unanswered(profile, ["origin"], 365 * day)).toEqual(["origin"])
    })
  })

  describe("personalisation", () => {
    it("ranks items by the confidence of the preferences they match, stable for ties", () => {
      const profile = learn(said("airline", "ANA"), said("stops", 0), picked("airline", "ANA"))
      const offers = [
        { airline: "TAP", stops: 1 },
        { airline: "TAP", stops: 0 },
        { airline: "ANA", stops: 1 },
        { airline: "BA", stops: 1 }
      ]
      const criteria: ReadonlyArray<PreferenceProfile.Criterion<(typeof offers)[number]>> = [
        { key: "airline", matches: (offer, airline) => offer.airline === airline },
        { key: "stops", matches: (offer, stops) => offer.stops === stops },
        { key: "unknown", matches: () => true }
      ]
      const ranked = PreferenceProfile.rank(offers, profile, criteria, 0)
      expect(ranked.map((r) => r.index)).toEqual([2, 1, 0, 3])
      expect(ranked[0]!.matched).toEqual(["airline"])
      expect(ranked[0]!.score).toBeCloseTo(0.72)
      expect(ranked[2]!.score).toBe(0)
    })
  })

  describe("next actions", () => {
    // A travel app's own idea of what comes next.
    const next = { flights: ["hotels"], hotels: ["activities"], activities: ["dining"] }

    it("offers the app's next steps while it knows nothing of the user, and none of its own", () => {
      const profile = PreferenceProfile.empty(ana)
      expect(PreferenceProfile.suggest(profile, ["flights"], { next })).toEqual(["hotels"])
      expect(PreferenceProfile.suggest(profile, ["flights", "hotels"], { next })).toEqual(["activities"])
      expect(PreferenceProfile.suggest(profile, [], { next })).toEqual([])
      expect(PreferenceProfile.suggest(profile, ["flights"])).toEqual([])
    })

    it("learns what this user does next, within a session, and suggests it first", () => {
      const actions = [["flights", "s1"], ["dining", "s1"], ["flights", "s2"], ["dining", "s2"], ["flights", "s3"]] as const
      const profile = actions.reduce(
        (p, [action, sessionId], at) => PreferenceProfile.recordAction(p, { action, sessionId, at }),
        PreferenceProfile.empty(ana)
      )
      // Only steps within a session count: s1's dining is not followed by s2's flights.
      expect(profile.transitions).toEqual({ flights: { dining: 2 } })
      expect(PreferenceProfile.suggest(profile, ["flights"], { next })).toEqual(["dining", "hotels"])
      expect(PreferenceProfile.suggest(profile, ["flights", "dining"], { limit: 1, next })).toEqual(["hotels"])
    })
  })

  describe("storage", () => {
    it.effect("keeps the profile in the user's reserved session, across sessions", () =>
      Effect.gen(function*() {
        const store = SessionStore.makeMemory()
        const profiles = PreferenceProfile.make(store)
        expect(yield* profiles.get(ana)).toEqual(PreferenceProfile.empty(ana))
        yield* profiles.observe(ana, [said("seat", "aisle", 10, "first"), said("dietary", "vegetarian", 10, "first")])
        yield* profiles.recordAction(ana, { action: "flights", sessionId: "first", at: 11 })
        // Another session of the same user, through another service over the same store.
        const later = yield* PreferenceProfile.make(store).get(ana)
        expect(later.preferences.seat!.value).toBe("aisle")
        expect(later.preferences.dietary!.value).toBe("vegetarian")
        expect(later.actions).toEqual([{ action: "flights", sessionId: "first", at: 11 }])
        expect(yield* store.listByUser(ana)).toEqual([PreferenceProfile.sessionIdOf(ana)])
        const stored = yield* store.load(PreferenceProfile.sessionIdOf(ana))
        expect(Option.map(stored, (s) => [s.userId, s.version])).toEqual(Option.some([ana, 2]))
      }))

    it.effect("an unreadable stored profile is a typed error naming the problem", () =>
      Effect.gen(function*() {
        const store = SessionStore.makeMemory()
        const bob = Ids.userId("bob")
        const profiles = PreferenceProfile.make(store)
        yield* profiles.update(bob, (profile) => profile)
        const stored = Option.getOrThrow(yield* store.load(PreferenceProfile.sessionIdOf(bob)))
        yield* store.commit({
          state: { ...stored, context: { ...stored.context, state: { schemaVersion: 9 } }, version: stored.version + 1 },
          expectedVersion: stored.version,
          events: []
        })
        const error = yield* Effect.flip(profiles.get(bob))
        expect(error._tag).toBe("ProfileUnreadable")
        expect(error.message).toMatch(/^The preference profile of "bob" cannot be read: /)
      }))

    it.effect("the profile lives in the reserved session that names its user", () =>
      Effect.sync(() => expect(PreferenceProfile.sessionIdOf(ana)).toBe(ReservedSession.make("profile", ana))))

    it.scoped("a record another user squatted under the profile's id is not read as the user's profile; the next update replaces it", () =>
      Effect.gen(function*() {
        const dir = yield* TempDir.scoped("baton-profile-squat-")
        const db = yield* SqliteSessionStore.open(path.join(dir, "baton.db"))
        const store = yield* SqliteSessionStore.make(db)
        const mallory = Ids.userId("mallory")
        const sessionId = PreferenceProfile.sessionIdOf(ana)
        // Written before stores refused it: Mallory's preferences under Ana's profile id.
        const squatted = PreferenceProfile.observe(PreferenceProfile.empty(mallory), said("travellers", 7))
        const state = { ...SessionState.empty({ sessionId, userId: mallory, state: squatted, now: 0 }), version: 4 }
        db.prepare(
          `INSERT INTO baton_sessions (session_id, user_id, version, record, checksum, quarantine_id, event_count, expires_at)
           VALUES (?, ?, 4, ?, NULL, NULL, 0, ?)`
        ).run(sessionId, mallory, JSON.stringify(state), Number.MAX_SAFE_INTEGER)
        const profiles = PreferenceProfile.make(store)
        expect(yield* profiles.get(ana)).toEqual(PreferenceProfile.empty(ana))
        const learned = yield* profiles.observe(ana, [said("travellers", 2, 5)])
        expect(learned.preferences["travellers"]?.value).toBe(2)
        const stored = Option.getOrThrow(yield* store.load(sessionId))
        expect([stored.userId, stored.version]).toEqual([ana, 5])
        expect((yield* profiles.get(ana)).preferences["travellers"]).toMatchObject({ value: 2, observations: 1 })
      }))

    it.effect("a profile whose own content names another user is not read as the user's either", () =>
      Effect.gen(function*() {
        const store = SessionStore.makeMemory()
        const sessionId = PreferenceProfile.sessionIdOf(ana)
        const foreign = PreferenceProfile.observe(PreferenceProfile.empty(Ids.userId("mallory")), said("travellers", 7))
        yield* store.commit({
          state: { ...SessionState.empty({ sessionId, userId: ana, state: foreign, now: 0 }), version: 1 },
          expectedVersion: 0,
          events: []
        })
        const profiles = PreferenceProfile.make(store)
        expect(yield* profiles.get(ana)).toEqual(PreferenceProfile.empty(ana))
        expect((yield* profiles.observe(ana, [said("seat", "aisle")])).preferences["travellers"]).toBeUndefined()
      }))

    it.effect("an unreadable profile is a typed error in one readable line; the next update starts over and keeps the old one as a snapshot", () =>
      Effect.gen(function*() {
        const store = SessionStore.makeMemory()
        const bob = Ids.userId("bob")
        const sessionId = PreferenceProfile.sessionIdOf(bob)
        yield* store.commit({
          state: { ...SessionState.empty({ sessionId, userId: bob, state: { schemaVersion: 9 }, now: 0 }), version: 1 },
          expectedVersion: 0,
          events: []
        })
        const profiles = PreferenceProfile.make(store)
        const error = yield* Effect.flip(profiles.get(bob))
        expect(error).toBeInstanceOf(PreferenceProfile.ProfileUnreadable)
        expect(error.message).toBe(
          `The preference profile of "bob" cannot be read: it does not read as a profile (schemaVersion: Expected 1, actual 9). ` +
            `The next update starts a new profile and keeps this one as a snapshot.`
        )
        expect(yield* profiles.observe(bob, [said("seat", "window")])).toMatchObject({ userId: bob })
        expect((yield* profiles.get(bob)).preferences["seat"]?.value).toBe("window")
        const [kept] = yield* store.snapshots(sessionId)
        expect(kept?.label).toBe("unreadable profile")
        expect((yield* store.loadSnapshot(sessionId, kept!.id)).state.context.state).toEqual({ schemaVersion: 9 })
      }))

    it.scoped("a corrupted profile record is a typed error; the next update starts over, the record kept in quarantine", () =>
      Effect.gen(function*() {
        const dir = yield* TempDir.scoped("baton-profile-corrupt-")
        const db = yield* SqliteSessionStore.open(path.join(dir, "baton.db"))
        const store = yield* SqliteSessionStore.make(db)
        const profiles = PreferenceProfile.make(store)
        const sessionId = PreferenceProfile.sessionIdOf(ana)
        yield* profiles.observe(ana, [said("seat", "aisle")])
        db.prepare("UPDATE baton_sessions SET record = ? WHERE session_id = ?").run("{broken", sessionId)
        for (let i = 0; i < 2; i++) {
          const error = yield* Effect.flip(profiles.get(ana))
          expect(error._tag).toBe("ProfileUnreadable")
          expect(error.message).toMatch(/^The preference profile of "ana" cannot be read: its record is corrupted \(it is not valid JSON .*\) and was kept in quarantine\. The next update starts a new profile\.$/)
        }
        yield* profiles.observe(ana, [said("seat", "window")])
        expect((yield* profiles.get(ana)).preferences["seat"]).toMatchObject({ value: "window", observations: 1 })
        expect((yield* store.quarantined(sessionId)).map((entry) => entry.raw)).toEqual(["{broken"])
      }))

    it.effect("concurrent sessions never lose an update (property, many fibers)", () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.constantFrom("seat", "cabin", "airline", "dietary", "area"), { minLength: 2, maxLength: 24 }),
            async (keys) => {
              const { counts, service } = interleaving(SessionStore.makeMemory())
              const profiles = PreferenceProfile.make(service, { conflictRetries: 1_000 })
              await Effect.runPromise(
                Effect.forEach(
                  keys,
                  (key, i) =>
                    Effect.zip(
                      profiles.observe(ana, [picked(key, "x", i, `session-${i}`)]),
                      profiles.recordAction(ana, { action: key, sessionId: `session-${i}`, at: i })
                    ),
                  { concurrency: "unbounded", discard: true }
                )
              )
              const profile = await Effect.runPromise(profiles.get(ana))
              // Every update landed: each observation counted once, each action recorded once.
              for (const key of new Set(keys)) {
                expect(profile.preferences[key]!.observations).toBe(keys.filter((k) => k === key).length)
              }
              expect(profile.actions.map((action) => action.sessionId).sort()).toEqual(keys.map((_, i) => `session-${i}`).sort())
              // The fibers really did race.
              expect(counts.conflicts).toBeGreaterThan(0)
            }
          ),
          { numRuns: 40 }
        )
      ))

    it.live("on SQLite, concurrent updates all land and the profile survives reopening the file", () =>
      Effect.gen(function*() {
        const dir = yield* TempDir.scoped("baton-profile-")
        const filename = path.join(dir, "baton.db")
        const first = yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* SqliteSessionStore.make(yield* SqliteSessionStore.open(filename))
          const { counts, service } = interleaving(store)
          const profiles = PreferenceProfile.make(service, { conflictRetries: 1_000 })
          yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => i),
            (i) => profiles.observe(ana, [said("seat", "aisle", i, `session-${i}`)]),
            { concurrency: "unbounded", discard: true }
          )
          return counts.conflicts
        }))
        expect(first).toBeGreaterThan(0)
        const reopened = yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* SqliteSessionStore.make(yield* SqliteSessionStore.open(filename))
          return yield* PreferenceProfile.make(store).get(ana)
        }))
        expect(reopened.preferences.seat).toMatchObject({ value: "aisle", observations: 20 })
        expect(reopened.preferences.seat!.sessions).toHaveLength(10)
      }).pipe(Effect.scoped))
  })
})
