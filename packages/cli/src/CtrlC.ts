/**
 * Ctrl-C for a long command that can stop early with a partial report
 * (`load`, `chaos`): the first SIGINT says what stopping does and lets the
 * command finish its report; a second quits at once with exit 130.
 *
 * @since 0.2.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { ExitCode, type Io } from "./Io.js"

/**
 * Listens for SIGINT while the scope is open; the effect returned completes
 * at the first one, when `stopping()` (what the stop does, in words) is
 * written to stderr.
 *
 * @since 0.2.0 @category constructors
 */
export const stopSignal = (io: Io, stopping: () => string): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const stop = yield* Deferred.make<void>()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        let asked = false
        const onInterrupt = () => {
          if (asked) process.exit(ExitCode.interrupted)
          asked = true
          Deferred.unsafeDone(stop, Exit.void)
          io.writeError(`${stopping()} (Ctrl-C again to quit now)\n`)
        }
        process.on("SIGINT", onInterrupt)
        return onInterrupt
      }),
      (onInterrupt) => Effect.sync(() => void process.off("SIGINT", onInterrupt))
    )
    return Deferred.await(stop)
  })
