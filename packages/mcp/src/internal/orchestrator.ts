import {
  Degradation,
  ToolGateway,
  Workflow,
  WorkflowCheckpoint,
  WorkflowExecutor,
  WorkflowPlan,
  type WorkflowResult
} from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as McpOrchestrator from "../McpOrchestrator.js"
import type { ServiceStatus } from "../McpPool.js"
import { McpServices } from "../McpServices.js"
import type { ToolCatalogue, ToolInfo } from "../ToolCatalogue.js"
import { fallsBack } from "./resilience.js"

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

/** The tool calls a workflow makes: its tool steps, their alternatives and its tool compensations. */
const toolCallsOf = (workflow: Workflow.Any) =>
  workflow.steps.flatMap((step) => {
    const calls: Array<{ readonly where: string; readonly service: string; readonly tool: string }> = []
    if (step.call._tag === "Tool") calls.push({ where: `step "${step.id}"`, ...step.call })
    if (step.alternative !== undefined) calls.push({ where: `the alternative of step "${step.id}"`, ...step.alternative })
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

    const connected = (service: string) =>
      Effect.map(services.status, (statuses) =>
        statuses.find((status) => status.service === service)?.instances.some((instance) => instance.connected) ?? false)

    const readOnlyTool = (service: string, tool: string) =>
      Effect.map(catalogueOf(service), (catalogue) =>
        catalogue?.tools.find((candidate) => candidate.name === tool)?.readOnly ?? false)

    /**
     * Runs the steps' alternatives: the executor's idempotency key for a
     * step is `<runId>/<step>` (its compensation's ends in `/compensate`),
     * which tells a step's call apart from any other. A read-only step
     * switches when its service fails with a fault or refuses the call; a
     * side-effecting one only when no instance of its service is connected,
     * so that the call was never sent (a refusal reaches here as a
     * `ToolResultError`, which could also be the tool's own answer).
     */
    const withAlternatives = (
      invoke: ToolGateway.ToolGateway["Type"]["invoke"],
      planned: ReadonlyMap<string, { readonly step: Workflow.Step; readonly alternative: Workflow.Alternative }>,
      run: { readonly workflow: string; readonly runId: string },
      used: Array<WorkflowResult.AlternativeUsed<string>>
    ): ToolGateway.ToolGateway["Type"] => ({
      invoke: (call) => {
        const plan = call.idempotencyKey === undefined ? undefined : planned.get(call.idempotencyKey)
        if (plan === undefined) return invoke(call)
        const { alternative, step } = plan
        const servedBy = `${alternative.service}.${alternative.tool}`
        const instead = (reason: string) => {
          const context: Workflow.StepContext = { ...run, step: step.id, idempotencyKey: call.idempotencyKey! }
          const args = alternative.args === undefined ? call.args : alternative.args(call.args, context)
          return invoke({ ...call, service: alternative.service, tool: alternative.tool, args }).pipe(
            Effect.tap(() =>
              Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (at) => {
                used.push({ step: step.id, service: call.service, servedBy, reason })
                return Degradation.record({ kind: "alternative", service: call.service, tool: step.id, servedBy, reason, at })
              })
            )
          )
        }
        return Effect.gen(function*() {
          const readOnly = yield* readOnlyTool(call.service, call.tool)
          if (!readOnly && !(yield* connected(call.service))) {
            return yield* instead(`no instance of ${call.service} is connected`)
          }
          return yield* Effect.catchAll(
            invoke(call),
            (error) => fallsBack(error, !readOnly) ? instead(error.message) : Effect.fail(error)
          )
        })
      }
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
        cached: (service, tool) => {
          const server = options.config?.mcpServers[service]
          return readOnly(service, tool) && (server?.tools?.[tool]?.cacheTtlMs ?? server?.cacheTtlMs ?? 0) > 0
        }
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
      executeWorkflow: (workflow, runOptions = {}) =>
        Effect.flatMap(
          Effect.zipRight(Workflow.validate(workflow), bind(workflow)),
          (keyed) => {
            const runId = runOptions.runId ?? crypto.randomUUID()
            const planned = new Map(workflow.steps.flatMap((step) =>
              step.alternative === undefined ? [] : [[`${runId}/${step.id}`, { step, alternative: step.alternative }] as const]
            ))
            // Step ids, typed as the workflow's own when they reach the result.
            const used: Array<WorkflowResult.AlternativeUsed<any>> = []
            const run = Effect.provideService(
              executor.execute(workflow, { ...runOptions, runId }),
              ToolGateway.ToolGateway,
              withAlternatives(keyedGateway(keyed).invoke, planned, { workflow: workflow.name, runId }, used)
            )
            // The notes go into the result and on to the caller's own collector (the turn's).
            return Effect.flatMap(Degradation.collect(run), ([result, degradations]) =>
              Effect.as(
                Effect.forEach(degradations, Degradation.record, { discard: true }),
                { ...result, alternatives: used, degradations }
              ))
          }
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
