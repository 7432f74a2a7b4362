/**
 * A small cluster on a real redis-server: two worker processes play the
 * TripSage demo turns for a few dozen sessions, one worker is SIGKILLed
 * mid-run, and the coordinator restarts it. Whatever the kill interrupted,
 * the store must end with every session, every acknowledged turn, and each
 * scripted turn exactly once.
 */
import { Ids, SessionStore } from "@baton/core"
import { RedisSessionStore } from "@baton/session"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { fileURLToPath } from "node:url"
import * as Cluster from "../../src/cluster/Cluster.js"
import * as RedisServer from "../../src/chaos/RedisServer.js"
import { isAlive } from "../processes.js"

const app = fileURLToPath(new URL("../../../../examples/tripsage/dist/app.js", import.meta.url))

describe("Cluster", () => {
  it.scopedLive("a worker SIGKILLed mid-run is restarted; no session or acknowledged turn is lost, no turn runs twice", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.scoped()
      const events: Array<Cluster.Event> = []
      // The kill waits for slot 0's own worker to have acknowledged a share of
      // its turns: a share of the whole run can come from slot 1 alone while
      // slot 0's worker is still starting, and killing that is no takeover.
      const midRun = yield* Deferred.make<void>()
      let slot0Acks = 0
      let slot0Share = Infinity
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const cluster = yield* Cluster.start({
          app,
          store: { url: redis.url },
          sessions: 24,
          workers: 2,
          concurrency: 12,
          sessionPrefix: "cluster-test",
          onEvent: (event) => {
            events.push(event)
            if (event._tag === "Acked" && event.ack.slot === 0 && ++slot0Acks >= slot0Share) {
              Deferred.unsafeDone(midRun, Exit.void)
            }
          }
        })
        slot0Share = Math.ceil(cluster.progress().total / 2 * 0.3)
        // A cluster that fails (workers that cannot start) ends the wait too.
        yield* Effect.raceFirst(
          Deferred.await(midRun),
          Effect.zipRight(cluster.finished, Effect.dieMessage("the run finished before the kill"))
        )
        const killed = yield* cluster.kill(0)
        expect(killed).toBeTypeOf("number")
        yield* cluster.finished
        return cluster.result()
      }))

      // The kill happened mid-run and the slot got a new process that took its sessions over.
      const slot0 = result.workers[0]!
      expect(slot0.exits[0]?.signal).toBe("SIGKILL")
      expect(slot0.pids).toHaveLength(2)
      const exited = events.find((event) => event._tag === "WorkerExited")
      expect(exited?._tag === "WorkerExited" && exited.unfinished).toBeGreaterThan(0)
      const taken = result.sessions.filter((session) => session.assignments > 1)
      expect(taken.length).toBeGreaterThan(0)
      expect(taken.every((session) => session.slot === 0)).toBe(true)

      // Every session finished, each turn acknowledged once.
      expect(result.duplicateAcks).toBe(0)
      for (const session of result.sessions) {
        expect(session.turns.length).toBeGreaterThan(3)
        expect(session.gaveUp).toEqual([])
        expect(session.acks.map((ack) => ack?.turn)).toEqual(session.turns.map((_, i) => i))
      }

      // The store agrees: each session holds each scripted turn once, in order.
      const stored = yield* Effect.forEach(result.sessions, (session) =>
        Effect.gen(function*() {
          const store = yield* SessionStore.SessionStore
          const id = Ids.sessionId(session.sessionId)
          const state = yield* store.load(id)
          const events = yield* store.events(id)
          return { state, completed: events.filter((event) => event._tag === "TurnCompleted").length }
        })).pipe(Effect.provide(RedisSessionStore.layer({ url: redis.url })))
      stored.forEach(({ completed, state }, i) => {
        const turns = result.sessions[i]!.turns
        expect(Option.isSome(state)).toBe(true)
        const users = Option.getOrThrow(state).context.history.filter((message) => message.role === "user")
        expect(users.map((message) => message.content)).toEqual(turns)
        expect(completed).toBe(turns.length)
      })

      // The workers are gone once the cluster's scope closed.
      expect(result.workers.flatMap((worker) => worker.pids).filter(isAlive)).toEqual([])
    }), 120_000)

  it.scopedLive("a fault the app's injector refuses (a spec it does not read, a service it has not) stops the run with a ClusterError that says why", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.scoped()
      const refused = (service: string, spec: string) =>
        Effect.scoped(Effect.gen(function*() {
          const events: Array<Cluster.Event> = []
          const cluster = yield* Cluster.start({
            app,
            store: { url: redis.url },
            sessions: 2,
            workers: 1,
            sessionPrefix: `cluster-refused-${service}`,
            onEvent: (event) => void events.push(event)
          })
          // Told to the worker as soon as it is ready, before its turns.
          yield* cluster.fault(service, spec)
          const error = yield* Effect.flip(cluster.finished)
          return { error, events }
        }))
      const badSpec = yield* refused("weather", "not-a-fault-spec(((")
      expect(badSpec.error._tag).toBe("ClusterError")
      expect(badSpec.error.message).toMatch(/^The cluster run failed: worker 0 \(pid \d+\) did not inject "not-a-fault-spec\(\(\(" into weather: /)
      expect(badSpec.events.filter((event) => event._tag === "FaultRefused")).toHaveLength(1)
      const badService = yield* refused("teleporter", "error@1")
      expect(badService.error.message).toContain('did not inject "error@1" into teleporter: the app injects faults into no service "teleporter"')
    }), 120_000)
})
