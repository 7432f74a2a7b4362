/**
 * The planner: a simulation of the executor's list scheduling (ready steps
 * launched in the order they became ready, up to the concurrency limit)
 * over expected latencies, deciding along the way which read-only calls
 * share a request or a cached answer.
 */
import type * as Workflow from "../Workflow.js"
import type * as WorkflowPlan from "../WorkflowPlan.js"
import { formatMs } from "./policy.js"
import type { Graph } from "./workflowGraph.js"

// Sorting keys makes `{a, b}` and `{b, a}` the same call, as the MCP gateway does.
const sortKeys = (_key: string, value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : value

const callKey = (service: string, tool: string, args: unknown) =>
  `${service}\u0000${tool}\u0000${JSON.stringify(args, sortKeys)}`

interface Facts {
  readonly service: string | undefined
  readonly tool: string | undefined
  readonly readOnly: boolean
  /** Identifies a read-only call with fixed arguments. */
  readonly key: string | undefined
  readonly latencyMs: number | undefined
  readonly health: number | undefined
  readonly cached: boolean
}

const factsOf = (step: Workflow.Step, env: WorkflowPlan.Environment): Facts => {
  const call = step.call
  if (call._tag === "Effect") {
    return {
      service: undefined,
      tool: undefined,
      readOnly: false,
      key: undefined,
      latencyMs: env.stepLatencyMs?.(step.id),
      health: undefined,
      cached: false
    }
  }
  const { service, tool } = call
  const readOnly = env.readOnly?.(service, tool) ?? false
  return {
    service,
    tool,
    readOnly,
    key: readOnly && typeof call.args !== "function" ? callKey(service, tool, call.args ?? {}) : undefined,
    latencyMs: env.latencyMs?.(service, tool),
    health: env.health?.(service),
    cached: readOnly && (env.cached?.(service, tool) ?? false)
  }
}

export const plan = (
  workflow: Workflow.Any,
  graph: Graph,
  env: WorkflowPlan.Environment
): WorkflowPlan.ExecutionPlan => {
  const { deps, dependents, steps } = graph
  const n = steps.length
  const concurrency = env.concurrency ?? workflow.concurrency
  const limit = concurrency ?? Infinity
  const facts = steps.map((step) => factsOf(step, env))
  const fromCheckpoint = steps.map((step) => env.completed?.includes(step.id) ?? false)

  const level = new Array<number>(n).fill(-1)
  const levelOf = (i: number): number => {
    if (level[i] === -1) level[i] = deps[i]!.reduce((deepest, d) => Math.max(deepest, levelOf(d) + 1), 0)
    return level[i]!
  }
  for (let i = 0; i < n; i++) levelOf(i)

  // The simulation.
  const start = new Array<number>(n).fill(0)
  const finish = new Array<number>(n).fill(0)
  const served = new Array<WorkflowPlan.Served>(n).fill("checkpoint")
  const sharesWith = new Array<number | undefined>(n).fill(undefined)
  const pending = deps.map((ds) => ds.filter((d) => !fromCheckpoint[d]).length)
  const ready: Array<number> = []
  for (let i = 0; i < n; i++) if (!fromCheckpoint[i] && pending[i] === 0) ready.push(i)
  // The latest request for each read-only call with fixed arguments.
  const lastRequest = new Map<string, number>()
  const running: Array<number> = []
  let time = 0
  let head = 0
  for (;;) {
    while (head < ready.length && running.length < limit) {
      const i = ready[head++]!
      const fact = facts[i]!
      start[i] = time
      let duration = fact.latencyMs ?? 0
      served[i] = fact.tool === undefined ? "run" : "call"
      const previous = fact.key === undefined ? undefined : lastRequest.get(fact.key)
      if (previous !== undefined && (finish[previous]! > time || start[previous] === time)) {
        served[i] = "coalesced"
        sharesWith[i] = previous
        duration = finish[previous]! - time
      } else if (previous !== undefined && fact.cached) {
        served[i] = "cache"
        sharesWith[i] = previous
        duration = 0
      } else if (fact.key !== undefined) lastRequest.set(fact.key, i)
      finish[i] = time + duration
      running.push(i)
    }
    if (running.length === 0) break
    let next = 0
    for (let r = 1; r < running.length; r++) if (finish[running[r]!]! < finish[running[next]!]!) next = r
    const j = running.splice(next, 1)[0]!
    time = finish[j]!
    for (const d of dependents[j]!) if (!fromCheckpoint[d] && --pending[d]! === 0) ready.push(d)
  }

  const levels: Array<Array<string>> = []
  for (let i = 0; i < n; i++) (levels[level[i]!] ??= []).push(steps[i]!.id)

  const batches: Array<WorkflowPlan.Batch> = []
  const batchOf = new Array<number | undefined>(n).fill(undefined)
  const groups = new Map<string, Array<number>>()
  for (let i = 0; i < n; i++) {
    if (served[i] !== "call") continue
    const group = `${level[i]}\u0000${facts[i]!.service}`
    const members = groups.get(group)
    if (members === undefined) groups.set(group, [i])
    else members.push(i)
  }
  for (const members of [...groups.values()].sort((a, b) => level[a[0]!]! - level[b[0]!]! || a[0]! - b[0]!)) {
    if (members.length < 2) continue
    for (const i of members) batchOf[i] = batches.length
    batches.push({ service: facts[members[0]!]!.service!, level: level[members[0]!]!, steps: members.map((i) => steps[i]!.id) })
  }

  let last = -1
  for (let i = 0; i < n; i++) if (last === -1 || finish[i]! >= finish[last]!) last = i
  const criticalPath: Array<string> = []
  for (let at = last; at !== -1;) {
    criticalPath.unshift(steps[at]!.id)
    at = deps[at]!.reduce((latest, d) => (latest === -1 || finish[d]! > finish[latest]! ? d : latest), -1)
  }

  const runs = (i: number) => served[i] === "call" || served[i] === "run"
  const sequentialLatencyMs = facts.reduce(
    (sum, fact, i) => sum + (runs(i) || (served[i] === "coalesced" && !fact.cached) ? fact.latencyMs ?? 0 : 0),
    0
  )
  const successProbability = env.health === undefined ? undefined : facts.reduce(
    (p, fact, i) => (served[i] === "call" && !steps[i]!.optional ? p * (fact.health ?? 1) : p),
    1
  )

  return {
    workflow: workflow.name,
    steps: steps.map((step, i): WorkflowPlan.PlannedStep => ({
      id: step.id,
      kind: step.call._tag === "Tool" ? "tool" : "effect",
      service: facts[i]!.service,
      tool: facts[i]!.tool,
      level: level[i]!,
      dependsOn: step.dependsOn,
      optional: step.optional,
      compensable: step.compensate !== undefined,
      readOnly: facts[i]!.readOnly,
      served: served[i]!,
      sharesWith: sharesWith[i] === undefined ? undefined : steps[sharesWith[i]!]!.id,
      batch: batchOf[i],
      health: facts[i]!.health,
      latencyMs: runs(i) ? facts[i]!.latencyMs : finish[i]! - start[i]!,
      startMs: start[i]!,
      finishMs: finish[i]!
    })),
    levels,
    batches,
    criticalPath: last === -1 ? [] : criticalPath,
    expectedLatencyMs: last === -1 ? 0 : finish[last]!,
    sequentialLatencyMs,
    unknownLatency: steps.flatMap((step, i) => (runs(i) && facts[i]!.latencyMs === undefined ? [step.id] : [])),
    calls: served.filter((s) => s === "call").length,
    successProbability,
    concurrency
  }
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`

const servedNote = (step: WorkflowPlan.PlannedStep): string | undefined => {
  switch (step.served) {
    case "coalesced":
      return `shares the request of "${step.sharesWith}"`
    case "cache":
      return `cached answer of "${step.sharesWith}"`
    case "checkpoint":
      return "done (checkpoint)"
    default:
      return undefined
  }
}

export const render = (plan: WorkflowPlan.ExecutionPlan): string => {
  const count = (served: WorkflowPlan.Served) => plan.steps.filter((step) => step.served === served).length
  const shared = [
    count("coalesced") > 0 ? `${count("coalesced")} coalesced` : undefined,
    count("cache") > 0 ? `${count("cache")} from cache` : undefined,
    count("checkpoint") > 0 ? `${count("checkpoint")} from checkpoint` : undefined
  ].filter((part) => part !== undefined)
  const lines = [
    `Workflow "${plan.workflow}": ${plural(plan.steps.length, "step")} in ${plural(plan.levels.length, "level")}, ` +
    `${plural(plan.calls, "request")}${shared.length > 0 ? ` (${shared.join(", ")})` : ""}`,
    `Expected ${formatMs(plan.expectedLatencyMs)} (one at a time: ${formatMs(plan.sequentialLatencyMs)})` +
    (plan.concurrency === undefined ? "" : `, at most ${plan.concurrency} at once`) +
    (plan.successProbability === undefined
      ? ""
      : `; required calls all succeed: ${(plan.successProbability * 100).toFixed(0)}%`)
  ]
  const byId = new Map(plan.steps.map((step) => [step.id, step]))
  const rows = plan.levels.map((ids) => ids.map((id) => byId.get(id)!))
  const targetOf = (step: WorkflowPlan.PlannedStep) => step.kind === "tool" ? `${step.service}.${step.tool}` : "(effect)"
  const idWidth = Math.max(...plan.steps.map((step) => step.id.length), 4)
  const targetWidth = Math.max(...plan.steps.map((step) => targetOf(step).length), 8)
  const timeOf = (step: WorkflowPlan.PlannedStep) =>
    step.served === "checkpoint" ? "—" : `${formatMs(step.startMs)} → ${formatMs(step.finishMs)}`
  const timeWidth = Math.max(...plan.steps.map((step) => timeOf(step).length), 4)
  rows.forEach((level, i) => {
    lines.push(`Level ${i}`)
    for (const step of level) {
      const notes = [
        servedNote(step),
        step.health === undefined ? undefined : `health ${step.health.toFixed(2)}`,
        step.readOnly ? "read-only" : undefined,
        step.optional ? "optional" : undefined,
        step.compensable ? "compensable" : undefined,
        step.batch === undefined ? undefined : `batch ${step.batch + 1}`,
        step.dependsOn.length === 0 ? undefined : `after ${step.dependsOn.join(", ")}`
      ].filter((note) => note !== undefined)
      lines.push(
        `  ${step.id.padEnd(idWidth)}  ${targetOf(step).padEnd(targetWidth)}  ${timeOf(step).padEnd(timeWidth)}  ` +
          notes.join(", ")
      )
    }
  })
  if (plan.batches.length > 0) {
    lines.push("Batches")
    plan.batches.forEach((batch, i) =>
      lines.push(`  ${i + 1}. ${batch.service} at level ${batch.level}: ${batch.steps.join(", ")}`)
    )
  }
  if (plan.criticalPath.length > 0) lines.push(`Critical path: ${plan.criticalPath.join(" → ")}`)
  if (plan.unknownLatency.length > 0) {
    lines.push(`Unknown latency (counted as 0): ${plan.unknownLatency.join(", ")}`)
  }
  return lines.map((line) => line.trimEnd()).join("\n")
}
