/**
 * A scripted MCP service for unit tests, after openai-agents-js's scripted
 * model: a list of the calls a test expects, in order, each with its answer
 * or its fault. Each call consumes one step; a call that does not match the
 * next step fails (a JSON-RPC error with code `unexpectedCallCode`) and is
 * remembered, and `assertComplete` fails on such calls and on steps left over.
 *
 * @example
 * ```ts
 * import { ScriptedService } from "@baton/testkit"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const script = yield* ScriptedService.make({
 *     name: "flights",
 *     steps: [
 *       { tool: "search_flights", args: { origin: "LHR" }, respond: { offers: [] } },
 *       { tool: "reserve", fault: "error:rate-limit(1000)" }
 *     ]
 *   })
 *   const transport = yield* script.connect
 *   // ... run the code under test against `transport` ...
 *   yield* script.assertComplete
 * })
 * ```
 *
 * @since 0.1.0
 */
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { type CallToolResult, CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { isDeepStrictEqual } from "node:util"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { type InvalidFaultSpec, ScriptIncomplete, UnexpectedCall } from "./Errors.js"
import * as FaultSpec from "./FaultSpec.js"
import * as FaultPlan from "./internal/faultPlan.js"
import { type CallPolicy, FaultTransport } from "./internal/faultTransport.js"
import { ok } from "./internal/toolResult.js"
import * as Prng from "./Prng.js"

/**
 * Arguments a step accepts: the listed top-level keys must be deeply equal
 * (others are ignored), or a predicate.
 *
 * @since 0.1.0 @category models
 */
export type ArgsMatcher =
  | Readonly<Record<string, unknown>>
  | ((args: Readonly<Record<string, unknown>>) => boolean)

/** @since 0.1.0 @category models */
export interface Step {
  readonly tool: string
  readonly args?: ArgsMatcher
  /** Structured data to answer with (as structured content and JSON text); `{}` when absent. */
  readonly respond?: Readonly<Record<string, unknown>>
  /** A complete tool result, for answers `respond` cannot express (`isError`, images…). */
  readonly result?: CallToolResult
  /** A fault instead of, or on top of, the answer: a `Fault` or one in the compact syntax (`"hang"`). */
  readonly fault?: FaultSpec.Fault | string
}

/** @since 0.1.0 @category models */
export interface RecordedCall {
  readonly tool: string
  readonly args: Readonly<Record<string, unknown>>
}

/** @since 0.1.0 @category models */
export interface Options {
  /** The service name the server reports; "scripted" when absent. */
  readonly name?: string
  readonly steps: ReadonlyArray<Step>
  /** Tools to list besides those the steps name. */
  readonly tools?: ReadonlyArray<{ readonly name: string; readonly description?: string }>
  /** Seeds the latency of steps with a latency fault. */
  readonly seed?: number
}

/** @since 0.1.0 @category models */
export interface ScriptedService {
  /** Opens a session; the result is the client's end of an in-memory pair. */
  readonly connect: Effect.Effect<Transport>
  /** Every call received, expected or not, in order. */
  readonly calls: Effect.Effect<ReadonlyArray<RecordedCall>>
  /** Fails on the first unexpected call, else when steps are left. */
  readonly assertComplete: Effect.Effect<void, UnexpectedCall | ScriptIncomplete>
}

/**
 * The JSON-RPC error code of a call the script did not expect.
 *
 * @since 0.1.0 @category constants
 */
export const unexpectedCallCode = -32090

const describe = (step: Step) =>
  step.args === undefined
    ? `${step.tool}(...)`
    : typeof step.args === "function"
    ? `${step.tool}(<predicate>)`
    : `${step.tool}(${JSON.stringify(step.args)})`

const matches = (matcher: ArgsMatcher | undefined, args: Readonly<Record<string, unknown>>) =>
  matcher === undefined ||
  (typeof matcher === "function"
    ? matcher(args)
    : Object.entries(matcher).every(([key, value]) => isDeepStrictEqual(args[key], value)))

const answerOf = (step: Step): CallToolResult => step.result ?? ok(step.respond ?? {})

/**
 * A scripted service in this process. Delays follow Effect's `Clock`.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (options: Options): Effect.Effect<ScriptedService, InvalidFaultSpec, Scope.Scope> =>
  Effect.gen(function*() {
    const name = options.name ?? "scripted"
    const faults = yield* Effect.forEach(options.steps, (step) =>
      step.fault === undefined
        ? Effect.succeed(undefined)
        : typeof step.fault === "string"
        ? FaultSpec.parseFault(step.fault)
        : Effect.succeed(step.fault))
    const runtime = yield* Effect.runtime<never>()
    const now = () => Runtime.runSync(runtime)(Clock.currentTimeMillis)

    const calls: Array<RecordedCall> = []
    const unexpected: Array<UnexpectedCall> = []
    const answers = new Map<unknown, CallToolResult>()
    let next = 0

    const policy: CallPolicy = {
      initializeDelay: () => 0,
      settled: () => undefined,
      decide: ({ id, tool, args }) => {
        const given = (args ?? {}) as Readonly<Record<string, unknown>>
        calls.push({ tool, args: given })
        const step = options.steps[next]
        if (step === undefined || step.tool !== tool || !matches(step.args, given)) {
          const error = new UnexpectedCall({
            service: name,
            tool,
            args: given,
            ...(step !== undefined && { expected: describe(step) })
          })
          unexpected.push(error)
          return { ...FaultPlan.proceed, outcome: { _tag: "Reply", error: { code: unexpectedCallCode, message: error.message } } }
        }
        const fault = faults[next]
        next++
        const decision = fault === undefined
          ? FaultPlan.proceed
          : FaultPlan.make([{ fault, rate: 1 }], { service: name, seed: Prng.hash(options.seed ?? 1, next), installedAt: now() })
            .decide(tool, now())
        if (decision.outcome._tag === "Proceed") answers.set(id, answerOf(step))
        return decision
      }
    }

    const toolNames = [...new Set([...options.steps.map((s) => s.tool), ...(options.tools ?? []).map((t) => t.name)])]
    const descriptions = new Map((options.tools ?? []).map((t) => [t.name, t.description]))
    const open = new Set<FaultTransport>()
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([...open].map((t) => t.close()))))

    const serve = async (transport: Transport) => {
      const server = new Server({ name, version: "1.0.0" }, { capabilities: { tools: {} } })
      server.setRequestHandler(ListToolsRequestSchema, () => ({
        tools: toolNames.map((tool) => ({
          name: tool,
          description: descriptions.get(tool) ?? `Scripted tool ${tool}`,
          inputSchema: { type: "object" as const }
        }))
      }))
      // Only calls whose step let them through reach the server; their answer is waiting under the request id.
      server.setRequestHandler(CallToolRequestSchema, (_request, extra) => {
        const answer = answers.get(extra.requestId)!
        answers.delete(extra.requestId)
        return answer
      })
      const faulty = new FaultTransport(transport, {
        policy,
        sleep: (ms, signal) => Runtime.runPromise(runtime)(Effect.sleep(Duration.millis(ms)), { signal }),
        crash: (t) => void t.close()
      })
      open.add(faulty)
      server.onclose = () => open.delete(faulty)
      await server.connect(faulty)
    }

    return {
      connect: Effect.promise(async () => {
        const [client, server] = InMemoryTransport.createLinkedPair()
        await serve(server)
        return client
      }),
      calls: Effect.sync(() => [...calls]),
      assertComplete: Effect.suspend((): Effect.Effect<void, UnexpectedCall | ScriptIncomplete> =>
        unexpected[0] !== undefined
          ? Effect.fail(unexpected[0])
          : next < options.steps.length
          ? Effect.fail(new ScriptIncomplete({ service: name, remaining: options.steps.slice(next).map(describe) }))
          : Effect.void
      )
    }
  })
