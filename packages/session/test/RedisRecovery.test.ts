/**
 * Crashes on the Redis store, with real processes and a real redis-server:
 * a worker killed with SIGKILL in the middle of a turn and of a workflow,
 * resumed by another process; the server itself killed and restarted with
 * its append-only file; and commits whose connection is cut before their
 * reply.
 */
import { type BatonEvent, EventBus, Ids, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { RedisSessionStore } from "../src/index.js"
import { freshSession, freshUser } from "./conformance.js"
import { commandLine, killAll, startWorker } from "./support/processes.js"
import * as RedisServer from "./support/RedisServer.js"
import * as ReplyCutter from "./support/ReplyCutter.js"
import { itemsOf, plainState, turnStarted } from "./support/sessions.js"
import { ledgerKeys, type WorkerJob } from "./support/worker.js"

afterAll(async () => {
  await killAll()
  await RedisServer.disposeAll()
})

const userTexts = (state: { readonly context: { readonly history: ReadonlyArray<{ role: string; content: string }> } }) =>
  state.context.history.filter((message) => message.role === "user").map((message) => message.content)

describe("a worker killed with SIGKILL", () => {
  it.scopedLive("mid-turn and mid-workflow: the successor process loses no acknowledged turn and completes the workflow once", () =>
    Effect.gen(function*() {
      // A password, so that the workers' command lines can be searched for it.
      const secret = "w0rker-s3cret"
      const server = yield* RedisServer.scopedWithPassword(secret)
      const client = yield* RedisSessionStore.connect(server.url)
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url })
      const sessionId = freshSession("killed")
      const userId = freshUser("ana")
      const job: WorkerJob = {
        mode: "first",
        url: server.url,
        sessionId,
        userId,
        worker: "worker-1",
        runId: "trip-1",
        turns: 6,
        leaseTtlMs: 1_500
      }

      const first = startWorker(job)
      // The job, with the store's URL and its password, goes to the worker's stdin.
      expect(commandLine(first.pid)).toContain("worker.ts")
      expect(commandLine(first.pid)).not.toContain(secret)
      yield* Effect.promise(() =>
        first.waitFor((lines) => lines.includes("blocked pay") && lines.includes(`in-turn turn ${job.turns}`), 30_000)
      )
      expect(yield* Effect.promise(() => first.kill("SIGKILL"))).toBe("SIGKILL")
      const acknowledged = first.lines().flatMap((line) => (line.startsWith("ack ") ? [`turn ${line.slice(4)}`] : []))
      expect(acknowledged).toEqual(Array.from({ length: job.turns }, (_, i) => `turn ${i}`))

      // What the dead worker left: its turns, and the run with the reservation done and the payment cut off.
      const left = Option.getOrThrow(yield* store.load(sessionId))
      expect(left.activeWorkflows.map((run) => [run.id, run.status, Object.keys(run.steps ?? {})])).toEqual([
        ["trip-1", "running", ["reserve"]]
      ])

      const successor = startWorker({ ...job, mode: "successor", worker: "worker-2" })
      expect(commandLine(successor.pid)).not.toContain(secret)
      expect(yield* Effect.promise(() => successor.exited)).toBe(0)
      const report = JSON.parse(successor.lines().at(-1)!)
      expect(report).toEqual({
        resumed: [{ runId: "trip-1", status: "completed", completed: ["reserve", "pay", "confirm"], reused: ["reserve"] }],
        failed: [],
        withoutDefinition: []
      })

      // Every acknowledged turn is there once, in order; the turn cut off by the kill never committed.
      const final = Option.getOrThrow(yield* store.load(sessionId))
      expect(userTexts(final)).toEqual([...acknowledged, "after the crash"])
      expect(final.activeWorkflows.map((run) => [run.id, run.status])).toEqual([["trip-1", "completed"]])
      // The workflow completed once: each step's side effect applied once, the reservation never called again,
      // the payment called again by the successor with the same idempotency key.
      expect(yield* Effect.promise(() => client.hgetall(ledgerKeys.effects))).toEqual({
        "trip-1/reserve": "worker-1",
        "trip-1/pay": "worker-1",
        "trip-1/confirm": "worker-2"
      })
      expect(yield* Effect.promise(() => client.lrange(ledgerKeys.calls, 0, -1))).toEqual([
        "worker-1|reserve|trip-1/reserve",
        "worker-1|pay|trip-1/pay",
        "worker-2|pay|trip-1/pay",
        "worker-2|confirm|trip-1/confirm"
      ])
    }))
})

