/**
 * A cluster worker: a process that reads its options from the first line on
 * stdin (they hold the store's URL, password included, so they are never on
 * its command line), loads the host app over the shared Redis session
 * store, takes session assignments on stdin and plays their turns,
 * acknowledging each committed turn on stdout (`ClusterProtocol`).
 *
 * Where a session stands is always read from the store, never assumed: a
 * turn whose commit landed before a crash (of this worker, of the previous
 * one, or of the store's connection) shows in the stored history, so it is
 * acknowledged as `recovered` and never played again; a turn that did not
 * commit is played. A failed turn is played again (`replay`), after reading
 * the store again, until `retryForMs` have passed since the session's last
 * progress; with `replay` off the worker gives the session up at its first
 * failed turn, so that only Baton's own recovery (its policies, fallbacks
 * and store) stands between a fault and a failed turn. A turn that hangs is
 * abandoned after `turnTimeoutMs`.
 *
 * Each turn runs with its own `EventBus` (`TurnOutcome`): its
 * acknowledgement says what it came to (ok, degraded, failed) and how many
 * calls Baton's retry policy tried again and fallbacks answered.
 *
 * A store holding fewer turns than were acknowledged (a Redis master that
 * died before its replica had them) is said (`Rewound`), and the missing
 * turns are played again.
 *
 * Each turn holds the session's store lease for this worker, so a worker
 * that took over from a dead one waits until the dead one's lease expires.
 *
 * A fault is checked with the app's injector (`BatonApp.validateFault`: the
 * services it injects into, its grammar) before it is set; one it refuses,
 * or cannot set, is reported (`FaultRefused`) and never injected.
 *
 * The worker stops when its stdin closes: when the coordinator stops it or
 * dies.
 *
 * @since 0.1.0
 */
import { BatonApp, Conversation, EventBus, Ids, JsonInput, Message, type SessionState, SessionStore } from "@baton/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { createInterface } from "node:readline"
import type * as Recorder from "../load/Recorder.js"
import * as TurnOutcome from "../load/TurnOutcome.js"
import * as Protocol from "./ClusterProtocol.js"
import { ClusterError } from "./ClusterError.js"
import * as Modules from "./internal/modules.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct({
  /** The host app module's path. */
  app: Schema.String,
  store: Schema.Struct({
    url: Schema.String,
    module: Schema.optionalWith(Schema.String, { exact: true }),
    waitForReplicas: Schema.optionalWith(Schema.Struct({ replicas: Schema.Number, timeoutMs: Schema.Number }), { exact: true })
  }),
  transport: Schema.Literal(...BatonApp.transports),
  /** This worker's name: the owner of the leases it takes. */
  owner: Schema.String,
  /** Sessions played at once. */
  concurrency: Schema.Number,
  leaseTtlMs: Schema.Number,
  retryForMs: Schema.Number,
  /** Whether a failed turn is played again (default) or its session given up at once. @since 0.2.0 */
  replay: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** A turn still running after this long is abandoned and tried again. */
  turnTimeoutMs: Schema.Number
})
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

const send = (message: Protocol.FromWorker) => Effect.sync(() => void process.stdout.write(Protocol.encode(message)))

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error
    ? String(error.message)
    : String(error)

/** The user's messages in the stored history: one per committed turn (an interrupted turn's is none). */
const committedTurns = (session: Option.Option<SessionState.SessionState>) =>
  Option.match(session, {
    onNone: () => [],
    onSome: (state) => state.context.history.filter((message) => message.role === "user" && !Message.isInterrupted(message))
  })

/** The agent that answered the `turn`-th user message, from the stored history. */
const answeredBy = (state: SessionState.SessionState, turn: number): string => {
  let users = -1
  let agent = state.currentAgent ?? ""
  for (const message of state.context.history) {
    if (message.role === "user" && !Message.isInterrupted(message)) {
      if (users === turn) break
      users++
    } else if (users === turn && message.agent !== undefined) {
      agent = message.agent
    }
  }
  return agent
}

const leaseRetry = Schedule.exponential("20 millis", 1.5).pipe(
  Schedule.union(Schedule.spaced("500 millis")),
  Schedule.jittered
)

