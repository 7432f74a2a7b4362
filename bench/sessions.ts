/**
 * Session stores: restoring a 50-turn session (150 messages) from memory,
 * SQLite and Redis on loopback; committing a turn to SQLite and Redis (two
 * messages appended to the state as restored, the restore outside the
 * timing), and a whole turn's restore and commit; for reference, the same
 * Redis reads and writes through ioredis alone.
 * The suite starts its own redis-server and SQLite file and removes both.
 */
import { type BatonEvent, Ids, Message, SessionState, SessionStore } from "@baton/core"
import { RedisSessionStore, SqliteSessionStore } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as path from "node:path"
import * as redisScripts from "../packages/session/src/internal/redisScripts.js"
import * as RedisServer from "../packages/session/test/support/RedisServer.js"
import * as TempDir from "../packages/session/test/support/TempDir.js"
import type { Suite } from "./Suite.js"

const sessionId = Ids.sessionId("bench-session")
const userId = Ids.userId("bench-user")
const triage = Ids.agentId("triage")
const flights = Ids.agentId("flights")

// 50 turns of three messages: the traveller, the agent's progress note, its answer.
const history = Array.from({ length: 150 }, (_, i): Message.Message => {
  const turn = Math.floor(i / 3)
  const content = [
    `I would like to travel to Lisbon with my partner in December (turn ${turn}); we care about price and short layovers.`,
    `Searching flights to Lisbon for two travellers, departing 2026-12-10, returning 2026-12-17 (turn ${turn}).`,
    `Found 3 options; the cheapest is €182 with one 55-minute layover in Madrid. Shall I hold it? (turn ${turn})`
  ][i % 3]!
  return {
    id: Message.idAt(sessionId, i),
    role: i % 3 === 0 ? "user" : "agent",
    ...(i % 3 === 0 ? {} : { agent: i % 3 === 1 ? triage : flights }),
    content,
    time: 1_765_000_000_000 + i * 1_000,
    ...(i % 3 === 2 ? { metadata: { offers: 3, cheapest: { price: 182, currency: "EUR" } } } : {})
  }
})

const base = SessionState.empty({
  sessionId,
  userId,
  state: { destination: "Lisbon", travellers: 2, budget: 2400, dates: { depart: "2026-12-10", return: "2026-12-17" } },
  now: 1_765_000_000_000
})
const session: SessionState.SessionState = {
  ...base,
  currentAgent: flights,
  context: { ...base.context, history, preferences: { seat: "aisle", currency: "EUR" } },
  version: 1
}

const turnEvents = (version: number): ReadonlyArray<BatonEvent.BatonEvent> => [
  { _tag: "TurnStarted", sessionId, userId, text: "Hold the cheapest one, please.", at: 1_765_000_200_000 },
  {
    _tag: "RouteDecided",
    sessionId,
    at: 1_765_000_200_000,
    agent: flights,
    confidence: 0.92,
    strategy: "lexical",
    reasoning: "the active agent can serve the request",
    sticky: true,
    fallback: false,
    durationMs: 0.08
  },
  { _tag: "TurnCompleted", sessionId, at: 1_765_000_200_000, agent: flights, handoffs: 0, durationMs: 1.2, version }
]

let scope: Scope.CloseableScope | undefined
let redis: RedisServer.RedisServer | undefined
let temp: { readonly dir: string; readonly remove: () => void } | undefined
let memory: SessionStore.Service
let sqlite: SessionStore.Service
let redisStore: SessionStore.Service
let rawClient: Effect.Effect.Success<ReturnType<typeof RedisSessionStore.connect>>

const seed = (store: SessionStore.Service) => store.commit({ state: session, expectedVersion: 0, events: turnEvents(1) })

const loadSession = (store: SessionStore.Service) => Effect.map(store.load(sessionId), Option.getOrThrow)

// A turn as Conversation writes it: the state as restored, with the
// traveller's message and the agent's answer appended.
const withTurn = (loaded: SessionState.SessionState): SessionStore.CommitInput => {
  const at = loaded.context.history.length
  const said = (role: "user" | "agent", content: string): Message.Message => ({
    id: Message.idAt(sessionId, role === "user" ? at : at + 1),
    role,
    ...(role === "agent" ? { agent: flights } : {}),
    content,
    time: 1_765_000_300_000 + loaded.version
  })
  const history = [
    ...loaded.context.history,
    said("user", `Hold the cheapest one, please (version ${loaded.version}).`),
    said("agent", "Held until tomorrow 18:00: Lisbon, 10–17 December, two travellers, €364 in total.")
  ]
  return {
    state: { ...loaded, context: { ...loaded.context, history }, version: loaded.version + 1 },
    expectedVersion: loaded.version,
    events: turnEvents(loaded.version + 1)
  }
}

// The version each store holds: the suite is the session's only writer.
const versions = new Map<SessionStore.Service, number>()
const committing = (store: SessionStore.Service, input: SessionStore.CommitInput) => {
  versions.set(store, input.state.version)
  return store.commit(input)
}

// Puts the session back at its 50 turns, so that every measured turn starts
// from the same 150 messages.
const reset = (store: SessionStore.Service) => {
  const version = versions.get(store) ?? session.version
  return committing(store, { state: { ...session, version: version + 1 }, expectedVersion: version, events: [] })
}

