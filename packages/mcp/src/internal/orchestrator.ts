import { ToolGateway, Workflow, WorkflowCheckpoint, WorkflowExecutor, WorkflowPlan } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as McpOrchestrator from "../McpOrchestrator.js"
import type { ServiceStatus } from "../McpPool.js"
import { McpServices } from "../McpServices.js"
import type { ToolCatalogue, ToolInfo } from "../ToolCatalogue.js"

export type MakeUnbound = (workflow: string, issues: ReadonlyArray<string>) => McpOrchestrator.WorkflowUnbound

const IDEMPOTENCY_ARG = "idempotency_key"

/** Whether a tool's input schema declares the idempotency key argument. */
const acceptsKey = (tool: ToolInfo): boolean => {
  const properties = tool.inputSchema.properties
  return typeof properties === "object" && properties !== null && IDEMPOTENCY_ARG in properties
}

/** Mean latency of the connected instances that have answered; `undefined` when none has. */
const latencyOf = (status: ServiceStatus): number | undefined => {
  const observed = status.instances.filter((instance) => instance.connected && instance.latencyMs > 0)
  return observed.length === 0
    ? undefined
    : observed.reduce((sum, instance) => sum + instance.latencyMs, 0) / observed.length
}

/** The tool calls a workflow makes: its tool steps and its tool compensations. */
const toolCallsOf = (workflow: Workflow.Any) =>
  workflow.steps.flatMap((step) => {
    const calls: Array<{ readonly where: string; readonly service: string; readonly tool: string }> = []
    if (step.call._tag === "Tool") calls.push({ where: `step "${step.id}"`, ...step.call })
    const compensation = step.compensate
    if (compensation !== undefined && typeof compensation !== "function") {
      calls.push({ where: `the compensation of step "${step.id}"`, ...compensation })
    }
    return calls
  })

export const make = (makeUnbound: MakeUnbound) =>
(
  options: McpOrchestrator.Options = {}
): Effect.Effect<McpOrchestrator.Service, never, ToolGateway.ToolGateway | McpServices> =>
  Effect.gen(function*() {
    const gateway = yield* ToolGateway.ToolGateway
    const services = yield* McpServices
    const executor = WorkflowExecutor.make({
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint })
    })

    const catalogueOf = (service: string): Effect.Effect<ToolCatalogue | undefined> =>
      Effect.map(Effect.option(services.catalogue(service)), Option.getOrUndefined)

    /**
     * Checks the workflow's services and tools, all at once; answers the
     * tools that take the idempotency key as an argument.
     */
    const bind = (workflow: Workflow.Any) =>
      Effect.gen(function*() {
        const issues: Array<string> = []
        const keyed = new Set<string>()
        const configured = services.names
        for (const { service, tool, where } of toolCallsOf(workflow)) {
          if (!configured.includes(service)) {
            issues.push(`${where} calls service "${service}", which is not configured (configured: ${
              configured.join(", ") || "none"
            })`)
            continue
          }
          const catalogue = yield* catalogueOf(service)
          if (catalogue === undefined) continue
          const info = catalogue.tools.find((candidate) => candidate.name === tool)
          if (info === undefined) {
            issues.push(`${where} calls "${service}.${tool}", which does not exist (its tools: ${
              catalogue.tools.map((candidate) => candidate.name).join(", ") || "none"
            })`)
          } else if (acceptsKey(info)) keyed.add(`${service}.${tool}`)
        }
        return issues.length > 0 ? yield* Effect.fail(makeUnbound(workflow.name, issues)) : keyed
      })

    /** The gateway, adding the idempotency key to the arguments of the tools that declare it. */
    const keyedGateway = (keyed: ReadonlySet<string>): ToolGateway.ToolGateway["Type"] => ({
      invoke: (call) =>
        call.idempotencyKey === undefined || IDEMPOTENCY_ARG in call.args || !keyed.has(`${call.service}.${call.tool}`)
          ? gateway.invoke(call)
          : gateway.invoke({ ...call, args: { ...call.args, [IDEMPOTENCY_ARG]: call.idempotencyKey } })
    })

    const environment: Effect.Effect<WorkflowPlan.Environment> = Effect.gen(function*() {
      const statuses = new Map((yield* services.status).map((status) => [status.service, status]))
      const catalogues = yield* services.catalogues
      const info = (service: string, tool: string) => catalogues.get(service)?.tools.find((t) => t.name === tool)
      const readOnly = (service: string, tool: string) => info(service, tool)?.readOnly ?? false
      return {
        latencyMs: (service) => {
          const status = statuses.get(service)
          return status === undefined ? undefined : latencyOf(status)
        },
        health: (service) => statuses.get(service)?.health,
        readOnly,
        cached: (service, tool) =>
          readOnly(service, tool) && (options.config?.mcpServers[service]?.cacheTtlMs ?? 0) > 0
      }
    })

    const completedSteps = (runId: string | undefined) =>
      Effect.gen(function*() {
        if (runId === undefined) return []
        const checkpoint = options.checkpoint ??
          Option.getOrUndefined(yield* Effect.serviceOption(WorkflowCheckpoint.WorkflowCheckpoint))
        if (checkpoint === undefined) return []
        const run = yield* checkpoint.load(runId)
        return Option.match(run, {
          onNone: () => [],
          onSome: (recorded) =>
            Object.entries(recorded.steps ?? {}).flatMap(([step, outcome]) => (outcome._tag === "Failed" || outcome._tag === "Skipped" ? [] : [step]))
        })
      })

    const service: McpOrchestrator.Service = {
      executeWorkflow: (workflow, runOptions) =>
        Effect.flatMap(
          Effect.zipRight(Workflow.validate(workflow), bind(workflow)),
          (keyed) =>
            Effect.provideService(
              executor.execute(workflow, runOptions),
              ToolGateway.ToolGateway,
              keyedGateway(keyed)
            )
        ),
      plan: (workflow, planOptions = {}) =>
        Effect.gen(function*() {
          const completed = yield* completedSteps(planOptions.runId)
          const concurrency = planOptions.concurrency ?? workflow.concurrency ?? options.concurrency
          return yield* WorkflowPlan.make(workflow, {
            ...(yield* environment),
            completed,
            ...(concurrency === undefined ? {} : { concurrency })
          })
        }),
      optimizeExecution: (calls, planOptions = {}) => {
        const workflow = Workflow.fromSteps(
          "calls",
          calls.map((call, i) => ({ id: `${call.service}.${call.tool}#${i + 1}`, ...call }))
        )
        const concurrency = planOptions.concurrency ?? options.concurrency
        // The steps are generated with distinct ids and no dependencies: always valid.
        return Effect.orDie(Effect.flatMap(environment, (env) =>
          WorkflowPlan.make(workflow, { ...env, ...(concurrency === undefined ? {} : { concurrency }) })))
      },
      environment
    }
    return service
  })
