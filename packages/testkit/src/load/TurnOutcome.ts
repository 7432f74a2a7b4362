/**
 * What one turn came to, read from the events it published and how it
 * ended: its outcome class (`Recorder.Outcome`), the workflows it ran, and
 * what Baton's own policies did on the way (retries, fallbacks), so that a
 * report can say
 * which layer recovered a fault. The load engine and the cluster workers
 * classify turns the same way through this module.
 *
 * @since 0.2.0
 */
import type { BatonEvent, Conversation } from "@baton/core"
import { EventBus } from "@baton/core"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Recorder from "./Recorder.js"

/**
 * What a turn's events said, filled in as they are published.
 *
 * @since 0.2.0 @category models
 */
export interface Observed {
  breaker: boolean
  workflowFailed: boolean
  fallback: boolean
  partial: boolean
  timeout: boolean
  /** Calls the retry policy tried again (`RetryAttempted`). */
  retries: number
  /** Calls a fallback service or a stale result answered (`FallbackUsed`). */
  fallbacks: number
  /** The workflows the turn ran, as they finished. */
  readonly workflows: Array<{ readonly name: string; readonly kind: Recorder.WorkflowClass }>
}

/** @since 0.2.0 @category constructors */
export const make = (): Observed => ({
  breaker: false,
  workflowFailed: false,
  fallback: false,
  partial: false,
  timeout: false,
  retries: 0,
  fallbacks: 0,
  workflows: []
})

const mentionsBreaker = (text: string) => text.includes("circuit breaker")

/**
 * Notes what `event` says about the turn.
 *
 * @since 0.2.0 @category recording
 */
export const observe = (observed: Observed, event: BatonEvent.BatonEvent): void => {
  switch (event._tag) {
    case "ToolCalled":
      if (event.outcome === "timeout") observed.timeout = true
      return
    case "PolicyTimedOut":
      observed.timeout = true
      return
    case "RetryAttempted":
      observed.retries++
      return
    case "FallbackUsed":
      observed.fallback = true
      observed.fallbacks++
      return
    case "WorkflowCompleted":
      if (event.status === "partial") observed.partial = true
      if (event.status === "failed") observed.workflowFailed = true
      observed.workflows.push({ name: event.workflow, kind: Recorder.workflowClass(event) })
      return
    case "StepFailed":
    case "RetryGaveUp":
      if (mentionsBreaker(event.error)) observed.breaker = true
      return
    default:
      return
  }
}

/**
 * An `EventBus` for one turn: each event is handed to `onEvent` and
 * observed synchronously as it is published (nothing is queued, so nothing
 * is dropped under load). It has no subscribers.
 *
 * @since 0.2.0 @category constructors
 */
export const bus = (
  observed: Observed,
  onEvent: (event: BatonEvent.BatonEvent) => void = () => {}
): Context.Tag.Service<EventBus.EventBus> => ({
  publish: (event) =>
    Effect.sync(() => {
      onEvent(event)
      observe(observed, event)
    }),
  subscribe: Effect.succeed(Stream.empty)
})

/**
 * A cause's error in words.
 *
 * @since 0.2.0 @category accessors
 */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/**
 * The turn's class. A failed turn is `timeout`, `breaker-rejected` or
 * `error`; a served one is, worst first, `breaker-rejected`,
 * `workflow-failed`, `fallback`, `partial` (a workflow came back partial,
 * or the agent answered without a part a service failed to give:
 * an `omitted` degradation), `timeout` or `ok`.
 *
 * @since 0.2.0 @category accessors
 */
export const outcomeOf = (exit: Exit.Exit<Conversation.TurnResult, unknown>, observed: Observed): Recorder.Outcome => {
  if (Exit.isFailure(exit)) {
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && Cause.isTimeoutException(failure.value)) return "timeout"
    if (observed.breaker || mentionsBreaker(describeCause(exit.cause))) return "breaker-rejected"
    return observed.timeout ? "timeout" : "error"
  }
  if (observed.breaker) return "breaker-rejected"
  if (observed.workflowFailed) return "workflow-failed"
  if (observed.fallback) return "fallback"
  if (observed.partial || exit.value.degradations.some((note) => note.kind === "omitted")) return "partial"
  return observed.timeout ? "timeout" : "ok"
}
