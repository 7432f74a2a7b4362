/**
 * Card numbers never reach anything written: turns whose text holds a card
 * number in a generated format (any grouping and separators, ASCII or other
 * Unicode digits, inside free text) and a verification code are played
 * through `Conversation` on a real SQLite file and on a real Redis server
 * with an append-only file, and then everything the turns wrote or handed
 * out is searched for the number, as bytes: the database file and its WAL,
 * the AOF, the stored events, an export, and the turn results and events
 * published on the `EventBus` (what transcripts are made of).
 */
import { Agent, Conversation, EventBus, Ids, SessionStore } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import { RedisSessionStore, SessionManager, SqliteSessionStore } from "../src/index.js"
import { card, code, forms, freeText } from "./support/cards.js"
import * as RedisServer from "./support/RedisServer.js"
import * as TempDir from "./support/TempDir.js"

afterAll(async () => {
  await RedisServer.disposeAll()
  TempDir.removeAll()
})

// --- an application that repeats and keeps whatever it is told --------------

const Said = Schema.Struct({ said: Schema.Array(Schema.String) })
type Said = typeof Said.Type

const echo = Agent.make<Said>({
  id: Ids.agentId("echo"),
  description: "Says back what it was told and keeps it",
  capabilities: [{ intent: "echo", description: "anything", keywords: [], examples: [] }],
  handle: (input) =>
    Effect.succeed(Agent.reply<Said>(`You said: ${input.message.content}`, {
      state: { said: [...input.state.said, input.message.content] },
      preferences: { lastSaid: input.message.content }
    }))
})

const app = Conversation.make<Said, never, never>({
  agents: [echo],
  stateSchema: Said,
  initialState: () => ({ said: [] }),
  entryAgent: echo.id
})

// --- the stores, on disk ------------------------------------------------------

interface Backend {
  readonly name: string
  readonly store: SessionStore.Service
  readonly conversation: Conversation.Service
  readonly manager: SessionManager.Service
  /** The folder holding every file the store writes. */
  readonly dir: string
}

const backend = (name: string, store: SessionStore.Service, dir: string) =>
  Effect.gen(function*() {
    const conversation = yield* app.pipe(Effect.provideService(SessionStore.SessionStore, store))
    const manager = yield* SessionManager.make.pipe(Effect.provideService(SessionStore.SessionStore, store))
    return { name, store, conversation, manager, dir } satisfies Backend
  })

const sqlite = Effect.gen(function*() {
  const dir = yield* TempDir.scoped("baton-card-sqlite-")
  const db = yield* SqliteSessionStore.open(path.join(dir, "baton.db"))
  return yield* backend("sqlite", yield* SqliteSessionStore.make(db), dir)
})

const redis = Effect.gen(function*() {
  const server = yield* RedisServer.scopedAppendOnly
  const client = yield* RedisSessionStore.connect(server.url)
  return yield* backend("redis", yield* RedisSessionStore.make(client, { url: server.url }), server.dir)
})

interface Sink {
  readonly where: string
  readonly bytes: Buffer
}

const filesUnder = (dir: string): ReadonlyArray<Sink> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(file) : [{ where: file, bytes: fs.readFileSync(file) }]
  })

const json = (where: string, value: unknown): Sink => ({ where, bytes: Buffer.from(JSON.stringify(value)) })

/**
 * Plays `texts` as turns of a new session on every backend, and returns
 * everything written or handed out: each backend's turn results, stored
 * events, export and files, and the events published meanwhile.
 */
const play = (backends: ReadonlyArray<Backend>, bus: Context.Tag.Service<EventBus.EventBus>, run: number, texts: ReadonlyArray<string>) =>
  Effect.scoped(Effect.gen(function*() {
    const stream = yield* bus.subscribe
    const turns = backends.length * texts.length
    let completed = 0
    const published = yield* Effect.fork(Stream.runCollect(Stream.takeUntil(stream, (event) =>
      event._tag === "TurnCompleted" && ++completed === turns
    )))
    const sinks: Array<Sink> = []
    for (const { conversation, dir, manager, name, store } of backends) {
      const sessionId = Ids.sessionId(`card-${name}-${run}`)
      const userId = Ids.userId(`user-${run}`)
      const results = yield* Effect.forEach(texts, (text) =>
        conversation.turn(sessionId, userId, text).pipe(Effect.provideService(EventBus.EventBus, bus)))
      sinks.push(
        json(`${name}: turn results`, results),
        json(`${name}: stored events`, yield* store.events(sessionId)),
        { where: `${name}: export`, bytes: Buffer.from(yield* manager.exportSession(sessionId, userId)) },
        ...filesUnder(dir)
      )
    }
    sinks.push(json("published events", yield* published))
    return sinks
  }))

let runs = 0

describe("Card data in everything written", () => {
  it.scoped(
    "a card number in any format and a verification code, told in turns, are in no file, event, export or result (property)",
    () =>
      Effect.gen(function*() {
        const backends = [yield* sqlite, yield* redis]
        const bus = Context.get(yield* Layer.build(EventBus.layer()), EventBus.EventBus)
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(card, code, freeText, freeText, async (written, cvv, before, after) => {
              const run = ++runs
              const marker = `zqmarker${run}x`
              const sinks = await Effect.runPromise(play(backends, bus, run, [
                `${marker} ${before} ${written.chars.join("")} ${after}`,
                `${marker} and the CVV ${cvv.written}, thanks`
              ]))
              // The scan reads what the turns wrote: their marker is in every sink.
              const holding = sinks.filter((sink) => sink.bytes.includes(marker)).map((sink) => sink.where)
              for (const name of backends.map((b) => b.name)) {
                expect(holding).toEqual(expect.arrayContaining([`${name}: turn results`, `${name}: stored events`, `${name}: export`]))
              }
              expect(holding).toContain("published events")
              expect(holding.some((where) => /\.db(-wal)?$/.test(where))).toBe(true)
              expect(holding.some((where) => /\.aof$/.test(where))).toBe(true)

              const leaks = sinks.flatMap(({ bytes, where }) =>
                forms(written, cvv).filter((form) => bytes.includes(form)).map((form) => `${where}: ${JSON.stringify(form)}`)
              )
              expect(leaks).toEqual([])
            }),
            { numRuns: 25 }
          )
        )
      }),
    60_000
  )
})