const play = (options: Options) => (assign: Protocol.Assign) =>
  Effect.gen(function*() {
    const conversation = yield* Conversation.Conversation
    const store = yield* SessionStore.SessionStore
    let acked = assign.acked
    let attempts = 0
    let lastProgress = yield* Clock.currentTimeMillis
    const retryable = (turn: number, error: string, outcome?: Recorder.Outcome) =>
      Effect.gen(function*() {
        attempts++
        const now = yield* Clock.currentTimeMillis
        if (!options.replay || now - lastProgress > options.retryForMs) {
          yield* send({
            _tag: "GaveUp",
            sessionId: assign.sessionId,
            turn,
            attempts,
            error,
            ...(outcome === undefined ? {} : { outcome })
          })
          return false
        }
        yield* send({ _tag: "Retrying", sessionId: assign.sessionId, turn, error })
        yield* Effect.sleep(Duration.millis(Math.min(1_000, 50 * 2 ** Math.min(attempts, 5))))
        return true
      })

    const acknowledge = (turn: number, observed: TurnOutcome.Observed) => (result: Conversation.TurnResult) =>
      send({
        _tag: "Ack",
        sessionId: assign.sessionId,
        turn,
        agent: result.agent,
        handoffs: result.handoffs,
        durationMs: result.durationMs,
        version: result.version,
        retries: attempts,
        recovered: false,
        outcome: TurnOutcome.outcomeOf(Exit.succeed(result), observed),
        policyRetries: observed.retries,
        fallbacks: observed.fallbacks,
        workflows: observed.workflows
      })

    while (true) {
      const stored = yield* Effect.either(conversation.session(assign.sessionId, assign.userId))
      if (stored._tag === "Left") {
        if (yield* retryable(acked, describe(stored.left))) continue
        return
      }
      const committed = committedTurns(stored.right).length
      // Acknowledged turns the store no longer holds (a Redis master died
      // before its replica had them): said, then played again from what the
      // store holds.
      if (committed < acked) {
        yield* send({ _tag: "Rewound", sessionId: assign.sessionId, acknowledged: acked, stored: committed })
        acked = committed
      }
      // Committed turns nobody acknowledged: their acknowledgement was lost
      // with a process or a connection, not the turn.
      for (; acked < Math.min(committed, assign.turns.length) && Option.isSome(stored.right); acked++) {
        yield* send({
          _tag: "Ack",
          sessionId: assign.sessionId,
          turn: acked,
          agent: answeredBy(stored.right.value, acked),
          handoffs: [],
          durationMs: 0,
          version: stored.right.value.version,
          retries: attempts,
          recovered: true,
          policyRetries: 0,
          fallbacks: 0,
          workflows: []
        })
        attempts = 0
        lastProgress = yield* Clock.currentTimeMillis
      }
      if (committed >= assign.turns.length) return
      const turn = committed
      const observed = TurnOutcome.make()
      const outcome = yield* Effect.either(
        Effect.acquireUseRelease(
          store.acquireLease(Ids.sessionId(assign.sessionId), options.owner, Duration.millis(options.leaseTtlMs)).pipe(
            Effect.retry({
              schedule: leaseRetry.pipe(Schedule.upTo(Duration.millis(options.leaseTtlMs * 2))),
              while: (error) => error._tag === "LeaseHeld"
            })
          ),
          // Acknowledged while the lease is held: the window in which a turn
          // is committed but not acknowledged stays as short as it can be.
          () =>
            conversation.turn(assign.sessionId, assign.userId, assign.turns[turn]!).pipe(
              Effect.provideService(EventBus.EventBus, TurnOutcome.bus(observed)),
              Effect.timeoutFail({
                duration: Duration.millis(options.turnTimeoutMs),
                onTimeout: () => new Cause.TimeoutException(`the turn took longer than ${options.turnTimeoutMs} ms`)
              }),
              Effect.tap(acknowledge(turn, observed))
            ),
          (lease) => Effect.ignore(store.releaseLease(lease))
        )
      )
      if (outcome._tag === "Left") {
        if (yield* retryable(turn, describe(outcome.left), TurnOutcome.outcomeOf(Exit.fail(outcome.left), observed))) continue
        return
      }
      acked = turn + 1
      attempts = 0
      lastProgress = yield* Clock.currentTimeMillis
    }
  }).pipe(
    Effect.catchAllDefect((defect) =>
      send({ _tag: "GaveUp", sessionId: assign.sessionId, turn: assign.acked, attempts: 0, error: describe(defect) })
    )
  )

