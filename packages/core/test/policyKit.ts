/**
 * Shared builders for the resilience policy tests: a recording event bus,
 * scripted service calls, and the core errors a service call fails with.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type { BatonEvent } from "../src/BatonEvent.js"
import * as EventBus from "../src/EventBus.js"
import {
  InvalidToolArguments,
  ToolProtocolError,
  ToolResultError,
  ToolTimeout,
  TransportClosed,
  UnknownTool
} from "../src/ToolGateway.js"

/** Runs `f` with an `EventBus` that records what is published into `events`. */
export const withEvents = <A, E, R>(f: (events: Array<BatonEvent>) => Effect.Effect<A, E, R>) => {
  const events: Array<BatonEvent> = []
  return Effect.provideService(f(events), EventBus.EventBus, {
    publish: (event) => Effect.sync(() => void events.push(event)),
    subscribe: Effect.dieMessage("not used in these tests")
  })
}

/** The events of one kind. */
export const ofTag = <T extends BatonEvent["_tag"]>(events: ReadonlyArray<BatonEvent>, tag: T) =>
  events.filter((event): event is Extract<BatonEvent, { _tag: T }> => event._tag === tag)

/**
 * A service call that plays `script` one step per call (the last step
 * repeats): an error fails the call, `"ok"` succeeds with the call's number,
 * a number succeeds after sleeping that many milliseconds. `calls` counts
 * the calls made.
 */
export const scripted = <const S extends ReadonlyArray<unknown>>(script: S) => {
  const state = { calls: 0, interrupted: 0 }
  const call: Effect.Effect<number, Exclude<S[number], "ok" | number>> = Effect.suspend(() => {
    const step = script[Math.min(state.calls, script.length - 1)]
    const n = ++state.calls
    if (step === "ok") return Effect.succeed(n)
    if (typeof step === "number") {
      return Effect.as(Effect.sleep(step), n).pipe(Effect.onInterrupt(() => Effect.sync(() => void state.interrupted++)))
    }
    return Effect.fail(step as Exclude<S[number], "ok" | number>)
  })
  return { call, state }
}

/** Forks `effect`, moves the test clock by `ms`, and joins it. */
export const after = <A, E, R>(ms: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(ms)
    return yield* Fiber.join(fiber)
  })

export const transportClosed = new TransportClosed({ service: "flights", detail: "socket hang up" })
export const toolTimeout = new ToolTimeout({ service: "flights", tool: "search", timeoutMs: 500 })
export const rateLimited = (retryAfterMs?: number) =>
  new ToolProtocolError({
    service: "flights",
    tool: "search",
    code: 429,
    detail: "too many requests",
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {})
  })
export const badArguments = new InvalidToolArguments({ service: "flights", tool: "search", issues: ["date is missing"] })
export const unknownTool = new UnknownTool({ service: "flights", tool: "book", known: ["search"] })
export const toolError = (retryAfterMs?: number) =>
  new ToolResultError({
    service: "flights",
    tool: "search",
    detail: "no fares",
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {})
  })