// The commit of a turn, prepared outside the timing: reset, restore, append.
const pending = new Map<SessionStore.Service, SessionStore.CommitInput>()
const prepareTurn = (store: SessionStore.Service) =>
  Effect.map(Effect.zipRight(reset(store), loadSession(store)), (loaded) => void pending.set(store, withTurn(loaded)))
const commitTurn = (store: SessionStore.Service) => committing(store, pending.get(store)!)

// A whole turn's storage work: restore, append the turn's two messages, commit.
const turnCycle = (store: SessionStore.Service) =>
  Effect.flatMap(loadSession(store), (loaded) => committing(store, withTurn(loaded)))

// The floor under the Redis cases: the same state as JSON and the same commit
// script through ioredis alone, without Baton's codec, checksum, redaction,
// user index or Effect.
const rawKeys = RedisSessionStore.keys("bench-raw", "bench-raw")
const rawEvents = turnEvents(2).map((event) => JSON.stringify(event))
let rawVersion = 0
const rawCommit = () =>
  rawClient.evalsha(
    redisScripts.commit.sha,
    4,
    rawKeys.state,
    rawKeys.events,
    rawKeys.snaps,
    rawKeys.fence,
    rawVersion,
    ++rawVersion,
    userId,
    Buffer.from(JSON.stringify(session)),
    "",
    86_400_000,
    10_000,
    "",
    rawKeys.base,
    "bench-raw:invalidate",
    "bench-raw",
    0,
    ...rawEvents
  )

// A worker runs for hours; the first second of Redis traffic after a store
// opens is not its steady state (V8 is still compiling the codec and ioredis
// paths and sizing the young generation), and measured from a cold start the
// p99 is two to three times higher. The Redis cases warm up for 2 s.
const redisWarmupMs = 2_000

// Async cases are `async` functions: tinybench probes any other function by
// calling it once, unawaited, which would race a read-modify-commit.
export const suite: Suite = {
  name: "sessions",
  before: async () => {
    scope = Effect.runSync(Scope.make())
    redis = await RedisServer.start()
    temp = TempDir.create("baton-bench-")
    const open = Effect.gen(function*() {
      memory = SessionStore.makeMemory()
      sqlite = yield* SqliteSessionStore.make(yield* SqliteSessionStore.open(path.join(temp!.dir, "baton.db")))
      redisStore = yield* RedisSessionStore.make(yield* RedisSessionStore.connect(redis!.url), { url: redis!.url })
      rawClient = yield* RedisSessionStore.connect(redis!.url)
      yield* Effect.forEach([memory, sqlite, redisStore], seed, { discard: true })
    })
    await Effect.runPromise(Scope.extend(open, scope))
  },
  after: async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    await redis?.dispose()
    temp?.remove()
  },
  cases: [
    {
      name: "restore a 50-turn session (150 messages), memory store",
      fn: () => Effect.runSync(memory.load(sessionId)),
      target: { p99: 0.1 }
    },
    {
      name: "restore a 50-turn session (150 messages), SQLite",
      fn: () => Effect.runSync(sqlite.load(sessionId)),
      target: { p99: 0.5 }
    },
    {
      name: "restore a 50-turn session (150 messages), Redis on loopback",
      warmupMs: redisWarmupMs,
      fn: async () => await Effect.runPromise(redisStore.load(sessionId)),
      target: { p99: 1 }
    },
    {
      name: "reference: ioredis alone, HMGET of the same record + JSON.parse, Redis on loopback",
      warmupMs: redisWarmupMs,
      setup: async () => {
        await rawCommit()
      },
      fn: async () => {
        const [, record] = await rawClient.hmgetBuffer(rawKeys.state, "version", "record", "sum", "quarantined")
        return JSON.parse(record!.toString("utf8"))
      }
    },
    {
      name: "commit a turn (restored 150 messages + 2, 3 events), SQLite",
      beforeEach: () => Effect.runSync(prepareTurn(sqlite)),
      fn: () => Effect.runSync(commitTurn(sqlite))
    },
    {
      name: "commit a turn (restored 150 messages + 2, 3 events), Redis on loopback",
      warmupMs: redisWarmupMs,
      beforeEach: async () => await Effect.runPromise(prepareTurn(redisStore)),
      fn: async () => await Effect.runPromise(commitTurn(redisStore)),
      target: { p99: 1 }
    },
    {
      name: "reference: ioredis alone, JSON.stringify + the same commit script, Redis on loopback",
      warmupMs: redisWarmupMs,
      fn: async () => await rawCommit()
    },
    {
      name: "turn cycle: restore 150 messages, append 2, commit; SQLite",
      beforeEach: () => Effect.runSync(reset(sqlite)),
      fn: () => Effect.runSync(turnCycle(sqlite))
    },
    {
      name: "turn cycle: restore 150 messages, append 2, commit; Redis on loopback",
      warmupMs: redisWarmupMs,
      beforeEach: async () => await Effect.runPromise(reset(redisStore)),
      fn: async () => await Effect.runPromise(turnCycle(redisStore))
    }
  ]
}
