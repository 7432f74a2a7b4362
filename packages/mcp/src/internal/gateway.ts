import type { CallToolRequest, Progress } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type BatonEvent, Degradation, EventBus, InvalidationBus, JsonInput, Timeout, ToolGateway } from "@baton/core"
import type { PooledTool } from "../McpPool.js"
import { CallSignal } from "./callSignal.js"
import { callKey } from "./callKey.js"
import { makeCoalescer } from "./coalesce.js"
import { classify, resultError, type ToolResult } from "./errors.js"
import type { Pool } from "./pool.js"
import { fallsBack, type Resilience, toToolError } from "./resilience.js"
import * as tags from "./tags.js"
import { ToolCache } from "./toolCache.js"

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

/** What the configuration says about caching one tool of one service. */
interface CacheSettings {
  readonly ttlMs: number
  readonly tags: tags.Tagger
  readonly invalidates: tags.Tagger
}

export interface GatewayOptions {
  readonly cacheMaxEntries: number
  /** Each service's policies, by service name (`resilience.make`). */
  readonly guards: ReadonlyMap<string, Resilience>
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
 * Sends one call to an instance the pool picks (anew on each attempt). This
 * is the hot path: one `Effect.async` whose callbacks settle the instance's
 * counters and health, publish `ToolCalled`, and resume with the result or a
 * typed error. Interruption aborts the request (the SDK sends
 * `notifications/cancelled`). The service's per-attempt timeout (core's
 * `Timeout`, fixed or adaptive) wraps the request; when it expires the call
 * fails with `ToolTimeout` and counts against the instance's health.
 */
const send = <A>(
  pool: Pool,
  guard: Resilience,
  ctx: CallContext,
  shape: (value: unknown, instance: string) => A
): Effect.Effect<A, ToolError> =>
  Effect.suspend(() => {
    const instance = pool.pick()
    const connection = instance?.connection
    if (instance === undefined || connection === undefined) {
      return refuse(ctx, new ToolGateway.TransportClosed({ service: ctx.call.service, detail: "no instance is connected" }))
    }
    const { service, tool } = ctx.call
    const bus = ctx.bus
    let started = performance.now()
    const request = Effect.async<A, ToolError>((resume) => {
      const cancel = new CallSignal()
      started = performance.now()
      const fail = (error: ToolError) => {
        const outcome = called(ctx, instance.id, outcomeOf(error), performance.now() - started, error)
        resume(Effect.zipRight(outcome, Effect.fail(error)))
      }
      instance.outstanding++
      connection.client.callTool(paramsOf(ctx.call), undefined, {
        signal: cancel.signal,
        timeout: guard.sdkTimeoutMs,
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
            timeoutMs: guard.sdkTimeoutMs,
            aborted: pool.closing(),
            closed: connection.isClosed()
          })
          if (broken) connection.close()
          if (hurtsHealth(error)) instance.stats.failure()
          fail(error)
        }
      )
      return Effect.sync(() => cancel.abort("cancelled by the caller"))
    })
    const cancelled = Effect.suspend(() => called(ctx, instance.id, "cancelled", performance.now() - started))
    const timeout = guard.timeout
    if (timeout === undefined) return Effect.onInterrupt(request, () => cancelled)
    return Effect.onInterrupt(
      Effect.catchTag(timeout(request), "PolicyTimeout", (expired) => {
        instance.stats.failure()
        const error = Timeout.toToolTimeout(expired, tool)
        return Effect.zipRight(
          called(ctx, instance.id, "timeout", performance.now() - started, error),
          Effect.fail(error)
        )
      }),
      () => cancelled
    )
  })

