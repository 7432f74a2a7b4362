/**
 * A writer process for the two-process tests. Run with
 * `node --import tsx writer.ts` (the packages as their compiled dist), its job as the
 * first line on its stdin (`processes.ts`): which store to open, the
 * session, the worker's name and how many items to append. It prints
 * `ready`, waits for a `go` line on stdin (so that all writers start
 * together), appends its items with read-modify-commit retried on conflict,
 * prints `{"conflicts":n}` and exits.
 */
import { Ids, SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { RedisSessionStore, SqliteSessionStore } from "@baton/session"
import { readJob } from "./jobLine.js"
import { appendItem } from "./sessions.js"

export interface WriterJob {
  readonly store: { readonly kind: "sqlite"; readonly filename: string } | { readonly kind: "redis"; readonly url: string }
  readonly sessionId: string
  readonly userId: string
  readonly worker: string
  readonly count: number
}

const { job, lines } = await readJob<WriterJob>()
const layer = job.store.kind === "sqlite"
  ? SqliteSessionStore.layer({ filename: job.store.filename })
  : RedisSessionStore.layer({ url: Redacted.make(job.store.url) })

const go = (async () => {
  for (let line = await lines.next(); line.done !== true; line = await lines.next()) {
    if (line.value.trim() === "go") return
  }
})()

let conflicts = 0
const program = Effect.gen(function*() {
  const store = yield* SessionStore.SessionStore
  const sessionId = Ids.sessionId(job.sessionId)
  const userId = Ids.userId(job.userId)
  process.stdout.write("ready\n")
  yield* Effect.promise(() => go)
  for (let i = 0; i < job.count; i++) {
    yield* appendItem(store, sessionId, userId, `${job.worker}-${i}`, () => conflicts++)
  }
})

Effect.runPromise(Effect.provide(program, layer)).then(
  () => {
    process.stdout.write(`${JSON.stringify({ conflicts })}\n`)
    process.exit(0)
  },
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