describe("Redis restarted", () => {
  it.scopedLive("killed and restarted with its append-only file: the same client reconnects and every session is intact", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scopedAppendOnly
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url })
      const userId = freshUser("ana")
      const sessions = Array.from({ length: 20 }, (_, i) => freshSession(`aof-${i}`))
      for (const sessionId of sessions) {
        for (let v = 1; v <= 3; v++) {
          yield* store.commit({
            state: plainState(sessionId, userId, v, Array.from({ length: v }, (_, i) => `item-${i}`)),
            expectedVersion: v - 1,
            events: [turnStarted(sessionId, userId, `turn ${v}`)],
            ...(v === 2 ? { snapshot: "after two" } : {})
          })
        }
      }

      // SIGKILL: nothing is flushed on the way out; only what was fsynced before each reply survives.
      yield* Effect.promise(() => server.stop("SIGKILL"))
      // A load while the server is down waits it out: retried, each retry
      // published on the caller's EventBus, until the server is back.
      const published: Array<BatonEvent.BatonEvent> = []
      const bus: Context.Tag.Service<EventBus.EventBus> = {
        publish: (event) => Effect.sync(() => void published.push(event)),
        subscribe: Effect.succeed(Stream.empty)
      }
      const waiting = yield* Effect.fork(Effect.provideService(store.load(sessions[0]!), EventBus.EventBus, bus))
      yield* Effect.repeat(Effect.sync(() => published.length), {
        until: (retries) => retries > 0,
        schedule: Schedule.spaced("20 millis")
      })
      yield* Effect.promise(() => server.start())

      // The client reconnects by itself (ioredis retry strategy): no new connection is made here.
      const first = yield* Fiber.join(waiting)
      expect(Option.map(first, (state) => state.version)).toEqual(Option.some(3))
      expect(published[0]).toMatchObject({ _tag: "RetryAttempted", service: "session-store", attempt: 1 })
      expect(published.every((event) => event._tag === "RetryAttempted")).toBe(true)
      for (const sessionId of sessions) {
        const state = Option.getOrThrow(yield* store.load(sessionId))
        expect(state.version).toBe(3)
        expect(itemsOf(state)).toEqual(["item-0", "item-1", "item-2"])
        const events = yield* store.events(sessionId)
        expect(events.map((event) => (event._tag === "TurnStarted" ? event.text : event._tag))).toEqual(
          ["turn 1", "turn 2", "turn 3"]
        )
        const [snapshot] = yield* store.snapshots(sessionId)
        expect(snapshot).toMatchObject({ id: 1, version: 2, label: "after two" })
        expect(itemsOf((yield* store.loadSnapshot(sessionId, 1)).state)).toEqual(["item-0", "item-1"])
      }
      expect(yield* store.listByUser(userId)).toEqual([...sessions].sort())
      // And it writes again.
      yield* store.commit({
        state: plainState(sessions[0]!, userId, 4, ["after restart"]),
        expectedVersion: 3,
        events: []
      })
      expect(Option.map(yield* store.load(sessions[0]!), itemsOf)).toEqual(Option.some(["after restart"]))
    }))

  it.scopedLive("a graceful restart (SIGTERM) with the append-only file keeps leases' fencing counters", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scopedAppendOnly
      const store: SessionStore.Service = yield* RedisSessionStore.make(
        yield* RedisSessionStore.connect(server.url),
        { url: server.url }
      )
      const sessionId = freshSession("fence")
      const userId = Ids.userId("ana")
      yield* store.commit({ state: plainState(sessionId, userId, 1), expectedVersion: 0, events: [] })
      const before = yield* store.acquireLease(sessionId, "worker-a", "1 minute")
      yield* store.releaseLease(before)
      yield* Effect.promise(() => server.restart("SIGTERM"))
      const after = yield* store.acquireLease(sessionId, "worker-b", "1 minute").pipe(
        Effect.retry(Schedule.intersect(Schedule.spaced("100 millis"), Schedule.recurs(100)))
      )
      // A token handed out before the restart never becomes valid again.
      expect(after.token).toBeGreaterThan(before.token)
      const stale = yield* Effect.flip(
        store.commit({ state: plainState(sessionId, userId, 2), expectedVersion: 1, events: [], fencingToken: before.token })
      )
      expect(stale._tag).toBe("LeaseLost")
    }))
})

