/**
 * Shared builders for the workflow tests: a scripted tool gateway that
 * records every call, and a recording event bus.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import type { BatonEvent } from "../src/BatonEvent.js"
import * as EventBus from "../src/EventBus.js"
import { type ToolCall, type ToolError, ToolGateway, ToolResultError, UnknownTool } from "../src/ToolGateway.js"

/** How a scripted tool answers its `attempt`-th call (from 1). */
export type Handler = (call: ToolCall, attempt: number) => Effect.Effect<unknown, ToolError>

export interface Recorded {
  readonly call: ToolCall
  readonly at: number
}

/**
 * A tool gateway whose tools (`"service.tool"`) play handlers. It records
 * every call (`calls`, with the clock time) and every call that completed
 * (`completions`): a completion is the tool's side effect happening. It does
 * *not* deduplicate idempotency keys, so a repeated completion with the same
 * key is visible.
 */
export const scriptedGateway = (handlers: Readonly<Record<string, Handler>>) => {
  const calls: Array<Recorded> = []
  const completions: Array<Recorded> = []
  const attempts = new Map<string, number>()
  const gateway = {
    invoke: (call: ToolCall) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => {
        calls.push({ call, at })
        const name = `${call.service}.${call.tool}`
        const handler = handlers[name]
        if (handler === undefined) {
          return Effect.fail(new UnknownTool({ service: call.service, tool: call.tool, known: Object.keys(handlers) }))
        }
        const attempt = (attempts.get(name) ?? 0) + 1
        attempts.set(name, attempt)
        return Effect.tap(
          handler(call, attempt),
          () => Effect.map(Clock.currentTimeMillis, (done) => void completions.push({ call, at: done }))
        )
      })
  }
  return {
    gateway,
    calls,
    completions,
    layer: Layer.succeed(ToolGateway, gateway),
    /** The calls to one tool. */
    callsTo: (service: string, tool: string) =>
      calls.filter(({ call }) => call.service === service && call.tool === tool).map(({ call }) => call)
  }
}

/** Answers `value` after `ms`. */
export const after = (ms: number, value: unknown = { ok: true }): Handler => () => Effect.as(Effect.sleep(ms), value)

/** Fails with a `ToolResultError` after `ms`. */
export const failAfter = (ms: number, detail = "refused"): Handler => (call) =>
  Effect.zipRight(Effect.sleep(ms), Effect.fail(new ToolResultError({ service: call.service, tool: call.tool, detail })))

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

/** Forks `effect`, moves the test clock by `ms`, and joins it. */
export const runFor = <A, E, R>(ms: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(ms)
    return yield* Fiber.join(fiber)
  })
