/**
 * Several writers playing turns on one session at the same time, each with a
 * `Conversation` of its own (as separate processes would have), on every
 * store: memory (one store shared in process), SQLite (a connection per
 * writer on one file) and Redis (a client per writer on a real redis-server).
 *
 * With the conversation's default commit retries, 3–8 writers all get their
 * turns acknowledged; and whatever happens, every acknowledged turn's message
 * is in the final history exactly once, no turn that failed left anything
 * behind, the versions the turns were acknowledged at strictly increase, and
 * a turn that is not acknowledged failed with a typed error, never a defect.
 */
import { Agent, Conversation, Ids, type SessionState, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import fc from "fast-check"
import * as path from "node:path"
import { RedisSessionStore, SqliteSessionStore } from "../src/index.js"
import * as RedisServer from "./support/RedisServer.js"
import * as TempDir from "./support/TempDir.js"

afterAll(async () => {
  await RedisServer.disposeAll()
  TempDir.removeAll()
})

const Said = Schema.Struct({ said: Schema.Array(Schema.String) })
type Said = typeof Said.Type
const scribe = Ids.agentId("scribe")

/**
 * A conversation whose one agent keeps every message in the state. The agent
 * yields a few times before it answers, so that turns of different writers
 * interleave between their read and their commit even on the memory store.
 */
const conversation = (store: SessionStore.Service) =>
  Conversation.make<Said, never, never>({
    agents: [
      Agent.make<Said>({
        id: scribe,
        description: "Writes everything down",
        capabilities: [{ intent: "note", description: "notes", keywords: ["note"], examples: [] }],
        handle: (input) =>
          Effect.zipRight(
            Effect.forEach([1, 2, 3], () => Effect.yieldNow(), { discard: true }),
            Effect.succeed(Agent.reply<Said>(`noted ${input.message.content}`, {
              state: { said: [...input.state.said, input.message.content] }
            }))
          )
      })
    ],
    stateSchema: Said,
    initialState: () => ({ said: [] }),
    entryAgent: scribe
  }).pipe(Effect.provideService(SessionStore.SessionStore, store))

/** How each writer reaches the store: its own connection where the backend has connections. */
interface Backend {
  readonly name: string
  readonly numRuns: number
  /** A store for one writer, open for the scope. */
  readonly writer: Effect.Effect<SessionStore.Service, unknown, Scope.Scope>
}

const fromLayer = (layer: Layer.Layer<SessionStore.SessionStore, unknown>) =>
  Effect.map(Layer.build(layer), Context.get(SessionStore.SessionStore))

interface Outcome {
  readonly writer: number
  readonly text: string
  readonly exit: Exit.Exit<Conversation.TurnResult, unknown>
}

const play = (backend: Backend, sessionId: string, writers: number, turns: number) =>
  Effect.gen(function*() {
    const stores = yield* Effect.forEach(Array.from({ length: writers }), () => backend.writer)
    const conversations = yield* Effect.forEach(stores, conversation)
    const outcomes = yield* Effect.forEach(
      conversations,
      (chat, writer) =>
        Effect.forEach(Array.from({ length: turns }, (_, i) => `note ${writer}-${i}`), (text) =>
          Effect.map(Effect.exit(chat.turn(sessionId, "ana", text)), (exit): Outcome => ({ writer, text, exit }))),
      { concurrency: "unbounded" }
    )
    const final = yield* stores[0]!.load(Ids.sessionId(sessionId))
    return { outcomes: outcomes.flat(), final }
  }).pipe(Effect.scoped)

const check = (outcomes: ReadonlyArray<Outcome>, final: Option.Option<SessionState.SessionState>) => {
  const acknowledged = outcomes.flatMap((outcome) =>
    Exit.isSuccess(outcome.exit) ? [{ ...outcome, version: outcome.exit.value.version }] : []
  )
  const failed = outcomes.filter((outcome) => Exit.isFailure(outcome.exit))
  // A turn that is not acknowledged failed with a typed error, never a defect.
  for (const outcome of failed) {
    const cause = (outcome.exit as Exit.Failure<never, unknown>).cause
    const error = Cause.failureOption(cause)
    expect(Cause.isDie(cause), `turn "${outcome.text}" died: ${Cause.pretty(cause)}`).toBe(false)
    expect(Option.isSome(error) && typeof (error.value as { _tag?: unknown })._tag === "string").toBe(true)
  }
  // With the default commit retries, every writer's turns get through.
  expect(
    failed.map((outcome) => `${outcome.text}: ${String(Cause.squash((outcome.exit as Exit.Failure<never, unknown>).cause))}`)
  ).toEqual([])

  // Versions: each writer's acknowledged turns at strictly increasing
  // versions, no version acknowledged twice, the last one the session's.
  for (let writer = 0; writer < outcomes.length; writer++) {
    const own = acknowledged.filter((outcome) => outcome.writer === writer).map((outcome) => outcome.version)
    expect(own).toEqual([...own].sort((a, b) => a - b))
    expect(new Set(own).size).toBe(own.length)
  }
  const versions = acknowledged.map((outcome) => outcome.version).sort((a, b) => a - b)
  expect(versions).toEqual(versions.map((_, i) => i + 1))

  const session = Option.getOrThrowWith(final, () => new Error("the session was not stored"))
  expect(session.version).toBe(acknowledged.length)
  // Every acknowledged message exactly once, in the order of the versions
  // they were acknowledged at; nothing of a failed turn.
  const inOrder = [...acknowledged].sort((a, b) => a.version - b.version).map((outcome) => outcome.text)
  const said = session.context.history.filter((message) => message.role === "user").map((message) => message.content)
  expect(said).toEqual(inOrder)
  expect(Schema.decodeUnknownSync(Said)(session.context.state).said).toEqual(inOrder)
  expect(session.context.history.map((message) => message.id)).toEqual(
    session.context.history.map((_, i) => `${session.sessionId}#${i}`)
  )
}

let runs = 0

const property = (backend: Backend) =>
  fc.assert(
    fc.asyncProperty(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 3 }), async (writers, turns) => {
      const id = `${backend.name}-${process.pid}-${runs++}`
      const { final, outcomes } = await Effect.runPromise(play(backend, id, writers, turns))
      expect(outcomes).toHaveLength(writers * turns)
      check(outcomes, final)
    }),
    { numRuns: backend.numRuns }
  )

// Each run plays up to 24 turns; on a busy 2-core machine a run can take seconds.
const TIMEOUT_MS = 240_000

describe("concurrent writers on one session", () => {
  it("memory: 3–8 writers all get their turns acknowledged, each message stored once", async () => {
    const shared = SessionStore.makeMemory()
    await property({ name: "memory", numRuns: 25, writer: Effect.succeed(shared) })
  }, TIMEOUT_MS)

  it("SQLite: 3–8 writers, each on its own connection to one file, all get their turns acknowledged", async () => {
    const filename = path.join(TempDir.create("baton-writers-").dir, "sessions.db")
    await property({
      name: "sqlite",
      numRuns: 12,
      writer: fromLayer(SqliteSessionStore.layer({ filename }))
    })
  }, TIMEOUT_MS)

  it("Redis: 3–8 writers, each with its own client, all get their turns acknowledged", async () => {
    const server = await RedisServer.start()
    try {
      await property({
        name: "redis",
        numRuns: 10,
        writer: fromLayer(RedisSessionStore.layer({ url: Redacted.make(server.url) }))
      })
    } finally {
      await server.dispose()
    }
  }, TIMEOUT_MS)
})
