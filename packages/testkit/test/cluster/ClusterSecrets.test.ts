/**
 * A cluster on a Redis that requires a password: the workers get the store's
 * URL, password included, and it must never be on a command line — not the
 * workers', not their service children's, not redis-server's — while the run
 * still works.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as RedisServer from "../../src/chaos/RedisServer.js"
import * as Cluster from "../../src/cluster/Cluster.js"

const app = fileURLToPath(new URL("../../../../examples/tripsage/src/app.ts", import.meta.url))

interface Row {
  readonly pid: number
  readonly ppid: number
  readonly args: string
}

const processes = Effect.async<ReadonlyArray<Row>>((resume) => {
  execFile("ps", ["-eo", "pid=,ppid=,args="], { maxBuffer: 16 * 1024 * 1024 }, (error, out) => {
    if (error !== null) return resume(Effect.die(error))
    resume(Effect.succeed(out.split("\n").flatMap((line) => {
      const match = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line)
      return match === null ? [] : [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }]
    })))
  })
})

const descendants = (rows: ReadonlyArray<Row>, root: number): Array<Row> => {
  const found: Array<Row> = []
  let parents = new Set([root])
  while (parents.size > 0) {
    const children = rows.filter((row) => parents.has(row.ppid))
    found.push(...children)
    parents = new Set(children.map((row) => row.pid))
  }
  return found
}

/** A process's command line as the kernel shows it to anyone, or undefined once it exited. */
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
  } catch {
    return undefined
  }
}

describe("Cluster secrets", () => {
  it.scopedLive("the store's password reaches no command line of the workers or their children, and the run works", () =>
    Effect.gen(function*() {
      const password = `pw-${Math.random().toString(36).slice(2)}`
      const redis = yield* RedisServer.scoped({ password })
      const ready = yield* Deferred.make<void>()
      let readyWorkers = 0
      const seen = yield* Effect.scoped(Effect.gen(function*() {
        const cluster = yield* Cluster.start({
          app,
          store: { url: redis.url },
          sessions: 4,
          workers: 2,
          // Services as child processes of each worker: their command lines are looked at too.
          transport: "stdio",
          sessionPrefix: "cluster-secrets",
          onEvent: (event) => {
            if (event._tag === "WorkerReady" && ++readyWorkers === 2) Deferred.unsafeDone(ready, Exit.void)
          }
        })
        yield* Effect.raceFirst(
          Deferred.await(ready),
          Effect.zipRight(cluster.finished, Effect.dieMessage("the run finished before both workers were ready"))
        )
        // Every process under this one while the workers run: the workers,
        // their service children, redis-server and its guard.
        const rows = descendants(yield* processes, process.pid)
        const workerPids = cluster.result().workers.flatMap((worker) => worker.pids)
        yield* cluster.finished
        return { rows, workerPids, result: cluster.result() }
      }))

      const { result, rows, workerPids } = seen
      expect(workerPids.every((pid) => rows.some((row) => row.pid === pid))).toBe(true)
      // Each worker runs the app's services as its own children.
      expect(rows.filter((row) => workerPids.includes(row.ppid)).length).toBeGreaterThanOrEqual(2)
      const secrets = [password, encodeURIComponent(password)]
      for (const row of rows) {
        const line = cmdline(row.pid) ?? ""
        for (const secret of secrets) {
          expect(row.args, `ps shows the password for pid ${row.pid}`).not.toContain(secret)
          expect(line, `/proc/${row.pid}/cmdline holds the password`).not.toContain(secret)
        }
      }

      // And the run worked: every session played every turn, once.
      expect(result.duplicateAcks).toBe(0)
      for (const session of result.sessions) {
        expect(session.gaveUp).toEqual([])
        expect(session.acks.map((ack) => ack?.turn)).toEqual(session.turns.map((_, i) => i))
      }
    }), 150_000)
})
