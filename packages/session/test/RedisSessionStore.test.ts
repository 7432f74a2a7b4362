import { Ids, type SessionStore } from "@baton/core"
import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { Redis } from "ioredis"
import * as zlib from "node:zlib"
import { InvalidationBus, RedisSessionStore } from "../src/index.js"
import { conformance, freshSession, freshUser, type Raw, StoreUnderTest } from "./conformance.js"
import { dumpKeys } from "./support/dumpKeys.js"
import { commandLine, runWriters } from "./support/processes.js"
import * as RedisServer from "./support/RedisServer.js"
import { itemsOf, plainState, turnStarted } from "./support/sessions.js"

// Redis runs TTLs and leases on its own clock, which only real time moves: letting
// `ms` pass is the condition itself (a busy machine only makes the wait longer).
const letTimePass = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

const scanKeys = (client: Redis, pattern: string) =>
  Effect.promise(async () => {
    const found: Array<string> = []
    let cursor = "0"
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500)
      cursor = next
      found.push(...keys)
    } while (cursor !== "0")
    return found.sort()
  })

// Long enough that no run of a few commands outlasts it on a busy machine.
const shortTtlMs = 3_000

afterAll(() => RedisServer.disposeAll())

conformance(
  "Redis",
  Layer.scoped(
    StoreUnderTest,
    Effect.gen(function*() {
      const server = yield* RedisServer.scoped
      const client = yield* RedisSessionStore.connect(server.url)
      const storeWith = (options: { readonly ttl?: number }) =>
        Effect.flatMap(RedisSessionStore.connect(server.url), (c) => RedisSessionStore.make(c, { url: server.url, ...options }))
      const raw: Raw = {
        putRecord: ({ checksummed, json, sessionId, userId, version }) =>
          Effect.promise(async () => {
            const key = RedisSessionStore.keys(sessionId).state
            await client.hset(key, "version", version, "user", userId, "record", json)
            await client.hdel(key, "quarantined", "sum")
            if (checksummed === true) await client.hset(key, "sum", zlib.crc32(json))
            await client.pexpire(key, 60_000)
          }),
        overwriteJson: (sessionId, json) =>
          Effect.promise(() => client.hset(RedisSessionStore.keys(sessionId).state, "record", json)),
        dump: dumpKeys(() => [client]),
        reopen: (migrations) => Effect.orDie(RedisSessionStore.make(client, { url: server.url, migrations }))
      }
      return {
        store: yield* storeWith({}),
        shortLived: yield* storeWith({ ttl: shortTtlMs }),
        shortTtlMs,
        advance: letTimePass,
        raw
      }
    })
  ),
  { virtualClock: false, raw: true, propertyRuns: 100 }
)

class Env extends Context.Tag("test/RedisEnv")<Env, {
  readonly server: RedisServer.RedisServer
  readonly client: Redis
  readonly store: SessionStore.Service
}>() {}

const ttlMs = 3_600_000

