/**
 * Synchronous-first policies. Every policy returns a *guarded* effect: one
 * runtime op that, when it runs, does the policy's admission, runs the
 * guarded call's own step at once, and finishes the policy's bookkeeping
 * synchronously when the call has already completed — returning its `Exit`.
 * Only when the call is still running (it suspended) does the policy attach
 * effectful handlers to what remains.
 *
 * Composed policies call each other's steps directly, so a stack around a
 * call that completes without suspending costs one runtime op, the
 * policies' counters and the deadline's child fiber — instead of a few
 * frames per policy. The step of a plain effect is the effect itself.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as RuntimeFlags from "effect/RuntimeFlags"

const StepId: unique symbol = Symbol.for("@baton/core/Policy/Step") as never

/**
 * Runs the synchronous part of a guarded call on `fiber` and returns its
 * `Exit` when it completed, or the effect that completes it. Called at most
 * once per execution of the guarded effect, while it executes.
 */
export type Step<A, E, R> = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags
) => Effect.Effect<A, E, R>

interface Guarded<A, E, R> extends Effect.Effect<A, E, R> {
  [StepId]?: Step<A, E, R>
}

export const guard = <A, E, R>(step: Step<A, E, R>): Effect.Effect<A, E, R> => {
  const effect: Guarded<A, E, R> = Effect.withFiberRuntime<A, E, R>((fiber, status) =>
    step(fiber as Fiber.RuntimeFiber<unknown, unknown>, status.runtimeFlags)
  )
  effect[StepId] = step
  return effect
}

/** Runs `self`'s step when it is guarded; otherwise returns `self`. */
export const runStep = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags
): Effect.Effect<A, E, R> => {
  const step = (self as Guarded<A, E, R>)[StepId]
  return step === undefined ? self : step(fiber, runtimeFlags)
}

/** Whether a step's result is the call's `Exit` (the call completed). */
export const isExit = <A, E, R>(result: Effect.Effect<A, E, R>): result is Exit.Exit<A, E> => Exit.isExit(result)