describe("a commit whose connection is cut before its reply", () => {
  // The store's connections are killed from an admin connection once the
  // commit waits at the server in the state `waiting` names (CLIENT LIST
  // shows a blocked client, flag b, with the command it runs).
  const cutWhile = (admin: { call: (...args: Array<string>) => Promise<unknown> }, waiting: string) =>
    Effect.gen(function*() {
      const blocked = () => Effect.map(Effect.promise(() => admin.call("CLIENT", "LIST")), (list) =>
        String(list).split("\n").some((client) => / flags=b /.test(client) && client.includes(` cmd=${waiting} `)))
      while (!(yield* blocked())) yield* Effect.sleep("10 millis")
      // SKIPME is the default: the admin connection survives.
      yield* Effect.promise(() => admin.call("CLIENT", "KILL", "TYPE", "normal"))
    })

  it.scopedLive("after the script ran (its reply lost on the way): read back, reported committed, written once", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scoped
      const admin = yield* RedisSessionStore.connect(server.url)
      const proxy = yield* ReplyCutter.scoped(server.port)
      const store = yield* RedisSessionStore.make(
        yield* RedisSessionStore.connect(`redis://127.0.0.1:${proxy.port}`),
        { url: `redis://127.0.0.1:${proxy.port}` }
      )
      const sessionId = freshSession("cut-after")
      const userId = freshUser("ana")
      yield* store.commit({ state: plainState(sessionId, userId, 1, ["one"]), expectedVersion: 0, events: [] })
      proxy.holdReplies()
      const commit = yield* Effect.fork(store.commit({
        state: plainState(sessionId, userId, 2, ["one", "two"]),
        expectedVersion: 1,
        events: [turnStarted(sessionId, userId, "two")]
      }))
      const version = () => Effect.promise(() => admin.hget(RedisSessionStore.keys(sessionId).state, "version"))
      while ((yield* version()) !== "2") yield* Effect.sleep("10 millis")
      proxy.cut()
      expect(yield* Fiber.join(commit)).toBeUndefined()
      expect(Option.map(yield* store.load(sessionId), (state) => [state.version, itemsOf(state)])).toEqual(
        Option.some([2, ["one", "two"]])
      )
      expect((yield* store.events(sessionId)).length).toBe(1)
    }))

  it.scopedLive("before the script ran (writes paused): sent again once the session is read back unchanged, written once", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.scoped
      const admin = yield* RedisSessionStore.connect(server.url)
      const store = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(server.url), { url: server.url })
      const sessionId = freshSession("cut-before")
      const userId = freshUser("ana")
      yield* store.commit({ state: plainState(sessionId, userId, 1, ["one"]), expectedVersion: 0, events: [] })
      yield* Effect.promise(() => admin.call("CLIENT", "PAUSE", "600000", "WRITE"))
      const commit = yield* Effect.fork(store.commit({
        state: plainState(sessionId, userId, 2, ["one", "two"]),
        expectedVersion: 1,
        events: [turnStarted(sessionId, userId, "two")]
      }))
      yield* cutWhile(admin, "evalsha")
      yield* Effect.promise(() => admin.call("CLIENT", "UNPAUSE"))
      expect(yield* Fiber.join(commit)).toBeUndefined()
      expect(Option.map(yield* store.load(sessionId), (state) => [state.version, itemsOf(state)])).toEqual(
        Option.some([2, ["one", "two"]])
      )
      expect((yield* store.events(sessionId)).length).toBe(1)
    }))
})