const checkTool = (pool: Pool, call: ToolGateway.ToolCall): PooledTool | ToolError => {
  const { service, tool: name } = call
  const tool = pool.tool(name)
  if (tool === undefined) {
    const catalogue = pool.catalogue()
    return catalogue === undefined
      ? new ToolGateway.TransportClosed({ service, detail: "no instance has connected yet" })
      : new ToolGateway.UnknownTool({ service, tool: name, known: catalogue.tools.map((info) => info.name) })
  }
  // Checked first: the argument check, the call key and the SDK's
  // serialisation all recurse, and would exhaust the stack.
  const deep = JsonInput.pathTooDeep(call.args)
  const issues = deep === undefined ? tool.check(call.args) : [`${deep.join(".")}: ${JsonInput.tooDeep()}`]
  return issues === undefined ? tool : new ToolGateway.InvalidToolArguments({ service, tool: name, issues })
}

const asValue = (value: unknown) => value
const asServed = (value: unknown, instance: string): Served => ({ value, instance })

export const make = (
  pools: ReadonlyMap<string, Pool>,
  options: GatewayOptions
): Effect.Effect<Context.Tag.Service<ToolGateway.ToolGateway>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const known = [...pools.keys()]
    const cache = new ToolCache<Served>(options.cacheMaxEntries)
    const invalidationBus = Option.getOrUndefined(yield* Effect.serviceOption(InvalidationBus.InvalidationBus))
    // Background work (warming) reports on the bus and reads the clock the gateway was started with.
    const startContext: CallContext = {
      call: { service: "", tool: "", args: {} },
      bus: Option.getOrUndefined(yield* Effect.serviceOption(EventBus.EventBus)),
      clock: yield* Effect.clock
    }
    const coalesce = yield* makeCoalescer<Served, ToolError>(scope)
    const guards = options.guards

    // By service, then tool: read on every call, so no key is built.
    const settings = new Map<string, Map<string, CacheSettings>>()
    const settingsOf = (pool: Pool, tool: string): CacheSettings => {
      let ofService = settings.get(pool.service)
      if (ofService === undefined) settings.set(pool.service, ofService = new Map())
      let found = ofService.get(tool)
      if (found === undefined) {
        const configured = pool.server.tools?.[tool]
        found = {
          ttlMs: configured?.cacheTtlMs ?? pool.cacheTtlMs,
          tags: tags.compile(configured?.tags),
          invalidates: tags.compile(configured?.invalidates)
        }
        ofService.set(tool, found)
      }
      return found
    }

    // A read-only call through the service's stack, its result cached when
    // the tool has a lifetime or the service a stale window.
    const fetch = (pool: Pool, guard: Resilience, ctx: CallContext, key: string, cached: CacheSettings) => {
      // Lazy: a caller that joins a flight must not pick an instance.
      const attempt = send(pool, guard, ctx, asServed)
      if (cached.ttlMs <= 0 && guard.staleIfErrorMs <= 0) return guard.policy.idempotent(attempt)
      return guard.policy.idempotent(Effect.suspend(() => {
        const began = cache.begin()
        return Effect.tap(attempt, (served) =>
          cache.set(
            key,
            served,
            ctx.clock.unsafeCurrentTimeMillis(),
            cached.ttlMs,
            guard.staleIfErrorMs,
            cached.tags(ctx.call.args, served.value),
            began
          ))
      }))
    }

    // Hot keys by call key: fetched at start and after their entry is invalidated.
    const hot = new Map<string, ToolGateway.ToolCall>()
    for (const [service, pool] of pools) {
      for (const [tool, configured] of Object.entries(pool.server.tools ?? {})) {
        for (const args of configured.warm ?? []) hot.set(callKey(service, tool, args), { service, tool, args })
      }
    }

    // Warming never fails the gateway: a hot key that cannot be fetched is
    // logged and left to the first call.
    const warm = (call: ToolGateway.ToolCall): Effect.Effect<void> => {
      const ctx: CallContext = { ...startContext, call }
      const pool = pools.get(call.service)
      const guard = guards.get(call.service)
      const problem = (reason: string) =>
        Effect.logWarning(`Cannot warm ${call.service}.${call.tool} ${JSON.stringify(call.args)}: ${reason}`)
      if (pool === undefined || guard === undefined) return problem("no such service")
      const tool = checkTool(pool, call)
      if (!("info" in tool)) return problem(tool.message)
      if (!tool.info.readOnly) return problem("the tool is not read-only, so it is never called ahead of time")
      const cached = settingsOf(pool, call.tool)
      if (cached.ttlMs <= 0) return problem("the tool has no cache lifetime (cacheTtlMs)")
      return Effect.catchAll(
        Effect.asVoid(fetch(pool, guard, ctx, callKey(call.service, call.tool, call.args), cached)),
        (error) => problem(toToolError(error, call).message)
      )
    }
    const warmInBackground = (call: ToolGateway.ToolCall) => Effect.asVoid(Effect.forkIn(warm(call), scope))

    // Drops the entries tagged with any of `invalidated` and warms again the hot keys among them.
    const drop = (invalidated: ReadonlyArray<string>) =>
      Effect.suspend(() => {
        const again = invalidated.flatMap((tag) => cache.invalidate(tag)).flatMap((key) => {
          const call = hot.get(key)
          return call === undefined ? [] : [call]
        })
        return again.length === 0 ? Effect.void : Effect.forEach(again, warmInBackground, { discard: true })
      })

    // Hints this gateway published, not yet seen coming back from the bus:
    // its own entries were dropped when it published, and dropping them again
    // on the echo would warm its hot keys twice. (A hint for the same tag
    // from another process, arriving before the echo, is taken for it; the
    // entry then lives until it expires or the next hint.)
    const echoes = new Map<string, number>()
    const announce = (tag: string): Effect.Effect<void> => {
      if (invalidationBus === undefined) return Effect.void
      echoes.set(tag, (echoes.get(tag) ?? 0) + 1)
      return Effect.catchAll(invalidationBus.publish(tag), (error) =>
        Effect.zipRight(
          Effect.sync(() => forget(tag)),
          Effect.logWarning(`Other processes may keep a stale "${tag}" until it expires: ${error.message}`)
        ))
    }
    const forget = (tag: string) => {
      const count = echoes.get(tag) ?? 0
      if (count <= 1) echoes.delete(tag)
      else echoes.set(tag, count - 1)
      return count > 0
    }

    // A successful call invalidates what its tool's configuration says, here and on the bus.
    const invalidateAfter = (cached: CacheSettings, call: ToolGateway.ToolCall, value: unknown) => {
      const invalidated = cached.invalidates(call.args, value)
      return invalidated.length === 0
        ? Effect.void
        : Effect.zipRight(drop(invalidated), Effect.forEach(invalidated, announce, { discard: true }))
    }

    if (invalidationBus !== undefined) {
      const hints = yield* invalidationBus.subscribe
      yield* Effect.forkIn(
        Stream.runForEach(hints, (tag) => (forget(tag) ? Effect.void : drop([tag]))),
        scope
      )
    }
    yield* Effect.forEach(hot.values(), warmInBackground, { discard: true })

    // Read-only calls: served from the cache when fresh, otherwise shared
    // with identical calls in flight; one flight goes through the stack.
    const read = (
      pool: Pool,
      guard: Resilience,
      ctx: CallContext,
      key: string,
      cached: CacheSettings
    ): Effect.Effect<unknown, unknown> => {
      const { call, clock } = ctx
      if (cached.ttlMs > 0) {
        const hit = cache.get(key, clock.unsafeCurrentTimeMillis())
        if (hit !== undefined) return Effect.as(called(ctx, hit.instance, "cached", 0), hit.value)
      }
      const request = fetch(pool, guard, ctx, key, cached)
      const started = performance.now()
      return Effect.flatMap(coalesce(key, request as Effect.Effect<Served, ToolError>), ({ exit: ended, shared }) => {
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

    // Side-effecting calls are retried only when they carry an idempotency key.
    const write = (pool: Pool, guard: Resilience, ctx: CallContext): Effect.Effect<unknown, unknown> =>
      (ctx.call.idempotencyKey === undefined ? guard.policy.once : guard.policy)(send(pool, guard, ctx, asValue))

    const contextOf = (
      call: ToolGateway.ToolCall,
      fiber: { readonly currentContext: Context.Context<never>; readonly currentDefaultServices: Context.Context<never> }
    ): CallContext => {
      const bus = Context.getOption(fiber.currentContext, EventBus.EventBus)
      return {
        call,
        bus: bus._tag === "Some" ? bus.value : undefined,
        clock: Context.unsafeGet(fiber.currentDefaultServices, Clock.Clock)
      }
    }

    /** Publishes `FallbackUsed` and records the degradation note. */
    const degraded = (ctx: CallContext, note: Omit<Degradation.Note, "at" | "service" | "tool">) => {
      const at = ctx.clock.unsafeCurrentTimeMillis()
      const full: Degradation.Note = { ...note, service: ctx.call.service, tool: ctx.call.tool, at }
      const detail = note.kind === "stale"
        ? `served a stale result (${Math.round(note.ageMs ?? 0)} ms old): ${note.reason}`
        : `served by ${note.servedBy}: ${note.reason}`
      return Effect.zipRight(
        ctx.bus === undefined
          ? Effect.void
          : ctx.bus.publish({ _tag: "FallbackUsed", at, service: ctx.call.service, error: detail }),
        Degradation.record(full)
      )
    }

    // One service's answer: checks, then its stack. No fallback.
    const direct = (ctx: CallContext, readOnly: { value: boolean }): Effect.Effect<unknown, unknown> => {
      const { call } = ctx
      const pool = pools.get(call.service)
      const guard = guards.get(call.service)
      if (pool === undefined || guard === undefined) {
        return refuse(ctx, new ToolGateway.UnknownService({ service: call.service, known }))
      }
      const tool = checkTool(pool, call)
      if (!("info" in tool)) return refuse(ctx, tool)
      readOnly.value = tool.info.readOnly
      const cached = settingsOf(pool, call.tool)
      const answer = tool.info.readOnly
        ? read(pool, guard, ctx, callKey(call.service, call.tool, call.args), cached)
        : write(pool, guard, ctx)
      return cached.invalidates === tags.none ? answer : Effect.tap(answer, (value) => invalidateAfter(cached, call, value))
    }

    // The alternatives in order, then a stale result; the first error when all fail.
    const degrade = (ctx: CallContext, error: unknown, readOnly: boolean): Effect.Effect<unknown, unknown> => {
      const { call } = ctx
      const guard = guards.get(call.service)
      if (guard === undefined) return Effect.fail(error)
      const reason = toToolError(error, call).message
      const once = !readOnly && call.idempotencyKey === undefined
      const alternatives = fallsBack(error, once) ? guard.fallback : []
      const stale = (): Effect.Effect<unknown, unknown> => {
        if (!readOnly || guard.staleIfErrorMs <= 0) return Effect.fail(error)
        const hit = cache.stale(callKey(call.service, call.tool, call.args), ctx.clock.unsafeCurrentTimeMillis())
        if (hit === undefined) return Effect.fail(error)
        return Effect.as(
          degraded(ctx, { kind: "stale", servedBy: call.service, reason, ageMs: hit.ageMs }),
          hit.value.value
        )
      }
      const next = (i: number): Effect.Effect<unknown, unknown> => {
        if (i >= alternatives.length) return stale()
        const servedBy = alternatives[i]!
        const substitute = { ...ctx, call: { ...call, service: servedBy } }
        return Effect.matchEffect(direct(substitute, { value: readOnly }), {
          onSuccess: (value) => Effect.as(degraded(ctx, { kind: "fallback", servedBy, reason }), value),
          onFailure: () => next(i + 1)
        })
      }
      return next(0)
    }

    const invoke = (call: ToolGateway.ToolCall): Effect.Effect<unknown, ToolError> =>
      Effect.withFiberRuntime((fiber) => {
        const ctx = contextOf(call, fiber)
        const readOnly = { value: false }
        return direct(ctx, readOnly).pipe(
          Effect.catchAll((error) => degrade(ctx, error, readOnly.value)),
          Effect.mapError((error) => toToolError(error, call))
        )
      })

    return { invoke }
  })
