import type { CallToolRequest, Progress } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { type BatonEvent, EventBus, ToolGateway } from "@baton/core"
import type { PooledTool } from "../McpPool.js"
import { CallSignal } from "./callSignal.js"
import { callKey } from "./callKey.js"
import { makeCoalescer } from "./coalesce.js"
import { classify, resultError, type ToolResult } from "./errors.js"
import type { Pool } from "./pool.js"
import { ResponseCache } from "./responseCache.js"

type ToolError = ToolGateway.ToolError
type Bus = Context.Tag.Service<EventBus.EventBus> | undefined
type Outcome = "ok" | "error" | "timeout" | "cancelled" | "cached" | "coalesced"

/** What one call runs with: read once from the calling fiber. */
interface CallContext {
  readonly call: ToolGateway.ToolCall
  readonly bus: Bus
  readonly clock: Clock.Clock
}

/** A result and the instance that produced it. */
interface Served {
  readonly value: unknown
  readonly instance: string
}

export interface GatewayOptions {
  readonly cacheMaxEntries: number
}

// Reported as the instance of calls refused before one was chosen.
const noInstance = "none"

// What a tool call returns: the structured result when the tool gives one,
// its content blocks otherwise.
const valueOf = (result: ToolResult): unknown => result.structuredContent ?? result.content

const outcomeOf = (error: ToolError): Outcome =>
  error._tag === "ToolTimeout" ? "timeout" : error._tag === "ToolCancelled" ? "cancelled" : "error"

// Failures that say something about the instance, not about the call.
const hurtsHealth = (error: ToolError) =>
  error._tag === "TransportClosed" || error._tag === "ToolTimeout" || error._tag === "ToolProtocolError"

const progressEvent = (ctx: CallContext, progress: Progress): BatonEvent.BatonEvent => ({
  _tag: "ToolProgress",
  at: ctx.clock.unsafeCurrentTimeMillis(),
  service: ctx.call.service,
  tool: ctx.call.tool,
  progress: progress.progress,
  ...(progress.total === undefined ? {} : { total: progress.total }),
  ...(progress.message === undefined ? {} : { message: progress.message })
})

/** Publishes the call's `ToolCalled` event; nothing when no bus is provided. */
const called = (ctx: CallContext, instance: string, outcome: Outcome, durationMs: number, error?: ToolError) =>
  ctx.bus === undefined ? Effect.void : ctx.bus.publish({
    _tag: "ToolCalled",
    at: ctx.clock.unsafeCurrentTimeMillis(),
    service: ctx.call.service,
    tool: ctx.call.tool,
    instance,
    outcome,
    durationMs,
    ...(error === undefined ? {} : { error: error.message })
  })

const refuse = (ctx: CallContext, error: ToolError) =>
  Effect.zipRight(called(ctx, noInstance, "error", 0, error), Effect.fail(error))

const paramsOf = (call: ToolGateway.ToolCall): CallToolRequest["params"] =>
  call.idempotencyKey === undefined
    ? { name: call.tool, arguments: call.args }
    : { name: call.tool, arguments: call.args, _meta: { idempotencyKey: call.idempotencyKey } }

/**
 * Sends one call to an instance the pool picks. This is the hot path: one
 * `Effect.async` whose callbacks settle the instance's counters and health,
 * publish `ToolCalled`, and resume with the result or a typed error.
 * Interruption aborts the request (the SDK sends `notifications/cancelled`).
 */
const send = <A>(
  pool: Pool,
  ctx: CallContext,
  shape: (value: unknown, instance: string) => A
): Effect.Effect<A, ToolError> => {
  const instance = pool.pick()
  const connection = instance?.connection
  if (instance === undefined || connection === undefined) {
    return refuse(ctx, new ToolGateway.TransportClosed({ service: ctx.call.service, detail: "no instance is connected" }))
  }
  const { service, tool } = ctx.call
  const bus = ctx.bus
  return Effect.async<A, ToolError>((resume) => {
    const cancel = new CallSignal()
    const started = performance.now()
    const fail = (error: ToolError) => {
      const outcome = called(ctx, instance.id, outcomeOf(error), performance.now() - started, error)
      resume(Effect.zipRight(outcome, Effect.fail(error)))
    }
    instance.outstanding++
    connection.client.callTool(paramsOf(ctx.call), undefined, {
      signal: cancel.signal,
      timeout: pool.timeoutMs,
      resetTimeoutOnProgress: pool.resetTimeoutOnProgress,
      ...(bus === undefined ? {} : {
        onprogress: (progress: Progress) => void Effect.runFork(bus.publish(progressEvent(ctx, progress)))
      })
    }).then(
      (result) => {
        instance.outstanding--
        const durationMs = performance.now() - started
        instance.stats.success(durationMs)
        if (result.isError === true) return fail(resultError(service, tool, result))
        const value = shape(valueOf(result), instance.id)
        resume(bus === undefined ? Effect.succeed(value) : Effect.as(called(ctx, instance.id, "ok", durationMs), value))
      },
      (failure: unknown) => {
        instance.outstanding--
        // Interrupted: nobody waits for this answer any more.
        if (cancel.aborted) return
        const { broken, error } = classify(failure, {
          service,
          tool,
          timeoutMs: pool.timeoutMs,
          aborted: pool.closing(),
          closed: connection.isClosed()
        })
        if (broken) connection.close()
        if (hurtsHealth(error)) instance.stats.failure()
        fail(error)
      }
    )
    return Effect.suspend(() => {
      cancel.abort("cancelled by the caller")
      return called(ctx, instance.id, "cancelled", performance.now() - started)
    })
  })
}

