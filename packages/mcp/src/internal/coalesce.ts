import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"

/** How one caller's share of a request ended, and whether it joined another's. */
export interface Joined<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly shared: boolean
}

interface Flight<A, E> {
  readonly done: Deferred.Deferred<A, E>
  waiters: number
  fiber: Fiber.RuntimeFiber<A, E> | undefined
}

/**
 * Runs identical concurrent requests once. The request runs in its own
 * (daemon) fiber, so the caller that started it may leave without cancelling
 * it for the others; it is interrupted when the last caller leaves, and every
 * request still in flight is interrupted when `scope` closes. One finalizer
 * for all requests, rather than forking each into the scope, keeps the
 * uncontended call cheap.
 */
export const makeCoalescer = <A, E>(scope: Scope.Scope) => {
  const flights = new Map<string, Flight<A, E>>()
  const shutdown = Effect.suspend(() =>
    Effect.forEach([...flights.values()], (flight) => flight.fiber === undefined ? Effect.void : Fiber.interrupt(flight.fiber), {
      discard: true
    })
  )

  const start = (key: string, request: Effect.Effect<A, E>) => {
    const flight: Flight<A, E> = { done: Deferred.unsafeMake<A, E>(FiberId.none), waiters: 0, fiber: undefined }
    flights.set(key, flight)
    // On interruption too (the scope closing), so that no caller waits forever.
    const run = Effect.onExit(request, (exit) => {
      if (flights.get(key) === flight) flights.delete(key)
      return Deferred.done(flight.done, exit)
    })
    // Forked from an uninterruptible region: the request itself must stay interruptible.
    const fork = Effect.forkDaemon(Effect.interruptible(run))
    return [flight, Effect.map(fork, (fiber) => void (flight.fiber = fiber))] as const
  }

  const leave = (key: string, flight: Flight<A, E>) =>
    Effect.suspend(() => {
      flight.waiters--
      if (flight.waiters > 0) return Effect.void
      if (flights.get(key) === flight) flights.delete(key)
      return flight.fiber === undefined ? Effect.void : Fiber.interrupt(flight.fiber)
    })

  const coalesce = (key: string, request: Effect.Effect<A, E>): Effect.Effect<Joined<A, E>> =>
    // Uninterruptible until the caller is counted and waiting, so that an
    // interruption can neither strand the others nor leave a count behind.
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const existing = flights.get(key)
        const [flight, started] = existing === undefined ? start(key, request) : [existing, Effect.void] as const
        flight.waiters++
        return Effect.zipRight(
          started,
          restore(Effect.exit(Deferred.await(flight.done))).pipe(
            Effect.onInterrupt(() => leave(key, flight)),
            Effect.map((exit): Joined<A, E> => ({ exit, shared: existing !== undefined }))
          )
        )
      })
    )

  return Effect.as(Scope.addFinalizer(scope, shutdown), coalesce)
}