const setFault = (fault: Protocol.Fault) =>
  Effect.gen(function*() {
    const injector = yield* Effect.serviceOption(BatonApp.FaultInjector)
    const spec = fault.spec
    const refuse = (reason: string) => send({ _tag: "FaultRefused", service: fault.service, spec: spec ?? "", reason })
    if (Option.isNone(injector)) {
      return spec === undefined ? undefined : yield* refuse("the app provides no BatonApp.FaultInjector")
    }
    if (spec === undefined) {
      if (!injector.value.services.includes(fault.service)) return
    } else {
      // Checked with the app's own injector before anything is set: a spec
      // it does not read is refused, not injected to fail turn after turn.
      const valid = BatonApp.validateFault(injector.value, fault.service, spec)
      if (Either.isLeft(valid)) return yield* refuse(valid.left.reason)
    }
    const change = spec === undefined ? injector.value.clear(fault.service) : injector.value.set(fault.service, spec)
    // A service whose connection a fault just closed is reconnecting: ask
    // again until it answers, so a fault is never left on by accident.
    const done = yield* Effect.either(Effect.retry(change, Schedule.spaced("100 millis").pipe(Schedule.upTo("10 seconds"))))
    if (Either.isLeft(done) && spec !== undefined) yield* refuse(`the injector failed: ${describe(done.left)}`)
  })

const reportMemory = Effect.suspend(() => {
  const memory = process.memoryUsage()
  return send({ _tag: "Stats", rssBytes: memory.rss, heapUsedBytes: memory.heapUsed })
}).pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.asVoid)

/**
 * The lines of this process's stdin, read by one reader from start to end:
 * the options line and the messages after it come from the same buffer, so
 * none is lost between them.
 *
 * @since 0.2.0 @category constructors
 */
export const stdinLines = (): AsyncIterator<string> =>
  createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]()

/**
 * Serves the assignments read from `lines` (default: stdin) until they end.
 *
 * @since 0.1.0 @category constructors
 */
export const run = (options: Options, lines: AsyncIterator<string> = stdinLines()): Effect.Effect<void, ClusterError> =>
  Effect.gen(function*() {
    const app = yield* Modules.app(options.app)
    const store = yield* Modules.storeLayer(options.store)
    yield* Effect.scoped(
      Effect.gen(function*() {
        // A worker started while the store is down (a Redis restart) waits
        // for it instead of failing its start.
        const stored = yield* Layer.build(store).pipe(
          Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.upTo("15 seconds"))),
          Effect.mapError((error) => new ClusterError({ reason: `the session store is unreachable: ${describe(error)}` }))
        )
        const context = yield* Layer.build(app.layer({ transport: options.transport })).pipe(
          Effect.provide(stored),
          Effect.map((built) => Context.merge(stored, built)),
          Effect.mapError((error) => new ClusterError({ reason: `the app did not start: ${describe(error)}` }))
        )
        const semaphore = yield* Effect.makeSemaphore(Math.max(1, options.concurrency))
        yield* send({ _tag: "Ready", pid: process.pid, owner: options.owner })
        yield* Effect.forkScoped(reportMemory)
        const runtime = yield* Effect.runtime<never>()
        const fork = <A>(effect: Effect.Effect<A, never, Conversation.Conversation | SessionStore.SessionStore>) =>
          void Runtime.runFork(runtime)(Effect.provide(effect, context))
        yield* Effect.promise(async () => {
          for (let line = await lines.next(); line.done !== true; line = await lines.next()) {
            const message = Protocol.decodeToWorkerLine(line.value)
            if (Option.isNone(message)) continue
            if (message.value._tag === "Assign") fork(semaphore.withPermits(1)(play(options)(message.value)))
            else fork(setFault(message.value))
          }
        })
      })
    )
  })

/**
 * Reads the options line. Its text is never quoted in an error: it holds
 * the store's password.
 */
const readOptions = (lines: AsyncIterator<string>): Effect.Effect<Options, ClusterError> =>
  Effect.flatMap(Effect.promise(() => lines.next()), (first) => {
    if (first.done === true) return Effect.fail(new ClusterError({ reason: "no worker options: stdin closed before its first line" }))
    const json = JsonInput.parse(first.value)
    if (Either.isLeft(json)) return Effect.fail(new ClusterError({ reason: "bad worker options: the first line on stdin is not JSON" }))
    return Schema.decodeUnknown(Options)(json.right).pipe(
      Effect.mapError((error) => new ClusterError({ reason: `bad worker options: ${error.message}` }))
    )
  })

/**
 * The worker process's program: its options as JSON in the first line on
 * stdin (never on its command line: they hold the store's URL with its
 * password), then the coordinator's messages. Exits 0 when stdin closes, 1
 * when the worker could not start.
 *
 * @since 0.1.0 @category main
 */
export const main = (): Promise<void> => {
  const lines = stdinLines()
  return Effect.runPromise(
    readOptions(lines).pipe(
      Effect.flatMap((options) => run(options, lines)),
      Effect.matchEffect({
        onFailure: (error) => Effect.as(send({ _tag: "Failed", reason: error.message }), 1),
        onSuccess: () => Effect.succeed(0)
      })
    )
  ).then((code) => {
    // Whatever the app left running (timers, sockets) must not keep a
    // stopped worker alive.
    process.exit(code)
  })
}
