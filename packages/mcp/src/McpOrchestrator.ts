/**
 * Core's workflows over the MCP services: `executeWorkflow` checks that
 * every tool a workflow calls exists (all at once, before anything runs),
 * then runs it with core's `WorkflowExecutor` through the `ToolGateway`,
 * adding each call's idempotency key to the arguments of tools whose input
 * schema declares an `idempotency_key` (every call also carries it as
 * `ToolCall.idempotencyKey`, which the gateway sends in `_meta`).
 *
 * Alternative plans: a tool step that declares an `alternative` (core's
 * `Workflow.Alternative`) runs it when its service is down — for a
 * read-only tool, when the call fails with a service fault or a refusal
 * (breaker open, bulkhead full, rate limited) after the gateway's own
 * fallbacks; for a side-effecting one, only when no instance of its service
 * is connected, so the call was never sent. The result lists those steps in
 * `alternatives`, and every degraded answer of the run (alternatives, the
 * gateway's fallbacks and stale results) in `degradations`; the same
 * `Degradation` notes reach the caller's `Degradation.collect` (the turn's),
 * so the user is told.
 *
 * `plan` and `optimizeExecution` explain how a workflow, or a set of
 * independent calls, would run given what `McpServices` observes now: each
 * service's latency (the mean over its connected instances) and health, and
 * its catalogue's read-only tools, whose identical calls the gateway
 * coalesces and — for tools with a `cacheTtlMs` in the configuration (the
 * tool's own or its service's) — answers from its cache.
 *
 * @example
 * ```ts
 * import { Workflow, WorkflowPlan } from "@baton/core"
 * import { McpGateway, McpOrchestrator } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const search = Workflow.make("search")
 *   .tool("flights", { service: "flights", tool: "search_flights", args: { to: "OPO" } })
 *   .tool("hotels", { service: "accommodations", tool: "search_hotels", args: { city: "Porto" } })
 *
 * const program = Effect.gen(function*() {
 *   const orchestrator = yield* McpOrchestrator.McpOrchestrator
 *   console.log(WorkflowPlan.render(yield* orchestrator.plan(search)))
 *   return yield* orchestrator.executeWorkflow(search)
 * })
 *
 * const gateway = McpGateway.layerConfigFile("baton.config.json")
 * Effect.runPromise(Effect.provide(program, Layer.provideMerge(McpOrchestrator.layer(), gateway)))
 * ```
 *
 * @since 0.1.0
 */
import type { ToolGateway, Workflow, WorkflowCheckpoint, WorkflowExecutor, WorkflowPlan, WorkflowResult } from "@baton/core"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/orchestrator.js"
import type { McpConfig } from "./McpConfig.js"
import type { McpServices } from "./McpServices.js"

/**
 * A workflow calls services or tools that do not exist. Each problem is
 * listed; tools of a service that has not answered yet are not checked.
 *
 * @since 0.1.0 @category errors
 */
export class WorkflowUnbound extends Schema.TaggedError<WorkflowUnbound>("@baton/mcp/WorkflowUnbound")(
  "WorkflowUnbound",
  { workflow: Schema.String, issues: Schema.Array(Schema.String) }
) {
  override get message() {
    return `Workflow "${this.workflow}" cannot run on these MCP services: ` +
      this.issues.map((issue, i) => `${i + 1}) ${issue}`).join("; ")
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  /** The default concurrency limit of workflows that set none. */
  readonly concurrency?: number
  /** Where runs are checkpointed; otherwise the `WorkflowCheckpoint` provided to each call, if any. */
  readonly checkpoint?: WorkflowCheckpoint.Service
  /** The gateway's configuration: which tools' read-only answers are cached (`cacheTtlMs`). */
  readonly config?: McpConfig
}

/** @since 0.1.0 @category models */
export interface PlanOptions {
  /** Steps this run completed before (from its checkpoint) are planned as done. */
  readonly runId?: string
  readonly concurrency?: number
}

/** @since 0.1.0 @category models */
export interface Service {
  readonly executeWorkflow: <O, E, R>(
    workflow: Workflow.Workflow<O, E, R>,
    options?: WorkflowExecutor.RunOptions
  ) => Effect.Effect<
    WorkflowResult.WorkflowResult<O, E>,
    WorkflowExecutor.ExecuteError | WorkflowUnbound,
    Exclude<R, ToolGateway.ToolGateway>
  >
  readonly plan: (
    workflow: Workflow.Any,
    options?: PlanOptions
  ) => Effect.Effect<WorkflowPlan.ExecutionPlan, Workflow.WorkflowInvalid | WorkflowCheckpoint.WorkflowCheckpointError>
  /** The plan for running independent calls together. */
  readonly optimizeExecution: (
    calls: ReadonlyArray<ToolGateway.ToolCall>,
    options?: Pick<PlanOptions, "concurrency">
  ) => Effect.Effect<WorkflowPlan.ExecutionPlan>
  /** What the planner knows about the services now. */
  readonly environment: Effect.Effect<WorkflowPlan.Environment>
}

/** @since 0.1.0 @category tags */
export class McpOrchestrator extends Context.Tag("@baton/mcp/McpOrchestrator")<McpOrchestrator, Service>() {}

/**
 * An orchestrator over the `ToolGateway` and `McpServices` in context (both
 * provided by `McpGateway.layer`).
 *
 * @since 0.1.0 @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Service, never, ToolGateway.ToolGateway | McpServices> =
  internal.make((workflow, issues) => new WorkflowUnbound({ workflow, issues }))

/** @since 0.1.0 @category layers */
export const layer = (options?: Options): Layer.Layer<McpOrchestrator, never, ToolGateway.ToolGateway | McpServices> =>
  Layer.effect(McpOrchestrator, make(options))
