/**
 * A bulkhead caps the calls in flight to a service, so that one slow
 * service cannot hold every fiber of the process, and sheds load beyond a
 * short queue instead of letting waiters pile up: a call beyond
 * `maxConcurrent` running and `maxQueued` waiting fails at once with
 * `BulkheadRejected` (and a `BulkheadRejected` event).
 *
 * Waiters are served first come, first served. A waiter that is
 * interrupted leaves the queue; a slot handed to a waiter that is being
 * interrupted passes to the next one. A call that completes without
 * suspending costs two counter updates; one that suspends also gets a
 * finalizer that releases its slot however it ends.
 *
 * @example
 * ```ts
 * import { Bulkhead } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const bulkhead = yield* Bulkhead.make({ service: "accommodations", maxConcurrent: 8, maxQueued: 16 })
 *   return yield* bulkhead(Effect.succeed(["Hotel Lisboa"]))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as BatonMetrics from "./BatonMetrics.js"
import { emit, perService } from "./internal/policy.js"
import { guard, isExit, runStep } from "./internal/step.js"
import type { Policy } from "./Policy.js"

/**
 * The service already had `maxConcurrent` calls running and `maxQueued` waiting.
 *
 * @since 0.1.0 @category errors
 */
export class BulkheadRejected extends Schema.TaggedError<BulkheadRejected>("@baton/core/BulkheadRejected")(
  "BulkheadRejected",
  { service: Schema.String, maxConcurrent: Schema.Number, maxQueued: Schema.Number }
) {
  override get message() {
    return `Service "${this.service}" is at capacity (${this.maxConcurrent} calls running, ` +
      `${this.maxQueued} waiting); the call was refused rather than queued.`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly service: string
  readonly maxConcurrent: number
  /** Default 0: no waiting, a call beyond `maxConcurrent` is refused. */
  readonly maxQueued?: number
}

/** @since 0.1.0 @category models */
export interface Bulkhead extends Policy<BulkheadRejected> {
  readonly service: string
  readonly active: Effect.Effect<number>
  readonly queued: Effect.Effect<number>
}

interface Handlers<A, E> {
  readonly onSuccess: (value: A) => Effect.Effect<A>
  readonly onFailure: (cause: Cause.Cause<E>) => Effect.Effect<never, E>
}

interface Waiter {
  resume: (effect: Effect.Effect<void>) => void
  granted: boolean
  prev: Waiter | undefined
  next: Waiter | undefined
}

/**
 * Makes a bulkhead.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<Bulkhead> =>
  Effect.map(Effect.clock, (clock) => {
    const { maxConcurrent, service } = options
    const maxQueued = options.maxQueued ?? 0
    const rejections = Metric.tagged(perService(BatonMetrics.policyRejections, service), "policy", "bulkhead")
    let active = 0
    let queued = 0
    let head: Waiter | undefined
    let tail: Waiter | undefined

    const unlink = (waiter: Waiter) => {
      if (waiter.prev === undefined) head = waiter.next
      else waiter.prev.next = waiter.next
      if (waiter.next === undefined) tail = waiter.prev
      else waiter.next.prev = waiter.prev
      waiter.prev = waiter.next = undefined
      queued--
    }

    /** Hands the slot to the first waiter, or frees it. */
    const release = () => {
      const waiter = head
      if (waiter === undefined) {
        active--
        return
      }
      unlink(waiter)
      waiter.granted = true
      waiter.resume(Effect.void)
    }

    const wait = Effect.async<void>((resume) => {
      const waiter: Waiter = { resume, granted: false, prev: tail, next: undefined }
      if (tail === undefined) head = waiter
      else tail.next = waiter
      tail = waiter
      queued++
      return Effect.sync(() => {
        if (waiter.granted) release()
        else unlink(waiter)
      })
    })

    // Made once, so that guarding a call allocates no handler.
    const releaseHandlers = {
      onSuccess: (value: unknown) => {
        release()
        return Effect.succeed(value)
      },
      onFailure: (cause: Cause.Cause<unknown>) => {
        release()
        return Effect.failCause(cause)
      }
    }
    const guarded = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.matchCauseEffect(self, releaseHandlers as unknown as Handlers<A, E>)
    const releasing = Effect.sync(release)
    const releaseOnExit = () => releasing

    const reject = Effect.suspend(() =>
      Effect.zipRight(
        emit(
          { _tag: "BulkheadRejected", at: clock.unsafeCurrentTimeMillis(), service, maxConcurrent, maxQueued },
          rejections
        ),
        Effect.fail(new BulkheadRejected({ service, maxConcurrent, maxQueued }))
      )
    )

    /** Waits for a slot, then runs the call; the slot is released however the call ends. */
    const queue = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.uninterruptibleMask((restore) => Effect.zipRight(restore(wait), guarded(restore(self))))

    const policy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | BulkheadRejected, R> =>
      guard<A, E | BulkheadRejected, R>((fiber, runtimeFlags) => {
        if (active < maxConcurrent) {
          active++
          let result: Effect.Effect<A, E, R>
          try {
            result = runStep(self, fiber, runtimeFlags)
          } catch (defect) {
            release()
            throw defect
          }
          if (!isExit(result)) return Effect.onExit(result, releaseOnExit)
          release()
          return result
        }
        return queued < maxQueued ? queue(self) : reject
      })

    return Object.assign(policy, {
      service,
      active: Effect.sync(() => active),
      queued: Effect.sync(() => queued)
    })
  })
