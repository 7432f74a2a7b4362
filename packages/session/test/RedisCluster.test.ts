/**
 * The Redis store on a real Redis Cluster (three masters, three replicas, on
 * loopback ports, started by the testkit), with ioredis's `Cluster` client:
 * the session-store conformance suite; clients reached from any one node,
 * refused with a typed error that names the nodes but never the password;
 * invalidation hints carried between processes connected through
 * different nodes.
 */
import { type Ids, SessionStore } from "@baton/core"
import { RedisCluster } from "@baton/testkit"
import { afterAll, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as zlib from "node:zlib"
import { InvalidationBus, RedisSessionStore } from "../src/index.js"
import { conformance, freshSession, freshUser, type Raw, StoreUnderTest } from "./conformance.js"
import { dumpKeys } from "./support/dumpKeys.js"
import { itemsOf, plainState } from "./support/sessions.js"
import * as TempDir from "./support/TempDir.js"

const password = "cluster-s3cret"

afterAll(() => TempDir.removeAll())

class ClusterUnderTest extends Context.Tag("test/ClusterUnderTest")<ClusterUnderTest, RedisCluster.RedisCluster>() {}

/** A cluster URL that names only the node on `port`. */
const throughNode = (port: number, secret = password) => `redis+cluster://:${encodeURIComponent(secret)}@127.0.0.1:${port}`

// Redis runs TTLs and leases on its own clock, which only real time moves: letting
// `ms` pass is the condition itself (a busy machine only makes the wait longer).
const letTimePass = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

// Long enough that no run of a few commands outlasts it on a busy machine.
const shortTtlMs = 3_000

conformance(
  "Redis Cluster",
  Layer.scoped(
    StoreUnderTest,
    Effect.gen(function*() {
      const cluster = yield* Effect.orDie(RedisCluster.scoped({ password }))
      const client = yield* RedisSessionStore.connectCluster(cluster.url)
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
        dump: dumpKeys(() => client.nodes("master")),
        reopen: (migrations) => Effect.orDie(RedisSessionStore.make(client, { url: cluster.url, migrations }))
      }
      return {
        store: yield* RedisSessionStore.make(yield* RedisSessionStore.connectCluster(cluster.url), { url: cluster.url }),
        // The layer, as applications build it: a cluster client from the URL.
        shortLived: yield* Effect.map(
          Layer.build(RedisSessionStore.layer({ url: Redacted.make(cluster.url), ttl: shortTtlMs })),
          Context.get(SessionStore.SessionStore)
        ),
        shortTtlMs,
        advance: letTimePass,
        raw
      }
    })
  ),
  { virtualClock: false, raw: true, propertyRuns: 100 }
)

const collect = (stream: Stream.Stream<string>, n: number) => Effect.map(Stream.runCollect(Stream.take(stream, n)), Chunk.toArray)

layer(Layer.scoped(ClusterUnderTest, Effect.orDie(RedisCluster.scoped({ password }))), { timeout: "90 seconds" })(
  "Redis Cluster clients",
  (it) => {
    it.scoped("a cluster client given one node finds every master, and a session's keys share one slot", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const client = yield* RedisSessionStore.connectCluster(Redacted.make(throughNode(cluster.nodes[0]!.port)))
        expect(client.nodes("master")).toHaveLength(3)
        const keys = RedisSessionStore.keys("s-1")
        const slots = yield* Effect.promise(() =>
          Promise.all([keys.state, keys.events, keys.lease, keys.snapshot(1)].map((key) => client.cluster("KEYSLOT", key)))
        )
        expect(new Set(slots).size).toBe(1)
        yield* Effect.promise(() => client.set(keys.state, "v"))
        expect(yield* Effect.promise(() => client.get(keys.state))).toBe("v")
      }))

    it.effect("a wrong password is a SessionStoreError that names the nodes and never the password", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const port = cluster.nodes[1]!.port
        const error = yield* Effect.flip(Effect.scoped(RedisSessionStore.connectCluster(throughNode(port, "wr0ng-guess"))))
        expect(error._tag).toBe("SessionStoreError")
        expect(error.message).toContain(`Redis at redis+cluster://:***@127.0.0.1:${port}`)
        expect(error.message).toMatch(/WRONGPASS|invalid username-password/)
        expect(error.message).not.toContain("wr0ng-guess")
      }))

    it.effect("a cluster URL is refused by the one-server client, and a malformed one is refused without being quoted", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const oneServer = yield* Effect.flip(Effect.scoped(RedisSessionStore.connect(throughNode(cluster.nodes[0]!.port))))
        expect(oneServer.message).toContain("the URL names a Redis Cluster (redis+cluster://): connect with a cluster client")
        expect(oneServer.message).not.toContain(password)
        const malformed = yield* Effect.flip(Effect.scoped(RedisSessionStore.connectCluster(`redis+cluster://:${password}@127.0.0.1:7000:7001`)))
        expect(malformed.message).toContain("node 1 of the Redis Cluster URL is not host:port")
        expect(malformed.message).not.toContain(password)
      }))

    it.scoped("invalidation hints published through one node reach a bus connected through another", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const busThrough = (port: number) =>
          Effect.map(
            Layer.build(InvalidationBus.layerRedis({ url: Redacted.make(throughNode(port)), keyPrefix: "cluster-bus" })),
            Context.get(InvalidationBus.InvalidationBus)
          )
        const first = yield* busThrough(cluster.nodes[0]!.port)
        const second = yield* busThrough(cluster.nodes[4]!.port)
        const seenBySecond = yield* second.subscribe
        const seenByFirst = yield* first.subscribe
        yield* first.publish("availability:off_1")
        yield* second.publish(InvalidationBus.sessionTag("s-2"))
        // Published through different nodes, hints arrive in either order: the cluster forwards each on its own.
        const both = ["availability:off_1", "session:s-2"]
        expect((yield* collect(seenBySecond, 2)).sort()).toEqual(both)
        expect((yield* collect(seenByFirst, 2)).sort()).toEqual(both)
      }))
  }
)

