import { Agent, Conversation, Errors, Ids, Message, ReservedSession, SessionState, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as path from "node:path"
import { Migrations, PreferenceProfile, RedisSessionStore, SessionManager, SqliteSessionStore } from "../src/index.js"
import { freshSession, freshUser } from "./conformance.js"
import * as RedisServer from "./support/RedisServer.js"
import * as TempDir from "./support/TempDir.js"

afterAll(async () => {
  await RedisServer.disposeAll()
  TempDir.removeAll()
})

// --- a small application --------------------------------------------------

const Notes = Schema.Struct({ notes: Schema.Array(Schema.String) })
type Notes = typeof Notes.Type

const triage = Ids.agentId("triage")
const flights = Ids.agentId("flights")

const agents: ReadonlyArray<Agent.Agent<Notes>> = [
  Agent.make<Notes>({
    id: triage,
    description: "Triage",
    capabilities: [{ intent: "triage", description: "anything", keywords: ["help"], examples: [] }],
    handoffTargets: [flights],
    // Yields while "thinking", so that concurrent turns interleave even on synchronous stores.
    handle: (input) =>
      Effect.as(
        Effect.yieldNow(),
        input.message.content.includes("transfer")
          ? Agent.transfer<Notes>(flights, "asked for flights")
          : Agent.reply<Notes>(`triage: ${input.message.content}`, {
            state: { notes: [...input.state.notes, input.message.content] }
          })
      )
  }),
  Agent.make<Notes>({
    id: flights,
    description: "Flights",
    capabilities: [{ intent: "flights", description: "flights", keywords: ["zzqxflights"], examples: [] }],
    handle: (input) => Effect.succeed(Agent.reply<Notes>(`flights: ${input.message.content}`))
  })
]

const conversation = (options: Partial<Pick<Conversation.Config<Notes, never, never>, "onCorrupted" | "leases">> = {}) =>
  Conversation.make<Notes, never, never>({
    agents,
    stateSchema: Notes,
    initialState: () => ({ notes: [] }),
    entryAgent: triage,
    ...options
  })

// --- the stores under test --------------------------------------------------

interface Subject {
  readonly name: string
  /** Replaces the stored record's text, keeping its version: a corrupted record. */
  readonly corrupt: ((sessionId: Ids.SessionId, json: string) => Effect.Effect<void>) | undefined
  /** Replaces a snapshot's record text: a corrupted snapshot. */
  readonly corruptSnapshot: ((sessionId: Ids.SessionId, snapshotId: number, json: string) => Effect.Effect<void>) | undefined
  /** The same data through a store of a build that cannot read unversioned records. */
  readonly older: SessionStore.Service | undefined
}
class Backend extends Context.Tag("test/Backend")<Backend, Subject>() {}

type Env = SessionStore.SessionStore | SessionManager.SessionManager | Backend

const withManager = (store: Layer.Layer<SessionStore.SessionStore | Backend, Errors.SessionStoreError>) =>
  Layer.provideMerge(SessionManager.layer, store)

const memory = withManager(
  Layer.merge(
    SessionStore.layerMemory,
    Layer.succeed(Backend, { name: "memory", corrupt: undefined, corruptSnapshot: undefined, older: undefined })
  )
)

const sqlite = withManager(Layer.unwrapScoped(Effect.gen(function*() {
  const dir = yield* TempDir.scoped("baton-manager-")
  const db = yield* SqliteSessionStore.open(path.join(dir, "baton.db"))
  const store = yield* SqliteSessionStore.make(db)
  return Layer.merge(
    Layer.succeed(SessionStore.SessionStore, store),
    Layer.succeed(Backend, {
      name: "sqlite",
      corrupt: (sessionId, json) =>
        Effect.sync(() => void db.prepare("UPDATE baton_sessions SET record = ? WHERE session_id = ?").run(json, sessionId)),
      corruptSnapshot: (sessionId, snapshotId, json) =>
        Effect.sync(() =>
          void db.prepare("UPDATE baton_snapshots SET record = ? WHERE session_id = ? AND snapshot_id = ?").run(json, sessionId, snapshotId)
        ),
      older: yield* SqliteSessionStore.make(db, { migrations: Migrations.make([]) })
    })
  )
})))

const redis = withManager(Layer.unwrapScoped(Effect.gen(function*() {
  const server = yield* RedisServer.scoped
  const client = yield* RedisSessionStore.connect(server.url)
  const store = yield* RedisSessionStore.make(client, { url: server.url })
  return Layer.merge(
    Layer.succeed(SessionStore.SessionStore, store),
    Layer.succeed(Backend, {
      name: "redis",
      corrupt: (sessionId, json) =>
        Effect.promise(() => client.hset(RedisSessionStore.keys(sessionId).state, "record", json)).pipe(Effect.asVoid),
      corruptSnapshot: (sessionId, snapshotId, json) =>
        Effect.promise(() => client.set(RedisSessionStore.keys(sessionId).snapshot(snapshotId), json)).pipe(Effect.asVoid),
      older: yield* RedisSessionStore.make(client, { url: server.url, migrations: Migrations.make([]) })
    })
  )
})))

const message = (sessionId: Ids.SessionId, index: number, role: "user" | "agent", content: string, time: number) => ({
  id: Message.idAt(sessionId, index),
  role,
  content,
  time,
  ...(role === "agent" ? { agent: triage } : {})
})

const stateWith = (
  sessionId: Ids.SessionId,
  userId: Ids.UserId,
  options: {
    readonly history?: ReadonlyArray<Message.Message>
    readonly state?: unknown
    readonly preferences?: Record<string, unknown>
    readonly lastActivity?: number
  } = {}
): SessionState.SessionState => ({
  ...SessionState.empty({ sessionId, userId, state: options.state ?? { notes: [] }, now: 1_000 }),
  currentAgent: triage,
  context: {
    history: options.history ?? [],
    state: options.state ?? { notes: [] },
    preferences: options.preferences ?? {},
    searchContext: {}
  },
  lastActivity: options.lastActivity ?? 1_000
})

const contents = (state: SessionState.SessionState) => state.context.history.map((m) => `${m.role}:${m.content}`)

// --- behaviour every store shows -------------------------------------------

const suite = (name: string, storeLayer: Layer.Layer<Env, Errors.SessionStoreError>, corruptible: boolean) =>
  layer(storeLayer, { timeout: 30_000 })(`SessionManager on ${name}`, (it) => {
    it.effect("save and restore for the owner; another user is Forbidden everywhere", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const sessionId = freshSession("owner")
        const ana = freshUser("ana")
        const bob = freshUser("bob")
        const saved = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { state: { notes: ["a"] } }))
        expect(saved.version).toBe(1)
        const restored = yield* manager.restoreSession(sessionId, ana)
        expect(Option.map(restored, (s) => s.context.state)).toEqual(Option.some({ notes: ["a"] }))
        expect(yield* manager.restoreSession(freshSession("none"), ana)).toEqual(Option.none())

        const forbidden = [
          yield* Effect.flip(manager.restoreSession(sessionId, bob)),
          yield* Effect.flip(manager.saveSessionState(bob, { ...saved, userId: bob })),
          yield* Effect.flip(manager.saveSessionState(bob, saved)),
          yield* Effect.flip(manager.snapshots(sessionId, bob)),
          yield* Effect.flip(manager.snapshot(sessionId, bob, "mine")),
          yield* Effect.flip(manager.exportSession(sessionId, bob)),
          yield* Effect.flip(manager.merge(bob, { sessionId }, { sessionId }))
        ]
        for (const error of forbidden) expect(error._tag).toBe("Forbidden")
        expect(forbidden[0]).toBeInstanceOf(Errors.Forbidden)
        // A stale save is a conflict, not an overwrite.
        const stale = yield* Effect.flip(manager.saveSessionState(ana, stateWith(sessionId, ana)))
        expect(stale._tag).toBe("SessionConflict")
      }))

    it.effect("lists a user's sessions", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const ana = freshUser("ana")
        const one = freshSession("list")
        const two = freshSession("list")
        yield* manager.saveSessionState(ana, stateWith(one, ana, { lastActivity: 1 }))
        yield* manager.saveSessionState(ana, stateWith(two, ana, { lastActivity: 2 }))
        const bob = freshUser("bob")
        yield* manager.saveSessionState(bob, stateWith(freshSession("other"), bob))
        const listed = yield* manager.listSessions(ana)
        expect(listed.map((s) => [s.sessionId, s.status, s.version])).toEqual([[two, "ok", 1], [one, "ok", 1]])
      }))

    it.effect("snapshots on demand, and restoring one makes it the current state as a new version", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const sessionId = freshSession("snap")
        const ana = freshUser("ana")
        const v1 = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { state: { notes: ["first"] } }))
        const info = yield* manager.snapshot(sessionId, ana, "before-change")
        expect(info).toMatchObject({ id: 1, version: 1, label: "before-change" })
        yield* manager.saveSessionState(ana, { ...v1, context: { ...v1.context, state: { notes: ["second"] } } })
        expect((yield* manager.snapshots(sessionId, ana)).map((s) => s.label)).toEqual(["before-change"])
        const restored = yield* manager.restoreToSnapshot(sessionId, ana, 1)
        expect(restored.version).toBe(3)
        expect(restored.context.state).toEqual({ notes: ["first"] })
        const missing = yield* Effect.flip(manager.restoreToSnapshot(sessionId, ana, 9))
        expect(missing._tag).toBe("SnapshotNotFound")
      }))

    it.effect("export → import round-trips, card data masked, an existing id refused unless overwrite", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const store = yield* SessionStore.SessionStore
        const sessionId = freshSession("export")
        const ana = freshUser("ana")
        const history = [
          message(sessionId, 0, "user", "Pay with 4111 1111 1111 1111, CVV 123", 10),
          message(sessionId, 1, "agent", "Done.", 11)
        ]
        yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { history, state: { notes: ["x"], cvv: "999" } }))
        const json = yield* manager.exportSession(sessionId, ana)
        expect(json).not.toContain("4111 1111 1111 1111")
        expect(json).not.toContain(`"999"`)
        const parsed = JSON.parse(json) as SessionManager.SessionExport
        expect(parsed).toMatchObject({ format: "baton.session", exportVersion: 1 })
        expect(parsed.session.context.history[0]!.content).toContain("**** **** **** 1111")

        const exists = yield* Effect.flip(manager.importSession(json))
        expect(exists).toBeInstanceOf(SessionManager.SessionExists)
        const overwritten = yield* manager.importSession(json, { overwrite: true, userId: ana })
        expect(overwritten.version).toBe(2)
        const otherUser = yield* Effect.flip(manager.importSession(json, { overwrite: true, userId: freshUser("bob") }))
        expect(otherUser._tag).toBe("Forbidden")

        // Into an empty store slot: same session under a new id.
        const copyId = freshSession("copy")
        const copy = json.split(sessionId).join(copyId)
        const imported = yield* manager.importSession(copy)
        expect(imported).toMatchObject({ sessionId: copyId, userId: ana, version: 1 })
        expect(contents(imported)).toEqual(contents(parsed.session))
        const back = yield* store.restore(copyId)
        expect(Option.map(back, contents)).toEqual(Option.some(contents(parsed.session)))
      }))

    it.effect("a bad import is a typed error naming the problem", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const notJson = yield* Effect.flip(manager.importSession("{not json"))
        expect(notJson).toBeInstanceOf(SessionManager.InvalidSessionExport)
        expect(notJson.message).toContain("not valid JSON")
        const notExport = yield* Effect.flip(manager.importSession(JSON.stringify({ hello: 1 })))
        expect(notExport.message).toContain("not a Baton session export")
        const future = yield* Effect.flip(
          manager.importSession(JSON.stringify({ format: "baton.session", exportVersion: 7 }))
        )
        expect(future.message).toContain("export version 7 is not supported")
        const ana = freshUser("ana")
        const broken = {
          format: "baton.session",
          exportVersion: 1,
          exportedAt: 0,
          session: { ...stateWith(freshSession("bad"), ana), agentStack: "triage" },
          events: []
        }
        const invalid = yield* Effect.flip(manager.importSession(JSON.stringify(broken)))
        expect(invalid._tag).toBe("InvalidSessionExport")
        expect(invalid.message).toContain("agentStack")
      }))

    it.effect("merge: histories without duplicates, state last-writer-wins per key with conflicts reported", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const sessionId = freshSession("merge")
        const ana = freshUser("ana")
        const shared = [message(sessionId, 0, "user", "hello", 1), message(sessionId, 1, "agent", "hi", 2)]
        // The old branch, kept as a snapshot.
        const old = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, {
          history: [...shared, message(sessionId, 2, "user", "old branch", 5)],
          state: { notes: ["old"], budget: 100, city: "Lisbon" },
          preferences: { seat: "aisle" },
          lastActivity: 5
        }))
        yield* manager.snapshot(sessionId, ana, "old")
        // The live branch diverged from the shared part.
        yield* manager.saveSessionState(ana, {
          ...stateWith(sessionId, ana, {
            history: [...shared, message(sessionId, 2, "user", "live branch", 7), message(sessionId, 3, "agent", "ok", 8)],
            state: { notes: ["live"], budget: 100, hotel: "Baixa" },
            preferences: { seat: "window" },
            lastActivity: 8
          }),
          version: old.version
        })
        const result = yield* manager.merge(ana, { sessionId, snapshotId: 1 }, { sessionId })
        expect(result.winner).toBe("b")
        expect(result.duplicates).toBe(2)
        expect(result.added).toEqual({ fromA: 1, fromB: 2 })
        expect(contents(result.state)).toEqual([
          "user:hello",
          "agent:hi",
          "user:old branch",
          "user:live branch",
          "agent:ok"
        ])
        expect(result.state.context.history.map((m) => m.id)).toEqual(
          [0, 1, 2, 3, 4].map((i) => Message.idAt(sessionId, i))
        )
        expect(result.state.context.state).toEqual({ notes: ["live"], budget: 100, city: "Lisbon", hotel: "Baixa" })
        expect(result.conflicts).toEqual([
          { path: "state.notes", a: ["old"], b: ["live"], kept: "b" },
          { path: "preferences.seat", a: "aisle", b: "window", kept: "b" }
        ])
        expect(result.state.version).toBe(3)
        const stored = yield* manager.restoreSession(sessionId, ana)
        expect(Option.map(stored, contents)).toEqual(Option.some(contents(result.state)))
        // Merging again with the same branch adds nothing.
        const again = yield* manager.merge(ana, { sessionId }, { sessionId, snapshotId: 1 })
        expect(contents(again.state)).toEqual(contents(result.state))
        expect(again.added.fromB).toBe(0)
      }))

    it.effect("merge: a state value (e.g. from an export) into a new session; another user's branch is Forbidden", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const ana = freshUser("ana")
        const live = freshSession("live")
        yield* manager.saveSessionState(ana, stateWith(live, ana, {
          history: [message(live, 0, "user", "hello", 1)],
          state: { notes: ["live"] },
          lastActivity: 1
        }))
        const exported = JSON.parse(yield* manager.exportSession(live, ana)) as SessionManager.SessionExport
        const branch = stateWith(live, ana, {
          history: [...exported.session.context.history, message(live, 1, "agent", "from the export", 2)],
          state: { notes: ["export"] },
          lastActivity: 2
        })
        const into = freshSession("merged")
        const result = yield* manager.merge(ana, { sessionId: live }, { state: branch }, { into })
        expect(result.state).toMatchObject({ sessionId: into, userId: ana, version: 1 })
        expect(contents(result.state)).toEqual(["user:hello", "agent:from the export"])
        expect(result.state.context.history.map((m) => m.id)).toEqual([Message.idAt(into, 0), Message.idAt(into, 1)])
        expect(result.conflicts).toEqual([{ path: "state.notes", a: ["live"], b: ["export"], kept: "b" }])
        // The live session is untouched.
        expect(Option.map(yield* manager.restoreSession(live, ana), (s) => s.version)).toEqual(Option.some(1))
        const bob = freshUser("bob")
        const foreign = yield* Effect.flip(manager.merge(ana, { sessionId: live }, { state: { ...branch, userId: bob } }))
        expect(foreign._tag).toBe("Forbidden")
      }))

    it.effect("a reserved session is refused to every user but the one it names, whether it exists or not; the victim's profile stays theirs", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const store = yield* SessionStore.SessionStore
        const victim = freshUser("ana")
        const attacker = freshUser("mallory")
        const target = ReservedSession.make("profile", victim)
        const profiles = PreferenceProfile.make(store)
        // The attacker's own session, exported and renamed to the victim's profile.
        const own = freshSession("own")
        yield* manager.saveSessionState(attacker, stateWith(own, attacker, { state: { travellers: 7 } }))
        const exported = yield* manager.exportSession(own, attacker)
        const renamed = exported.split(own).join(target)
        const squatted = { ...stateWith(target, attacker, { state: { travellers: 7 } }), version: 0 }
        const attempts = (): ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> => [
          manager.importSession(renamed),
          manager.importSession(renamed, { userId: attacker }),
          manager.importSession(renamed, { userId: attacker, overwrite: true }),
          manager.saveSessionState(attacker, squatted),
          manager.restoreSession(target, attacker),
          manager.snapshots(target, attacker),
          manager.snapshot(target, attacker, "mine"),
          manager.restoreToSnapshot(target, attacker, 1),
          manager.exportSession(target, attacker),
          manager.merge(attacker, { sessionId: own }, { sessionId: own }, { into: target }),
          manager.merge(attacker, { sessionId: target }, { sessionId: own }),
          manager.merge(attacker, { sessionId: own }, { sessionId: target, snapshotId: 1 }),
          manager.merge(attacker, { sessionId: own }, { state: squatted }),
          manager.deleteSession(target, attacker),
          manager.quarantined(target, attacker),
          manager.releaseQuarantined(target, attacker, 1),
          manager.dropQuarantined(target, attacker, 1)
        ]
        // Before the victim has a profile: nobody may take the id.
        for (const attempt of attempts()) expect((yield* Effect.flip(attempt))._tag).toBe("Forbidden")
        expect(yield* store.load(target)).toEqual(Option.none())
        yield* profiles.observe(victim, [{ key: "travellers", value: 2, source: "stated", sessionId: "s", at: 1 }])
        for (const attempt of attempts()) expect((yield* Effect.flip(attempt))._tag).toBe("Forbidden")
        const profile = yield* profiles.get(victim)
        expect(profile.userId).toBe(victim)
        expect(profile.preferences["travellers"]?.value).toBe(2)
        // Its owner may export and import it back (a backup).
        const backup = yield* manager.exportSession(target, victim)
        expect((yield* manager.importSession(backup, { userId: victim, overwrite: true })).userId).toBe(victim)
      }))

    it.effect("internal records are not listed among a user's sessions", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const store = yield* SessionStore.SessionStore
        const ana = freshUser("ana")
        const trip = freshSession("trip")
        yield* manager.saveSessionState(ana, stateWith(trip, ana))
        yield* PreferenceProfile.make(store).observe(ana, [{ key: "seat", value: "aisle", source: "stated", sessionId: trip, at: 1 }])
        expect(yield* store.listByUser(ana)).toContain(ReservedSession.make("profile", ana))
        expect((yield* manager.listSessions(ana)).map((summary) => summary.sessionId)).toEqual([trip])
      }))

    it.effect("an import nested 200,000 levels deep is InvalidSessionExport with a readable reason", () =>
      Effect.gen(function*() {
        const manager = yield* SessionManager.SessionManager
        const depth = 200_000
        const deep = `{"format":"baton.session","exportVersion":1,"session":${"[".repeat(depth)}${"]".repeat(depth)}}`
        const error = yield* Effect.flip(manager.importSession(deep))
        expect(error).toBeInstanceOf(SessionManager.InvalidSessionExport)
        expect(error.message).toMatch(/^Invalid session export: it nests more than \d+ levels deep/)
        expect(error.message).not.toContain("call stack")
      }))

    if (corruptible) {
    it.effect("a corrupted session is SessionCorrupted in a turn, and restored from its handoff snapshot when asked", () =>
      Effect.gen(function*() {
        const backend = yield* Backend
        const manager = yield* SessionManager.SessionManager
        const sessionId = freshSession("corrupt")
        const ana = freshUser("ana")
        const strict = yield* conversation()
        const lenient = yield* conversation({ onCorrupted: "restoreFromSnapshot" })
        yield* strict.turn(sessionId, ana, "help me")
        const handedOver = yield* strict.turn(sessionId, ana, "transfer me")
        expect(handedOver.agent).toBe(flights)
        yield* strict.turn(sessionId, ana, "one more")
        const snapshots = yield* manager.snapshots(sessionId, ana)
        expect(snapshots.map((s) => [s.label, s.version])).toEqual([["handoff", 2]])

        yield* backend.corrupt!(sessionId, "{broken")
        const corrupted = yield* Effect.flip(strict.turn(sessionId, ana, "hello?"))
        expect(corrupted._tag).toBe("SessionCorrupted")
        expect(corrupted).toBeInstanceOf(Errors.SessionCorrupted)
        const listed = yield* manager.listSessions(ana)
        expect(listed.map((s) => s.status)).toEqual(["corrupted"])

        const recovered = yield* lenient.turn(sessionId, ana, "still there?")
        expect(recovered.agent).toBe(flights)
        const state = yield* manager.restoreSession(sessionId, ana)
        expect(Option.map(state, contents)).toEqual(Option.some([
          "user:help me",
          "agent:triage: help me",
          "user:transfer me",
          "agent:flights: transfer me",
          "user:still there?",
          "agent:flights: still there?"
        ]))
      }))

    }

    if (corruptible) {
      it.effect("a quarantined session's snapshots are listed and restored for its owner only", () =>
        Effect.gen(function*() {
          const backend = yield* Backend
          const manager = yield* SessionManager.SessionManager
          const sessionId = freshSession("quarantined")
          const ana = freshUser("ana")
          const bob = freshUser("bob")
          const v1 = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { state: { notes: ["first"] } }))
          yield* manager.snapshot(sessionId, ana, "first")
          yield* manager.saveSessionState(ana, { ...v1, context: { ...v1.context, state: { notes: ["second"] } } })
          yield* backend.corrupt!(sessionId, "{broken")
          expect((yield* Effect.flip(manager.restoreSession(sessionId, ana)))._tag).toBe("SessionCorrupted")
          expect((yield* manager.snapshots(sessionId, ana)).map((s) => [s.id, s.label])).toEqual([[1, "first"]])
          expect((yield* Effect.flip(manager.snapshots(sessionId, bob)))._tag).toBe("Forbidden")
          expect((yield* Effect.flip(manager.restoreToSnapshot(sessionId, bob, 1)))._tag).toBe("Forbidden")
          expect((yield* manager.quarantined(sessionId, ana)).map((entry) => [entry.id, entry.raw])).toEqual([[1, "{broken"]])
          expect((yield* Effect.flip(manager.quarantined(sessionId, bob)))._tag).toBe("Forbidden")
          expect((yield* Effect.flip(manager.snapshots(freshSession("none"), ana)))._tag).toBe("SessionNotFound")
          const restored = yield* manager.restoreToSnapshot(sessionId, ana, 1)
          expect([restored.version, restored.context.state]).toEqual([3, { notes: ["first"] }])
        }))

      it.effect("a session whose record and every snapshot are corrupt is deleted by its owner, and only by its owner", () =>
        Effect.gen(function*() {
          const backend = yield* Backend
          const manager = yield* SessionManager.SessionManager
          const store = yield* SessionStore.SessionStore
          const sessionId = freshSession("hopeless")
          const ana = freshUser("ana")
          const bob = freshUser("bob")
          yield* manager.saveSessionState(ana, stateWith(sessionId, ana))
          yield* manager.snapshot(sessionId, ana, "one")
          yield* manager.snapshot(sessionId, ana, "two")
          yield* backend.corrupt!(sessionId, "{broken")
          yield* backend.corruptSnapshot!(sessionId, 1, "[")
          yield* backend.corruptSnapshot!(sessionId, 2, "{}")
          const stuck = yield* Effect.flip(manager.restoreSession(sessionId, ana, { onCorrupted: "restoreFromSnapshot" }))
          expect(stuck.message).toContain("none of its 2 snapshots can be read")
          expect((yield* Effect.flip(manager.deleteSession(sessionId, bob)))._tag).toBe("Forbidden")
          yield* manager.deleteSession(sessionId, ana)
          expect(yield* store.inspect(sessionId)).toEqual(Option.none())
          expect(yield* manager.listSessions(ana)).toEqual([])
          expect((yield* Effect.flip(manager.deleteSession(sessionId, ana)))._tag).toBe("SessionNotFound")
        }))

      it.effect("a quarantined record that now reads is released as the session's next version; one that does not is refused, and can be dropped", () =>
        Effect.gen(function*() {
          const backend = yield* Backend
          const manager = yield* SessionManager.SessionManager
          const sessionId = freshSession("release")
          const ana = freshUser("ana")
          const bob = freshUser("bob")
          const current = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { state: { notes: ["current"] } }))
          // An unversioned record, which the older build cannot read: it quarantines it.
          const { schemaVersion: _, ...legacy } = { ...current, context: { ...current.context, state: { notes: ["legacy"] } } }
          yield* backend.corrupt!(sessionId, JSON.stringify(legacy))
          expect((yield* Effect.flip(backend.older!.restore(sessionId)))._tag).toBe("SessionCorrupted")
          yield* backend.corrupt!(sessionId, "{also broken")
          expect((yield* Effect.flip(manager.restoreSession(sessionId, ana)))._tag).toBe("SessionCorrupted")
          expect((yield* manager.quarantined(sessionId, ana)).map((entry) => entry.id)).toEqual([1, 2])

          expect((yield* Effect.flip(manager.releaseQuarantined(sessionId, bob, 1)))._tag).toBe("Forbidden")
          const refused = yield* Effect.flip(manager.releaseQuarantined(sessionId, ana, 2))
          expect(refused._tag).toBe("SessionCorrupted")
          expect(refused).toMatchObject({ quarantineId: 2 })
          expect(refused.message).toContain("it is not valid JSON")
          const released = yield* manager.releaseQuarantined(sessionId, ana, 1)
          expect([released.version, released.context.state]).toEqual([2, { notes: ["legacy"] }])
          expect(Option.map(yield* manager.restoreSession(sessionId, ana), (s) => s.context.state)).toEqual(Option.some({ notes: ["legacy"] }))
          expect((yield* manager.quarantined(sessionId, ana)).map((entry) => entry.id)).toEqual([2])
          yield* manager.dropQuarantined(sessionId, ana, 2)
          expect(yield* manager.quarantined(sessionId, ana)).toEqual([])
          expect((yield* Effect.flip(manager.dropQuarantined(sessionId, ana, 2)))._tag).toBe("QuarantinedRecordNotFound")
        }))

      it.effect("releasing over a readable session keeps that session as a snapshot first", () =>
        Effect.gen(function*() {
          const backend = yield* Backend
          const manager = yield* SessionManager.SessionManager
          const store = yield* SessionStore.SessionStore
          const sessionId = freshSession("release-over")
          const ana = freshUser("ana")
          const v1 = yield* manager.saveSessionState(ana, stateWith(sessionId, ana, { state: { notes: ["v1"] } }))
          yield* manager.snapshot(sessionId, ana, "v1")
          const { schemaVersion: _, ...legacy } = { ...v1, context: { ...v1.context, state: { notes: ["legacy"] } } }
          yield* backend.corrupt!(sessionId, JSON.stringify(legacy))
          yield* Effect.flip(backend.older!.restore(sessionId))
          // The session went on from its snapshot meanwhile.
          const restored = yield* manager.restoreToSnapshot(sessionId, ana, 1)
          const later = yield* manager.saveSessionState(ana, { ...restored, context: { ...restored.context, state: { notes: ["later"] } } })
          const released = yield* manager.releaseQuarantined(sessionId, ana, 1)
          expect([released.version, released.context.state]).toEqual([later.version + 1, { notes: ["legacy"] }])
          const snapshots = yield* manager.snapshots(sessionId, ana)
          expect(snapshots.map((s) => [s.label, s.version])).toEqual([["v1", 1], ["before releasing quarantined record #1", later.version]])
          expect((yield* store.loadSnapshot(sessionId, 2)).state.context.state).toEqual({ notes: ["later"] })
        }))
    }

    // Leases and their backoff run on real time.
    it.effect("two workers with leases never lose an acknowledged turn", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore.SessionStore
        // Counts the times a worker found the lease held by the other one: the property is about contention.
        let held = 0
        const counting: SessionStore.Service = {
          ...store,
          acquireLease: (sessionId, owner, ttl) =>
            store.acquireLease(sessionId, owner, ttl).pipe(Effect.tapErrorTag("LeaseHeld", () => Effect.sync(() => held++)))
        }
        const leases = (owner: string) => ({ owner, ttl: "30 seconds", attempts: 200, backoff: "2 millis" }) as const
        const workerA = yield* conversation({ leases: leases("worker-a") }).pipe(
          Effect.provideService(SessionStore.SessionStore, counting)
        )
        const workerB = yield* conversation({ leases: leases("worker-b") }).pipe(
          Effect.provideService(SessionStore.SessionStore, counting)
        )
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.array(fc.boolean(), { minLength: 2, maxLength: 8 }),
              async (workers) => {
                const sessionId = freshSession("leased")
                const userId = freshUser("ana")
                const outcomes = await Effect.runPromise(
                  Effect.forEach(
                    workers,
                    (onA, i) => Effect.either((onA ? workerA : workerB).turn(sessionId, userId, `turn ${i}`)),
                    { concurrency: "unbounded" }
                  )
                )
                const acknowledged = outcomes.flatMap((outcome, i) => (Either.isRight(outcome) ? [`turn ${i}`] : []))
                const failures = outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left._tag] : []))
                // Only a bounded wait for the lease may fail a turn here.
                expect(failures.every((tag) => tag === "LeaseHeld")).toBe(true)
                const stored = await Effect.runPromise(store.restore(sessionId))
                const users = Option.match(stored, {
                  onNone: () => [] as Array<string>,
                  onSome: (s) => s.context.history.filter((m) => m.role === "user").map((m) => m.content)
                })
                for (const text of acknowledged) expect(users.filter((u) => u === text)).toHaveLength(1)
                expect(users.length).toBe(acknowledged.length)
              }
            ),
            { numRuns: 15 }
          )
        )
        expect(held).toBeGreaterThan(0)
      }).pipe(Effect.withClock(Clock.make())))

    it.effect("a stale worker's commit is LeaseLost, never retried", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore.SessionStore
        const sessionId = freshSession("stale")
        const ana = freshUser("ana")
        const stale = yield* Conversation.make<Notes, never, never>({
          agents: [
            Agent.make<Notes>({
              id: triage,
              description: "Slow triage",
              capabilities: [{ intent: "triage", description: "anything", keywords: ["help"], examples: [] }],
              // While this worker thinks, its lease is taken over by another worker.
              handle: (input) =>
                Effect.as(
                  Effect.gen(function*() {
                    yield* store.acquireLease(input.sessionId, "worker-b", "30 seconds").pipe(
                      Effect.retry({ schedule: Schedule.spaced("2 millis"), times: 500, while: (e) => e._tag === "LeaseHeld" }),
                      Effect.orDie
                    )
                  }),
                  Agent.reply<Notes>("too late")
                )
            })
          ],
          stateSchema: Notes,
          initialState: () => ({ notes: [] }),
          entryAgent: triage,
          // A lease that is over by the time the agent asks for it.
          leases: { owner: "worker-a", ttl: "1 millis" }
        })
        let attempts = 0
        const lost = yield* Effect.flip(
          Effect.suspend(() => (attempts++, stale.turn(sessionId, ana, "help")))
        )
        expect(lost._tag).toBe("LeaseLost")
        expect(lost).toBeInstanceOf(Errors.LeaseLost)
        expect(attempts).toBe(1)
        expect(yield* store.restore(sessionId)).toEqual(Option.none())
      }).pipe(Effect.withClock(Clock.make())))
  })

suite("memory", memory, false)
suite("SQLite", sqlite, true)
suite("Redis", redis, true)

describe("SessionManager.mergeStates", () => {
  it("keeps a message both branches have once and one a branch has twice twice", () => {
    const sessionId = Ids.sessionId("m")
    const userId = Ids.userId("u")
    const a = stateWith(sessionId, userId, {
      history: [message(sessionId, 0, "user", "yes", 1), message(sessionId, 1, "user", "yes", 1)]
    })
    const b = stateWith(sessionId, userId, { history: [message(sessionId, 0, "user", "yes", 1)], state: 7 })
    const result = SessionManager.mergeStates(a, b, { sessionId, version: 1 })
    expect(contents(result.state)).toEqual(["user:yes", "user:yes"])
    expect(result.duplicates).toBe(1)
    // A state that is not a record is one key; ties go to a.
    expect(result.conflicts).toEqual([{ path: "state", a: { notes: [] }, b: 7, kept: "a" }])
  })
})
