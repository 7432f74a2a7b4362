/**
 * The resilience policies' success path: a call that succeeds, guarded by a
 * service's full stack (bulkhead + circuit breaker + timeout + retry),
 * against the bare call and against cockatiel and opossum guarding the same
 * call.
 *
 * A single call costs a few microseconds, below what tinybench can time
 * per iteration, so each iteration makes 1,000 sequential calls — inside one
 * running fiber for Effect (one `Effect.runPromise` per iteration), inside
 * one async function for the Promise libraries — and the table reports per
 * call figures (`Case.batch`): p50/p99 are percentiles of 1,000-call
 * averages, so they understate single-call tails.
 *
 * Three kinds of call: a value (`Effect.succeed`: the stack runs
 * synchronously and the timeout needs no fiber), code that completes
 * without suspending (`Effect.sync`: the timeout starts it on a child fiber,
 * about 1 µs), and a call that suspends once (the timeout also arms a timer
 * and the caller waits for the child). cockatiel and opossum run a plain
 * function; their timeouts race a timer against the promise and, unlike
 * Baton's, do not interrupt the call.
 */
import { ResiliencePolicy } from "@baton/core"
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  timeout,
  TimeoutStrategy,
  wrap
} from "cockatiel"
import * as Effect from "effect/Effect"
import OpossumBreaker from "opossum"
import type { Case, Suite } from "./Suite.js"

const BATCH = 1_000

/** `call()` `BATCH` times, one after the other, in one fiber. */
const inFiber = (call: () => Effect.Effect<unknown, unknown>): () => Promise<void> => {
  let i = 0
  const batch = Effect.suspend(() => {
    i = 0
    return Effect.whileLoop({ while: () => i++ < BATCH, body: call, step: () => {} })
  })
  return () => Effect.runPromise(batch)
}

/** `call()` `BATCH` times, one after the other, in one async function. */
const inAsync = (call: () => Promise<unknown>) => async () => {
  for (let i = 0; i < BATCH; i++) await call()
}

const value = { ok: true }
const succeed = Effect.succeed(value)
const computed = Effect.sync(() => value)
const suspendsOnce = Effect.as(Effect.yieldNow(), value)

const baton = Effect.runSync(ResiliencePolicy.make({
  service: "bench",
  config: {
    timeoutMs: 1_000,
    retry: { maxRetries: 3 },
    breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 5 } },
    bulkhead: { maxConcurrent: 10, maxQueued: 100 }
  }
}))

const cockatielStack = wrap(
  retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
  circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
  timeout(1_000, TimeoutStrategy.Aggressive)
)
const syncValue = () => value

let opossum: OpossumBreaker<[], typeof value> | undefined

const perCall = (c: Omit<Case, "batch">): Case => ({ ...c, batch: BATCH })

export const suite: Suite = {
  name: "policies",
  cases: [
    perCall({ name: "bare call (Effect.succeed, in a running fiber)", fn: inFiber(() => succeed) }),
    perCall({
      name: "Baton full stack (bulkhead + breaker + timeout + retry)",
      fn: inFiber(() => baton(succeed)),
      target: { p50: 0.005, p99: 0.05 }
    }),
    perCall({
      name: "cockatiel wrap(retry, breaker, timeout)",
      fn: inAsync(() => cockatielStack.execute(syncValue))
    }),
    perCall({
      name: "opossum (breaker + timeout)",
      setup: () => {
        opossum = new OpossumBreaker(async () => value, { timeout: 1_000, errorThresholdPercentage: 50, resetTimeout: 10_000 })
      },
      fn: inAsync(() => opossum!.fire()),
      teardown: () => opossum?.shutdown()
    }),
    perCall({ name: "bare call that runs code (Effect.sync)", fn: inFiber(() => computed) }),
    perCall({ name: "Baton full stack, call that runs code (Effect.sync)", fn: inFiber(() => baton(computed)) }),
    perCall({
      name: "reference: Effect.timeout alone, call that runs code",
      fn: inFiber(() => Effect.timeoutFail(computed, { duration: 1_000, onTimeout: () => "timeout" }))
    }),
    perCall({ name: "bare call that suspends once (Effect.yieldNow)", fn: inFiber(() => suspendsOnce) }),
    perCall({ name: "Baton full stack, call that suspends once", fn: inFiber(() => baton(suspendsOnce)) })
  ]
}