// A master that dies is failed over only after the node timeout: long here, so
// that the commits below run while its slots have no server at all.
layer(
  Layer.scoped(ClusterUnderTest, Effect.orDie(RedisCluster.scoped({ password, nodeTimeoutMs: 60_000 }))),
  // Real time: the commits are bounded by the clock.
  { timeout: "90 seconds", excludeTestServices: true }
)("Redis Cluster store with the master of a user's index down", (it) => {
  it.scoped("a write's outcome is its script's reply: a later commit and a delete succeed as they happened; a first commit fails and writes nothing", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterUnderTest
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connectCluster(cluster.url), { url: cluster.url })
      const userId = freshUser("index-down")
      const indexMaster = yield* cluster.masterFor(RedisSessionStore.userKey(userId))
      // Sessions served by another master than the user's index.
      const elsewhere: Array<Ids.SessionId> = []
      while (elsewhere.length < 2) {
        const sessionId = freshSession("index-down")
        if ((yield* cluster.masterFor(RedisSessionStore.keys(sessionId).state)) !== indexMaster) elsewhere.push(sessionId)
      }
      const [older, newer] = elsewhere as [Ids.SessionId, Ids.SessionId]
      yield* store.commit({ state: plainState(older, userId, 1, ["one"]), expectedVersion: 0, events: [] })

      yield* cluster.crash(indexMaster)
      const bounded = <A, E>(effect: Effect.Effect<A, E>) => Effect.timeoutFail(effect, { duration: "20 seconds", onTimeout: () => "timed out" })

      // The script committed on the session's master: so does the commit, whatever became of the index.
      yield* bounded(store.commit({ state: plainState(older, userId, 2, ["one", "two"]), expectedVersion: 1, events: [] }))
      const after = yield* bounded(store.load(older))
      expect(Option.map(after, (state) => [state.version, itemsOf(state)])).toEqual(Option.some([2, ["one", "two"]]))
      // So does a delete: the index keeps a stale member, which listByUser drops.
      yield* bounded(store.delete(older))
      expect(Option.isNone(yield* bounded(store.load(older)))).toBe(true)

      // A first commit writes the index first: without it, the session is not written at all.
      const first = yield* Effect.flip(
        bounded(store.commit({ state: plainState(newer, userId, 1, ["lost?"]), expectedVersion: 0, events: [] }))
      )
      expect(first).toMatchObject({ _tag: "SessionStoreError", operation: "commit" })
      expect(Option.isNone(yield* bounded(store.load(newer)))).toBe(true)
    }))
})

