/**
 * How a workflow would run, before it runs: its levels (the longest chain
 * of dependencies before each step), when each step is expected to start
 * and finish given the services' observed latency and the concurrency
 * limit, which calls are served without a request (a read-only call
 * identical to one in flight is coalesced; to one already answered, served
 * from a cache when the service keeps one; a step completed by an earlier
 * execution of the run, from the checkpoint), which calls to a service go
 * out together (batches), the critical path, and the chance that every
 * required call succeeds given the services' health.
 *
 * What the planner knows about services comes from an `Environment`
 * (functions, so any source fits: `@baton/mcp`'s `McpOrchestrator` builds
 * one from `McpServices`' status and catalogues). Only calls with fixed
 * arguments can be recognised as duplicates.
 *
 * @example
 * ```ts
 * import { Workflow, WorkflowPlan } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const search = Workflow.make("search")
 *   .tool("flights", { service: "flights", tool: "search_flights", args: { to: "OPO" } })
 *   .tool("hotels", { service: "accommodations", tool: "search_hotels", args: { city: "Porto" } })
 *
 * const text = Effect.map(
 *   WorkflowPlan.make(search, { latencyMs: (service) => (service === "flights" ? 120 : 80) }),
 *   WorkflowPlan.render
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as internal from "./internal/workflowPlan.js"
import { compile } from "./internal/workflowGraph.js"
import * as Workflow from "./Workflow.js"

/**
 * What the planner knows about the services. Every member is optional; an
 * unknown latency counts as 0 and is reported.
 *
 * @since 0.1.0 @category models
 */
export interface Environment {
  /** Expected latency of a call, in ms. */
  readonly latencyMs?: (service: string, tool: string) => number | undefined
  /** Expected latency of an effect step, in ms. */
  readonly stepLatencyMs?: (step: string) => number | undefined
  /** 0..1: the chance that a call succeeds. */
  readonly health?: (service: string) => number | undefined
  /** Whether a tool has no side effects: identical read-only calls are shared. */
  readonly readOnly?: (service: string, tool: string) => boolean
  /** Whether a read-only tool's answers are kept and reused for identical later calls. */
  readonly cached?: (service: string, tool: string) => boolean
  /** Steps completed by an earlier execution of the run (from its checkpoint). */
  readonly completed?: ReadonlyArray<string>
  /** Overrides the workflow's concurrency limit. */
  readonly concurrency?: number
}

/**
 * How a step gets its output: a request (`call`), an effect (`run`),
 * sharing an identical request in flight (`coalesced`), a cached answer
 * (`cache`) or the run's checkpoint (`checkpoint`).
 *
 * @since 0.1.0 @category models
 */
export type Served = "call" | "run" | "coalesced" | "cache" | "checkpoint"

/** @since 0.1.0 @category models */
export interface PlannedStep {
  readonly id: string
  readonly kind: "tool" | "effect"
  readonly service: string | undefined
  readonly tool: string | undefined
  /** 0 for steps without dependencies; otherwise one more than the deepest dependency. */
  readonly level: number
  readonly dependsOn: ReadonlyArray<string>
  readonly optional: boolean
  readonly compensable: boolean
  readonly readOnly: boolean
  readonly served: Served
  /** The step whose request this one shares (`coalesced` or `cache`). */
  readonly sharesWith: string | undefined
  /** Index into `batches`. */
  readonly batch: number | undefined
  readonly health: number | undefined
  /** Expected duration; `undefined` when unknown (counted as 0). */
  readonly latencyMs: number | undefined
  /** Expected start and finish, in ms from the start of the run. */
  readonly startMs: number
  readonly finishMs: number
}

/**
 * Requests to one service that can go out together (same level).
 *
 * @since 0.1.0 @category models
 */
export interface Batch {
  readonly service: string
  readonly level: number
  readonly steps: ReadonlyArray<string>
}

/** @since 0.1.0 @category models */
export interface ExecutionPlan {
  readonly workflow: string
  /** In declaration order. */
  readonly steps: ReadonlyArray<PlannedStep>
  readonly levels: ReadonlyArray<ReadonlyArray<string>>
  readonly batches: ReadonlyArray<Batch>
  /** The chain of dependencies that ends last. */
  readonly criticalPath: ReadonlyArray<string>
  /** When the last step is expected to finish, under the concurrency limit. */
  readonly expectedLatencyMs: number
  /** The same steps one at a time. */
  readonly sequentialLatencyMs: number
  /** Steps whose latency is unknown. */
  readonly unknownLatency: ReadonlyArray<string>
  /** Requests sent (steps served by `call`). */
  readonly calls: number
  /** The chance that every required call succeeds; `undefined` without health. */
  readonly successProbability: number | undefined
  readonly concurrency: number | undefined
}

/**
 * Plans `workflow`; fails like the executor on an invalid definition.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (
  workflow: Workflow.Any,
  environment: Environment = {}
): Effect.Effect<ExecutionPlan, Workflow.WorkflowInvalid> =>
  Either.match(compile(workflow), {
    onLeft: (problems) => Effect.fail(new Workflow.WorkflowInvalid({ workflow: workflow.name, ...problems })),
    onRight: (graph) => Effect.sync(() => internal.plan(workflow, graph, environment))
  })

/**
 * The plan as text, for `baton plan`.
 *
 * @since 0.1.0 @category formatting
 */
export const render: (plan: ExecutionPlan) => string = internal.render
