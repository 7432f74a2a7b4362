/**
 * A deadline without a race. `Effect.timeout` forks the call and a sleeper
 * on every call and races them (about 12 µs per call here). A deadline
 * instead:
 *
 * - returns a call that is already a value (an `Exit`, e.g.
 *   `Effect.succeed`) as it is: it cannot take time;
 * - starts any other call on a child fiber *on the current stack*
 *   (`Runtime.runFork` runs a fiber synchronously until it first
 *   suspends): a call that completes without suspending returns at once,
 *   with no timer at all;
 * - arms a timer only for a call that suspends: a plain `setTimeout` with
 *   the live clock, a fiber sleeping on the policy's `Clock` otherwise (so
 *   that `TestClock` drives it in tests).
 *
 * The child runs with the caller's context, fiber refs and runtime flags.
 * Changes it makes to fiber refs are not copied back to the caller: a policy
 * is a boundary. When the caller is interrupted, the child is interrupted
 * and awaited. When the deadline passes, the child is interrupted and the
 * call fails once the child has finished (its finalizers have run); a child
 * that ignores interruption (an uninterruptible region) still fails the call
 * with the timeout once it ends.
 */
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import { guard } from "./step.js"

export interface Deadline<E2> {
  readonly clock: Clock.Clock
  /** Read once per call, when it starts; `Infinity` runs the call as is. */
  readonly timeoutMs: () => number
  readonly onTimeout: (timeoutMs: number) => Effect.Effect<never, E2>
  /** When set, receives each call's duration (the timeout when it expired). */
  readonly observe?: ((durationMs: number, timedOut: boolean) => void) | undefined
}

// The live clock's `sleep` is a prototype method: every live clock shares it.
const liveSleep = Clock.make().sleep

/** Runs `task` after `ms`; returns the cancellation. */
const timer = (clock: Clock.Clock, runtime: Runtime.Runtime<never>, ms: number, task: () => void): () => void => {
  if (clock.sleep === liveSleep) {
    const handle = setTimeout(task, Math.min(ms, 2 ** 31 - 1))
    return () => clearTimeout(handle)
  }
  const sleeper = Runtime.runFork(runtime)(Effect.flatMap(clock.sleep(Duration.millis(ms)), () => Effect.sync(task)))
  return () => sleeper.unsafeInterruptAsFork(sleeper.id())
}

export const make = <E2>(deadline: Deadline<E2>) => {
  const { clock, observe, onTimeout, timeoutMs } = deadline
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R> =>
    Exit.isExit(self) ? self : guard<A, E | E2, R>((parent, runtimeFlags) => {
      const ms = timeoutMs()
      if (!Number.isFinite(ms)) return self
      const start = observe === undefined ? 0 : clock.unsafeCurrentTimeMillis()
      const runtime = Runtime.make({
        context: parent.currentContext as Context.Context<R>,
        runtimeFlags,
        fiberRefs: parent.getFiberRefs()
      })
      const child = Runtime.runFork(runtime)(self)
      const done = child.unsafePoll()
      if (done !== null) {
        if (observe !== undefined) observe(clock.unsafeCurrentTimeMillis() - start, false)
        return done
      }
      // The call suspended: arm the timer now, so that the call is bounded by
      // its deadline even if the caller never gets to wait for it.
      let expired = false
      let exit: Exit.Exit<A, E> | undefined
      let resume: ((effect: Effect.Effect<A, E | E2>) => void) | undefined
      const outcome = () => expired ? onTimeout(ms) : exit!
      const cancel = timer(clock, runtime as Runtime.Runtime<never>, ms, () => {
        expired = true
        child.unsafeInterruptAsFork(parent.id())
      })
      child.addObserver((done) => {
        cancel()
        if (observe !== undefined) observe(expired ? ms : clock.unsafeCurrentTimeMillis() - start, expired)
        exit = done
        if (resume !== undefined) resume(outcome())
      })
      // Interrupting the caller interrupts the call. (An `onExit` frame costs
      // about half of what a canceler returned to `Effect.async` costs.)
      const wait = Effect.async<A, E | E2>((callback) => {
        if (exit !== undefined) callback(outcome())
        else resume = callback
      })
      return Effect.onExit(wait, () => {
        if (exit !== undefined) return Effect.void
        cancel()
        return Fiber.interrupt(child)
      })
    })
}