layer(
  Layer.scoped(
    Env,
    Effect.gen(function*() {
      const server = yield* RedisServer.scoped
      const client = yield* RedisSessionStore.connect(server.url)
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url, ttl: ttlMs })
      return { server, client, store }
    })
  ),
  { timeout: "30 seconds" }
)("RedisSessionStore", (it) => {
  it.effect("keeps a session's keys under one hash tag, and the user's index under another", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("layout")
      const userId = freshUser("u")
      yield* store.acquireLease(sessionId, "worker", "1 minute")
      yield* store.commit({
        state: plainState(sessionId, userId, 1),
        expectedVersion: 0,
        events: [turnStarted(sessionId, userId, "hi")],
        snapshot: "first"
      })
      const tag = `{s:${sessionId}}`
      expect(yield* scanKeys(client, `baton:${tag}:*`)).toEqual(
        ["events", "fence", "lease", "snap:1", "snaps", "state"].map((name) => `baton:${tag}:${name}`)
      )
      expect(yield* Effect.promise(() => client.type(`baton:${tag}:events`))).toBe("stream")
      expect(yield* Effect.promise(() => client.hget(`baton:${tag}:state`, "version"))).toBe("1")
      expect(yield* Effect.promise(() => client.smembers(`baton:{u:${userId}}:sessions`))).toEqual([sessionId])
    }))

  it.effect("a record whose bytes are not UTF-8 is quarantined once, not read again and again", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("bytes")
      const userId = freshUser("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
      const garbage = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) // {"\xff\xfe"}
      yield* Effect.promise(() => client.hset(RedisSessionStore.keys(sessionId).state, "record", garbage))
      const corrupted = yield* Effect.flip(store.restore(sessionId))
      expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", sessionId, quarantineId: 1 })
      const [entry, ...more] = yield* store.quarantined(sessionId)
      expect(more).toEqual([])
      expect(entry).toMatchObject({ sessionId, id: 1, version: 1, raw: garbage.toString("utf8") })
      expect(yield* Effect.promise(() => client.hexists(RedisSessionStore.keys(sessionId).state, "record"))).toBe(0)
    }))

  it.effect("a state key of the wrong type is quarantined like any unreadable record, keeping what it held; the session comes back from a snapshot", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("wrongtype")
      const userId = freshUser("u")
      const good = plainState(sessionId, userId, 1, ["kept"])
      yield* store.commit({ state: good, expectedVersion: 0, events: [turnStarted(sessionId, userId, "hi")], snapshot: "good" })
      yield* store.commit({ state: plainState(sessionId, userId, 2, ["kept", "later"]), expectedVersion: 1, events: [] })
      const key = RedisSessionStore.keys(sessionId).state
      yield* Effect.promise(() => client.set(key, "someone's string"))

      const corrupted = yield* Effect.flip(store.restore(sessionId))
      expect(corrupted).toMatchObject({ _tag: "SessionCorrupted", sessionId, quarantineId: 1 })
      expect(corrupted.reason).toBe("its state key holds a string, not a hash (WRONGTYPE)")
      expect(yield* store.quarantined(sessionId)).toEqual([
        { sessionId, id: 1, version: 0, reason: corrupted.reason, raw: "someone's string", at: expect.any(Number) }
      ])
      // Still the user's, still unreadable, and no writer starts it over.
      expect(yield* store.listByUser(userId)).toEqual([sessionId])
      expect(yield* store.inspect(sessionId)).toEqual(
        Option.some({ sessionId, version: 2, userId: Option.some(userId), quarantineId: Option.some(1) })
      )
      expect((yield* Effect.flip(store.restore(sessionId)))._tag).toBe("SessionCorrupted")
      expect((yield* Effect.flip(store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })))._tag)
        .toBe("SessionConflict")
      const restored = yield* store.restore(sessionId, { onCorrupted: "restoreFromSnapshot" })
      expect(restored).toEqual(Option.some({ ...good, version: 3 }))
      expect(yield* store.events(sessionId)).toHaveLength(1)
      expect(yield* Effect.promise(() => client.pttl(key))).toBeGreaterThan(ttlMs - 60_000)
    }))

  it.effect("a listing finds a state key of the wrong type, quarantines it and still lists the session", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("wrongtype-list")
      const userId = freshUser("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })
      const key = RedisSessionStore.keys(sessionId).state
      yield* Effect.promise(() => client.del(key).then(() => client.rpush(key, "a", "b")))
      expect(yield* store.listByUser(userId)).toEqual([sessionId])
      const [entry] = yield* store.quarantined(sessionId)
      expect(entry).toMatchObject({ id: 1, reason: "its state key holds a list, not a hash (WRONGTYPE)", raw: "[\"a\",\"b\"]" })
      expect(yield* store.listByUser(userId)).toEqual([sessionId])
      expect((yield* Effect.flip(store.restore(sessionId))).reason).toBe(entry!.reason)
    }))

  it.effect("a session whose state key has the wrong type can be deleted, quarantine and all", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("wrongtype-delete")
      const userId = freshUser("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [], snapshot: "s" })
      yield* Effect.promise(() => client.set(RedisSessionStore.keys(sessionId).snaps, "not a hash"))
      yield* Effect.promise(() => client.set(RedisSessionStore.keys(sessionId).state, "not a hash either"))
      yield* store.delete(sessionId)
      expect(yield* scanKeys(client, `baton:{s:${sessionId}}:*`)).toEqual([])
      expect(yield* store.inspect(sessionId)).toEqual(Option.none())
    }))

  it.effect("a snapshot key of the wrong type is a snapshot that cannot be read: the newest readable one is restored", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("wrongtype-snap")
      const userId = freshUser("u")
      const first = plainState(sessionId, userId, 1, ["first"])
      yield* store.commit({ state: first, expectedVersion: 0, events: [], snapshot: "one" })
      yield* store.commit({ state: plainState(sessionId, userId, 2, ["second"]), expectedVersion: 1, events: [], snapshot: "two" })
      const keys = RedisSessionStore.keys(sessionId)
      yield* Effect.promise(() => client.del(keys.snapshot(2)).then(() => client.sadd(keys.snapshot(2), "x")))
      const unreadable = yield* Effect.flip(store.loadSnapshot(sessionId, 2))
      expect(unreadable).toMatchObject({ _tag: "SessionCorrupted" })
      expect(unreadable.message).toContain("snapshot #2 cannot be read: its key holds another type than a string (WRONGTYPE)")
      expect(yield* store.restoreFromSnapshot(sessionId)).toEqual({ ...first, version: 3 })
    }))

  it.effect("every commit refreshes the TTL of every key of the session (the lease keeps its own)", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      const sessionId = freshSession("ttl")
      const userId = freshUser("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [turnStarted(sessionId, userId, "a")], snapshot: "a" })
      yield* store.saveSnapshot(sessionId, "b")
      yield* store.acquireLease(sessionId, "worker", "10 seconds")
      const keys = [...(yield* scanKeys(client, `baton:{s:${sessionId}}:*`)), RedisSessionStore.userKey(userId)]
      const leaseKey = RedisSessionStore.keys(sessionId).lease
      // Age every key, then commit once.
      for (const key of keys) yield* Effect.promise(() => client.pexpire(key, 5_000))
      yield* store.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [] })
      for (const key of keys) {
        const left = yield* Effect.promise(() => client.pttl(key))
        if (key === leaseKey) expect(left, key).toBeLessThanOrEqual(5_000)
        else expect(left, key).toBeGreaterThan(ttlMs - 60_000)
      }
    }))

  it.effect("caps a session's event stream with MAXLEN ~ and keeps the newest events in order", () =>
    Effect.gen(function*() {
      const { client, server } = yield* Env
      const capped = yield* RedisSessionStore.make(client, { url: server.url, maxEvents: 10 })
      const sessionId = freshSession("capped")
      const userId = freshUser("u")
      for (let v = 1; v <= 30; v++) {
        const events = Array.from({ length: 10 }, (_, i) => turnStarted(sessionId, userId, `e${(v - 1) * 10 + i}`))
        yield* capped.commit({ state: plainState(sessionId, userId, v), expectedVersion: v - 1, events })
      }
      const events = yield* capped.events(sessionId)
      expect(events.length).toBeGreaterThanOrEqual(10)
      expect(events.length).toBeLessThan(300)
      const texts = events.map((event) => (event._tag === "TurnStarted" ? event.text : ""))
      expect(texts).toEqual(Array.from({ length: events.length }, (_, i) => `e${300 - events.length + i}`))
    }))

  it.effect("falls back to EVAL when the server lost its scripts", () =>
    Effect.gen(function*() {
      const { client, store } = yield* Env
      yield* Effect.promise(() => client.script("FLUSH"))
      const sessionId = freshSession("noscript")
      const userId = freshUser("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1, ["x"]), expectedVersion: 0, events: [] })
      expect(Option.map(yield* store.load(sessionId), itemsOf)).toEqual(Option.some(["x"]))
    }))

  it.effect("publishes an invalidation hint for every commit and delete", () =>
    Effect.gen(function*() {
      const { server, store } = yield* Env
      const sessionId = freshSession("hint")
      const userId = freshUser("u")
      const hints = yield* Effect.scoped(
        Effect.gen(function*() {
          const bus = yield* InvalidationBus.InvalidationBus
          const stream = yield* bus.subscribe
          const collected = yield* Effect.fork(Stream.runCollect(Stream.take(stream, 3)))
          yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
          yield* bus.publish("prefs:someone")
          yield* store.delete(sessionId)
          return Chunk.toArray(yield* collected.await.pipe(Effect.flatten))
        }).pipe(Effect.provide(InvalidationBus.layerRedis({ url: server.url })))
      )
      expect(hints).toEqual([InvalidationBus.sessionTag(sessionId), "prefs:someone", InvalidationBus.sessionTag(sessionId)])
    }))

  it.effect("two processes writing to the same Redis lose no update", () =>
    Effect.gen(function*() {
      const { server, store } = yield* Env
      const sessionId = freshSession("two-processes")
      const userId = freshUser("u")
      const count = 100
      yield* Effect.promise(() =>
        runWriters(["p1", "p2"].map((worker) => ({ store: { kind: "redis", url: server.url }, sessionId, userId, worker, count })))
      )
      const expected = ["p1", "p2"].flatMap((worker) => Array.from({ length: count }, (_, i) => `${worker}-${i}`))
      const final = yield* store.load(sessionId)
      expect(Option.map(final, (state) => [...itemsOf(state)].sort())).toEqual(Option.some(expected.sort()))
      // Each process appended its messages to a history the other extended: each once, in commit order.
      expect(Option.map(final, (state) => state.context.history.map((message) => message.content))).toEqual(
        Option.map(final, itemsOf)
      )
      expect(yield* store.events(sessionId)).toHaveLength(2 * count)
    }))
})

