/**
 * A booking workflow whose steps are side effects on a ledger, shared by the
 * in-process recovery tests and the worker processes (no test-runner imports
 * here).
 *
 * The ledger plays an external service that honours idempotency keys: every
 * call is recorded, and the side effect is applied only the first time a key
 * is seen. The tests read both, so a step that ran twice with the same key
 * (cut off by a crash, run again by the successor) shows as two calls and one
 * effect, and a step that ran twice with different keys shows as two effects.
 */
import { Workflow } from "@baton/core"
import * as Effect from "effect/Effect"

export interface Ledger {
  /** Records a call of `step` and applies its side effect unless `key` was seen. */
  readonly call: (step: string, key: string) => Effect.Effect<void>
}

/** A ledger in memory: `calls` in order, `effects` applied per key. */
export const memoryLedger = () => {
  const calls: Array<{ readonly step: string; readonly key: string }> = []
  const effects = new Map<string, number>()
  const ledger: Ledger = {
    call: (step, key) =>
      Effect.sync(() => {
        calls.push({ step, key })
        if (!effects.has(key)) effects.set(key, 1)
      })
  }
  return { ledger, calls, effects }
}

export const WORKFLOW = "book-trip"

export interface BookingOptions {
  /** After its side effect, this step waits forever: the worker is killed (or interrupted) there. */
  readonly blockAt?: "reserve" | "pay" | "confirm"
  /** Runs when the step blocks, before it waits (tells the test it may crash the worker). */
  readonly onBlocked?: Effect.Effect<void>
}

/** reserve → pay → confirm, each a side effect keyed by its idempotency key. */
export const bookTrip = (ledger: Ledger, options: BookingOptions = {}) => {
  const act = <A>(step: "reserve" | "pay" | "confirm", key: string, output: A) =>
    Effect.as(
      Effect.zipRight(
        ledger.call(step, key),
        options.blockAt === step ? Effect.zipRight(options.onBlocked ?? Effect.void, Effect.never) : Effect.void
      ),
      output
    )
  return Workflow.make(WORKFLOW)
    .step("reserve", { run: (_, { idempotencyKey }) => act("reserve", idempotencyKey, { reservation: "R-1" }) })
    .step("pay", {
      dependsOn: ["reserve"],
      run: ({ reserve }, { idempotencyKey }) => act("pay", idempotencyKey, { paid: reserve.reservation })
    })
    .step("confirm", {
      dependsOn: ["pay"],
      run: ({ pay }, { idempotencyKey }) => act("confirm", idempotencyKey, { confirmed: pay.paid })
    })
}
