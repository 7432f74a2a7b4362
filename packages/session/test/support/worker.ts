/**
 * A worker process for the crash tests, on the Redis store. Run with
 * `node --import tsx worker.ts` (the packages as their compiled dist), its job (see
 * `WorkerJob`) as the first line on its stdin (`processes.ts`). It writes
 * one line per fact to stdout:
 *
 * - `first`: plays `turns` leased turns (`ack <i>` once turn `i` returned),
 *   starting the booking workflow (run `runId`) after turn 1. The payment
 *   step blocks after its side effect (`blocked pay`), and turn `turns`
 *   blocks inside its agent (`in-turn <i>`): the test kills the process with
 *   SIGKILL there, in the middle of a turn and of the workflow.
 * - `successor`: takes the session's lease (waiting for the dead worker's to
 *   expire), resumes the session's unfinished workflows with that fencing
 *   token, plays one more turn, prints a JSON report and exits.
 *
 * The booking's side effects go to a ledger in the same Redis, keyed by
 * idempotency key (see booking.ts).
 */
import { Agent, Conversation, Ids, SessionStore, WorkflowCheckpoint, WorkflowExecutor } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { Redis } from "ioredis"
import { RedisSessionStore, SessionManager } from "@baton/session"
import { bookTrip, type Ledger } from "./booking.js"
import { readJob } from "./jobLine.js"

export interface WorkerJob {
  readonly mode: "first" | "successor"
  readonly url: string
  readonly sessionId: string
  readonly userId: string
  readonly worker: string
  readonly runId: string
  /** `first`: the turns acknowledged before the one that hangs. */
  readonly turns: number
  readonly leaseTtlMs: number
}

/** The ledger's keys: every call as `worker|step|key`, and the worker that applied each key's effect. */
export const ledgerKeys = { calls: "test:ledger:calls", effects: "test:ledger:effects" } as const

export const redisLedger = (client: Redis, worker: string): Ledger => ({
  call: (step, key) =>
    Effect.promise(async () => {
      await client.rpush(ledgerKeys.calls, `${worker}|${step}|${key}`)
      await client.hsetnx(ledgerKeys.effects, key, worker)
    })
})

const say = (line: string) => Effect.sync(() => void process.stdout.write(`${line}\n`))

const Notes = Schema.Struct({ notes: Schema.Array(Schema.String) })
type Notes = typeof Notes.Type
const concierge = Ids.agentId("concierge")

const conversation = (job: WorkerJob, hangOn: string | undefined) =>
  Conversation.make<Notes, never, never>({
    agents: [
      Agent.make<Notes>({
        id: concierge,
        description: "Concierge",
        capabilities: [{ intent: "travel", description: "anything", keywords: ["turn"], examples: [] }],
        handle: (input) =>
          input.message.content === hangOn
            ? Effect.zipRight(say(`in-turn ${hangOn}`), Effect.never)
            : Effect.succeed(
              Agent.reply<Notes>(`noted: ${input.message.content}`, {
                state: { notes: [...input.state.notes, input.message.content] }
              })
            )
      })
    ],
    stateSchema: Notes,
    initialState: () => ({ notes: [] }),
    entryAgent: concierge,
    // The workflow's checkpoints commit to the same session between a turn's read and its write.
    commitRetries: 50,
    leases: { owner: job.worker, ttl: `${job.leaseTtlMs} millis`, attempts: 400, backoff: "25 millis" }
  })

const first = (job: WorkerJob, ledger: Ledger) =>
  Effect.gen(function*() {
    const sessionId = Ids.sessionId(job.sessionId)
    const userId = Ids.userId(job.userId)
    const chat = yield* conversation(job, `turn ${job.turns}`)
    for (let i = 0; i <= job.turns; i++) {
      yield* chat.turn(sessionId, userId, `turn ${i}`)
      yield* say(`ack ${i}`)
      if (i === 1) {
        const checkpoint = yield* WorkflowCheckpoint.makeSessionStore({ sessionId })
        yield* Effect.forkDaemon(
          WorkflowExecutor.execute(bookTrip(ledger, { blockAt: "pay", onBlocked: say("blocked pay") }), {
            runId: job.runId,
            checkpoint
          }).pipe(Effect.orDie)
        )
      }
    }
  })

const successor = (job: WorkerJob, ledger: Ledger) =>
  Effect.gen(function*() {
    const sessionId = Ids.sessionId(job.sessionId)
    const userId = Ids.userId(job.userId)
    const store = yield* SessionStore.SessionStore
    const manager = yield* SessionManager.SessionManager
    const lease = yield* store.acquireLease(sessionId, job.worker, `${job.leaseTtlMs} millis`).pipe(
      Effect.retry({ schedule: Schedule.spaced("25 millis"), times: 800, while: (error) => error._tag === "LeaseHeld" })
    )
    yield* say(`lease ${lease.token}`)
    const report = yield* manager.resumeUnfinished(sessionId, userId, [bookTrip(ledger)], { fencingToken: lease.token })
    yield* store.releaseLease(lease)
    const chat = yield* conversation(job, undefined)
    yield* chat.turn(sessionId, userId, "after the crash")
    yield* say("ack after the crash")
    yield* say(JSON.stringify({
      resumed: report.resumed.map(({ completed, reused, runId, status }) => ({ runId, status, completed, reused })),
      failed: report.failed.map(({ error, runId }) => ({ runId, error: error.message })),
      withoutDefinition: report.withoutDefinition
    }))
  })

const main = (job: WorkerJob) => {
  const url = Redacted.make(job.url)
  const program = Effect.scoped(Effect.gen(function*() {
    const ledger = redisLedger(yield* RedisSessionStore.connect(url), job.worker)
    yield* job.mode === "first" ? first(job, ledger) : successor(job, ledger)
  }))
  const layer = Layer.provideMerge(SessionManager.layer, RedisSessionStore.layer({ url }))
  return Effect.runPromise(Effect.provide(program, layer))
}

if (process.argv[1]?.endsWith("worker.ts")) {
  readJob<WorkerJob>().then(({ job }) => main(job)).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${String(error)}\n`)
      process.exit(1)
    }
  )
}