describe("RedisSessionStore writer processes", () => {
  it.scopedLive("get the store's URL, password included, on stdin, never on their command line", () =>
    Effect.gen(function*() {
      const secret = "wr1ter-s3cret"
      const server = yield* RedisServer.scopedWithPassword(secret)
      const sessionId = freshSession("writer-secret")
      const userId = freshUser("u")
      const started: Array<string> = []
      yield* Effect.promise(() =>
        runWriters(["p1", "p2"].map((worker) => ({ store: { kind: "redis", url: server.url }, sessionId, userId, worker, count: 3 })), {
          onStarted: (pid) => started.push(commandLine(pid))
        })
      )
      expect(started).toHaveLength(2)
      for (const line of started) {
        expect(line).toContain("writer.ts")
        expect(line).not.toContain(secret)
      }
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url })
      expect(Option.map(yield* store.load(sessionId), (state) => state.version)).toEqual(Option.some(6))
    }))
})

describe("RedisSessionStore failures", () => {
  const secret = "s3cr3t-Pa55word"

  it.live("an unreachable server is a typed SessionStoreError that never shows the password", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => RedisServer.start())
      yield* Effect.promise(server.dispose) // the port is now closed
      const url = `redis://:${secret}@127.0.0.1:${server.port}`
      for (const given of [url, Redacted.make(url)]) {
        const error = yield* Effect.flip(Effect.scoped(Layer.build(RedisSessionStore.layer({ url: given }))))
        expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "connect" })
        expect(error.message).toContain(`redis://:***@127.0.0.1:${server.port}`)
        for (const text of [error.message, JSON.stringify(error), String(error.cause)]) expect(text).not.toContain(secret)
      }
    }))

  it.scopedLive("a password the server refuses is reported without the password, and the server's own is on no command line", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scopedWithPassword("the-right-one")
      expect(server.argv()!.join(" ")).not.toContain("the-right-one")
      expect(commandLine(server.pid()!)).not.toContain("the-right-one")
      const url = `redis://:${secret}@127.0.0.1:${server.port}`
      const error = yield* Effect.flip(Effect.scoped(Layer.build(RedisSessionStore.layer({ url: Redacted.make(url) }))))
      expect(error._tag).toBe("SessionStoreError")
      expect(error.message).toContain(`Redis at redis://:***@127.0.0.1:${server.port}`)
      expect(error.message).toContain("WRONGPASS")
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(secret)
    }))

  it.scopedLive("a stopped server fails commits with a typed error; after a restart the store works again", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scoped
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url })
      const sessionId = Ids.sessionId("fault")
      const userId = Ids.userId("u")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
      yield* Effect.promise(() => server.stop())
      const error = yield* Effect.flip(store.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [] }))
      expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
      expect(error.message).toContain(`Redis at redis://127.0.0.1:${server.port}`)
      yield* Effect.promise(() => server.restart())
      // The client reconnects by itself; nothing was persisted, so the session starts over.
      const loaded = yield* store.load(sessionId).pipe(
        Effect.retry(Schedule.intersect(Schedule.spaced("100 millis"), Schedule.recurs(50)))
      )
      expect(Option.isNone(loaded)).toBe(true)
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
    }))
})