// Real time: WAIT's timeout is measured.
layer(Layer.scoped(ClusterUnderTest, Effect.orDie(RedisCluster.scoped({ password }))), { timeout: "90 seconds", excludeTestServices: true })(
  "Redis Cluster store waiting for replicas",
  (it) => {
    const waiting = (cluster: RedisCluster.RedisCluster, timeout: number) =>
      Effect.flatMap(RedisSessionStore.connectCluster(cluster.url), (client) =>
        RedisSessionStore.make(client, { url: cluster.url, waitForReplicas: { replicas: 1, timeout } }))

    /** A fresh session whose keys the master on `port` serves (or does not, with `elsewhere`). */
    const sessionOn = (cluster: RedisCluster.RedisCluster, port: number, elsewhere = false) =>
      Effect.gen(function*() {
        for (;;) {
          const sessionId = freshSession("wait")
          if (((yield* cluster.masterFor(RedisSessionStore.keys(sessionId).state)) === port) !== elsewhere) return sessionId
        }
      })

    it.scoped("a commit waits for a replica of its session's own master: slow only where that replica is down", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const views = yield* cluster.topology
        const master = views.filter((view) => view.role === "master").sort((a, b) => a.port - b.port)[0]!
        const replica = views.find((view) => view.masterId === master.id)!
        const timeoutMs = 3_000
        const store = yield* waiting(cluster, timeoutMs)
        const userId = freshUser("wait")
        const [alone, replicated] = [yield* sessionOn(cluster, master.port), yield* sessionOn(cluster, master.port, true)]
        // Started again at the end: the cluster is shared with the next tests.
        yield* Effect.acquireRelease(cluster.crash(replica.port), () => Effect.orDie(cluster.restart(replica.port)))
        const timed = (sessionId: Ids.SessionId) =>
          Effect.map(
            Effect.timed(store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })),
            ([duration]) => Duration.toMillis(duration)
          )
        // No replica answers for the first: WAIT gives up after its timeout, and the commit stands.
        expect(yield* timed(alone)).toBeGreaterThanOrEqual(timeoutMs - 50)
        expect(Option.map(yield* store.load(alone), (state) => state.version)).toEqual(Option.some(1))
        // The second's master has its replica: WAIT asked that master, not any node.
        expect(yield* timed(replicated)).toBeLessThan(timeoutMs)
      }))

    it.scoped("commits waiting for replicas follow a manual failover: none fails, none is lost", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        const store = yield* waiting(cluster, 2_000)
        const views = yield* cluster.topology
        const master = views.filter((view) => view.role === "master" && !view.failing).sort((a, b) => a.port - b.port)[0]!
        const userId = freshUser("wait")
        const sessions = yield* Effect.forEach(Array.from({ length: 8 }), () => sessionOn(cluster, master.port))
        let done = false
        const failures: Array<string> = []
        const versions = new Map<string, number>()
        const writer = (sessionId: Ids.SessionId) =>
          Effect.gen(function*() {
            let version = 0
            while (!done || version < 3) {
              const committed = yield* Effect.either(
                store.commit({ state: plainState(sessionId, userId, version + 1), expectedVersion: version, events: [] })
              )
              if (committed._tag === "Left") {
                failures.push(committed.left.message)
                return
              }
              version++
              versions.set(sessionId, version)
            }
          })
        const writers = yield* Effect.fork(Effect.forEach(sessions, writer, { concurrency: "unbounded", discard: true }))
        // Once every writer has committed, so that the failover lands among commits in flight.
        while (versions.size < sessions.length) yield* Effect.sleep("10 millis")
        yield* cluster.failover(master.port)
        done = true
        yield* Fiber.join(writers)
        expect(failures).toEqual([])
        for (const sessionId of sessions) {
          expect(Option.map(yield* store.load(sessionId), (state) => state.version)).toEqual(Option.some(versions.get(sessionId)))
        }
      }))

    it.effect("waitForReplicas with a timeout of 0 (WAIT would block forever) or no replicas is refused", () =>
      Effect.gen(function*() {
        const cluster = yield* ClusterUnderTest
        for (const wait of [{ replicas: 1, timeout: 0 }, { replicas: 0, timeout: 100 }, { replicas: 1.5, timeout: 100 }]) {
          const refused = yield* Effect.flip(
            Effect.scoped(Effect.flatMap(RedisSessionStore.connectCluster(cluster.url), (client) =>
              RedisSessionStore.make(client, { url: cluster.url, waitForReplicas: wait })))
          )
          expect(refused).toMatchObject({ _tag: "SessionStoreError", operation: "connect" })
          expect(refused.message).toContain("waitForReplicas needs a whole number of replicas of at least 1 and a finite timeout longer than 0")
        }
      }))
  }
)