const checkTool = (pool: Pool, call: ToolGateway.ToolCall): PooledTool | ToolError => {
  const { service, tool: name } = call
  const tool = pool.tool(name)
  if (tool === undefined) {
    const catalogue = pool.catalogue()
    return catalogue === undefined
      ? new ToolGateway.TransportClosed({ service, detail: "no instance has connected yet" })
      : new ToolGateway.UnknownTool({ service, tool: name, known: catalogue.tools.map((info) => info.name) })
  }
  const issues = tool.check(call.args)
  return issues === undefined ? tool : new ToolGateway.InvalidToolArguments({ service, tool: name, issues })
}

const asValue = (value: unknown) => value
const asServed = (value: unknown, instance: string): Served => ({ value, instance })

export const make = (
  pools: ReadonlyMap<string, Pool>,
  options: GatewayOptions
): Effect.Effect<Context.Tag.Service<ToolGateway.ToolGateway>, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => {
    const known = [...pools.keys()]
    const cache = new ResponseCache<Served>(options.cacheMaxEntries)
    const coalesce = makeCoalescer<Served, ToolError>(scope)

    // Read-only calls: served from the cache when fresh, otherwise shared
    // with identical calls in flight.
    const read = (pool: Pool, ctx: CallContext): Effect.Effect<unknown, ToolError> => {
      const { call, clock } = ctx
      const key = callKey(call.service, call.tool, call.args)
      const ttl = pool.cacheTtlMs
      if (ttl > 0) {
        const hit = cache.get(key, clock.unsafeCurrentTimeMillis())
        if (hit !== undefined) return Effect.as(called(ctx, hit.instance, "cached", 0), hit.value)
      }
      // Lazy: a caller that joins a flight must not pick an instance.
      const request = Effect.suspend(() =>
        ttl > 0
          ? Effect.tap(send(pool, ctx, asServed), (served) => cache.set(key, served, clock.unsafeCurrentTimeMillis() + ttl))
          : send(pool, ctx, asServed)
      )
      const started = performance.now()
      return Effect.flatMap(coalesce(key, request), ({ exit: ended, shared }) => {
        // A request interrupted while callers still wait was stopped by the
        // gateway's shutdown (its scope interrupts the shared request).
        const exit = Exit.isFailure(ended) && Cause.isInterruptedOnly(ended.cause)
          ? Exit.fail(new ToolGateway.ToolCancelled({ service: call.service, tool: call.tool }))
          : ended
        const value = Exit.map(exit, (served) => served.value)
        if (!shared) return value
        const durationMs = performance.now() - started
        const report = Exit.match(exit, {
          onSuccess: (served) => called(ctx, served.instance, "coalesced", durationMs),
          onFailure: (cause) =>
            called(ctx, noInstance, "coalesced", durationMs, cause._tag === "Fail" ? cause.error : undefined)
        })
        return Effect.zipRight(report, value)
      })
    }

    const invoke = (call: ToolGateway.ToolCall): Effect.Effect<unknown, ToolError> =>
      Effect.withFiberRuntime((fiber) => {
        const bus = Context.getOption(fiber.currentContext, EventBus.EventBus)
        const ctx: CallContext = {
          call,
          bus: bus._tag === "Some" ? bus.value : undefined,
          clock: Context.get(fiber.currentDefaultServices, Clock.Clock)
        }
        const pool = pools.get(call.service)
        if (pool === undefined) return refuse(ctx, new ToolGateway.UnknownService({ service: call.service, known }))
        const tool = checkTool(pool, call)
        if (!("info" in tool)) return refuse(ctx, tool)
        return tool.info.readOnly ? read(pool, ctx) : send(pool, ctx, asValue)
      })

    return { invoke }
  })
