/**
 * The testkit's Redis Cluster: six real redis-server nodes joined into three
 * masters with a replica each, ready when asked; a master failed over by
 * hand and one killed with SIGKILL, each replaced by its replica with the
 * data it had; everything gone once disposed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, readFileSync } from "node:fs"
import * as RedisCommand from "../../src/chaos/internal/redisCommand.js"
import { RedisCluster } from "../../src/index.js"
import { isAlive } from "../processes.js"

const password = "cluster pass\"word"

const ask = (port: number, ...args: Array<string>) => Effect.promise(() => RedisCommand.command(port, args, { password }))

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")

describe("RedisCluster", () => {
  it.live("six nodes: three masters covering every slot, a replica each, a password required and on no command line; disposed, all gone", () =>
    Effect.gen(function*() {
      const cluster = yield* RedisCluster.start({ password })
      const pids = cluster.nodes.map((node) => node.pid()!)
      try {
        expect(cluster.nodes).toHaveLength(6)
        const views = yield* cluster.topology
        const masters = views.filter((view) => view.role === "master")
        expect(masters).toHaveLength(3)
        const covered = masters.flatMap((master) => master.slots).reduce((sum, [from, to]) => sum + to - from + 1, 0)
        expect(covered).toBe(16_384)
        for (const master of masters) {
          expect(views.filter((view) => view.masterId === master.id)).toHaveLength(1)
        }
        expect(views.some((view) => view.failing)).toBe(false)
        expect(cluster.url).toBe(
          `redis+cluster://:${encodeURIComponent(password)}@${cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(",")}`
        )

        const port = cluster.nodes[0]!.port
        const refused = yield* Effect.flip(Effect.tryPromise(() => RedisCommand.command(port, ["PING"])))
        expect(String(refused.error)).toMatch(/NOAUTH/)
        for (const pid of pids) expect(cmdline(pid)).not.toContain("cluster pass")

        // Slots are computed as the servers compute them, hash tags included.
        for (const key of ["123456789", "baton:{s:one}:state", "{}", "a{}b", "{u:ü}x", "x{y}{z}"]) {
          expect(RedisCluster.slotOf(key), key).toBe(Number(yield* ask(port, "CLUSTER", "KEYSLOT", key)))
        }
        expect(RedisCluster.slotOf("123456789")).toBe(12_739)

        // A key is served by the master of its slot.
        const master = yield* cluster.masterFor("baton:{s:one}:state")
        expect(yield* ask(master, "SET", "baton:{s:one}:state", "v1")).toBe("OK")
        expect(yield* ask(master, "GET", "baton:{s:one}:state")).toBe("v1")
      } finally {
        yield* cluster.dispose
      }
      expect(pids.filter(isAlive)).toEqual([])
      expect(existsSync(cluster.dir)).toBe(false)
    }), 120_000)

  it.scopedLive("a master failed over by hand, then one killed with SIGKILL: each replica takes over with the data; a killed node rejoins as a replica", () =>
    Effect.gen(function*() {
      const cluster = yield* RedisCluster.scoped({ password })
      const key = "baton:{s:failover}:state"
      const first = yield* cluster.masterFor(key)
      yield* ask(first, "SET", key, "before")
      // Acknowledged by the replica too, so a killed master cannot take it along.
      expect(yield* ask(first, "WAIT", "1", "5000")).toBe("1")

      const manual = yield* cluster.failover(first)
      expect(manual.writableMs).toBeGreaterThan(0)
      expect(manual.from).toBe(first)
      expect(manual.to).not.toBe(first)
      expect(yield* cluster.masterFor(key)).toBe(manual.to)
      expect(yield* ask(manual.to, "GET", key)).toBe("before")
      const afterManual = yield* cluster.topology
      expect(afterManual.find((view) => view.port === first)?.role).toBe("replica")

      yield* ask(manual.to, "SET", key, "after")
      expect(yield* ask(manual.to, "WAIT", "1", "5000")).toBe("1")
      const killedPid = cluster.nodes.find((node) => node.port === manual.to)!.pid()!
      const killed = yield* cluster.killMaster(manual.to)
      expect(killed).toMatchObject({ from: manual.to, to: first })
      expect(killed.ms).toBeGreaterThan(0)
      // Nobody takes the dead master's writes until its replica is promoted, after the node timeout.
      expect(killed.writableMs).toBeGreaterThanOrEqual(2_000)
      expect(isAlive(killedPid)).toBe(false)
      expect(yield* cluster.masterFor(key)).toBe(first)
      expect(yield* ask(first, "GET", key)).toBe("after")

      yield* cluster.restart(manual.to)
      const views = yield* cluster.topology
      expect(views.find((view) => view.port === manual.to)).toMatchObject({ role: "replica", failing: false })
      expect(yield* ask(manual.to, "READONLY")).toBe("OK")
    }), 180_000)
})
