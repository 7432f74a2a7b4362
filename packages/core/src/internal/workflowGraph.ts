/**
 * A workflow's steps as a graph of indices, checked once per workflow
 * value (workflows are immutable, so the result is cached).
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type * as Workflow from "../Workflow.js"

export interface Graph {
  readonly steps: ReadonlyArray<Workflow.Step>
  readonly index: ReadonlyMap<string, number>
  /** The indices each step depends on, without repetitions. */
  readonly deps: ReadonlyArray<ReadonlyArray<number>>
  /** The indices that depend on each step, in declaration order. */
  readonly dependents: ReadonlyArray<ReadonlyArray<number>>
  /** Each step's timeout in ms, `undefined` without one. */
  readonly timeoutMs: ReadonlyArray<number | undefined>
}

export interface Problems {
  readonly duplicateSteps: ReadonlyArray<string>
  readonly unknownDependencies: ReadonlyArray<{ readonly step: string; readonly dependency: string }>
  readonly cycles: ReadonlyArray<ReadonlyArray<string>>
  readonly issues: ReadonlyArray<string>
}

const compiled = new WeakMap<Workflow.Any, Either.Either<Graph, Problems>>()

export const compile = (workflow: Workflow.Any): Either.Either<Graph, Problems> => {
  let result = compiled.get(workflow)
  if (result === undefined) {
    result = build(workflow)
    compiled.set(workflow, result)
  }
  return result
}

const build = (workflow: Workflow.Any): Either.Either<Graph, Problems> => {
  const steps = workflow.steps
  const index = new Map<string, number>()
  const duplicateSteps: Array<string> = []
  const issues: Array<string> = []
  steps.forEach((step, i) => {
    if (step.id.length === 0) issues.push(`step #${i + 1} has an empty id`)
    if (index.has(step.id)) {
      if (!duplicateSteps.includes(step.id)) duplicateSteps.push(step.id)
    } else index.set(step.id, i)
  })
  const unknownDependencies: Array<{ step: string; dependency: string }> = []
  const deps = steps.map((step) => {
    const found: Array<number> = []
    for (const dependency of step.dependsOn) {
      const d = index.get(dependency)
      if (d === undefined) unknownDependencies.push({ step: step.id, dependency })
      else if (!found.includes(d)) found.push(d)
    }
    return found
  })
  const timeoutMs = steps.map((step) => {
    if (step.timeout === undefined) return undefined
    const ms = Duration.toMillis(step.timeout)
    if (!(ms > 0)) issues.push(`step "${step.id}" has a timeout that is not positive`)
    return ms
  })
  if (workflow.deadline !== undefined && !(Duration.toMillis(workflow.deadline) > 0)) {
    issues.push("the deadline is not positive")
  }
  const concurrency = workflow.concurrency
  if (concurrency !== undefined && !(concurrency >= 1)) issues.push("concurrency must be at least 1")
  const cycles = duplicateSteps.length > 0 ? [] : findCycles(steps, deps)
  if (duplicateSteps.length > 0 || unknownDependencies.length > 0 || cycles.length > 0 || issues.length > 0) {
    return Either.left({ duplicateSteps, unknownDependencies, cycles, issues })
  }
  const dependents: Array<Array<number>> = steps.map(() => [])
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)))
  return Either.right({ steps, index, deps, dependents, timeoutMs })
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each as
 * a path from its earliest declared step back to it.
 */
const findCycles = (
  steps: ReadonlyArray<Workflow.Step>,
  deps: ReadonlyArray<ReadonlyArray<number>>
): Array<Array<string>> => {
  const order = new Array<number>(steps.length).fill(-1)
  const low = new Array<number>(steps.length).fill(0)
  const onStack = new Array<boolean>(steps.length).fill(false)
  const stack: Array<number> = []
  const components: Array<Array<number>> = []
  let counter = 0
  const visit = (v: number) => {
    order[v] = low[v] = counter++
    stack.push(v)
    onStack[v] = true
    for (const w of deps[v]!) {
      if (order[w] === -1) {
        visit(w)
        low[v] = Math.min(low[v]!, low[w]!)
      } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!)
    }
    if (low[v] === order[v]) {
      const component: Array<number> = []
      let w: number
      do {
        w = stack.pop()!
        onStack[w] = false
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || deps[v]!.includes(v)) components.push(component)
    }
  }
  for (let v = 0; v < steps.length; v++) if (order[v] === -1) visit(v)
  return components
    .map((component) => cycleThrough(Math.min(...component), new Set(component), deps).map((i) => steps[i]!.id))
    .sort((a, b) => steps.findIndex((s) => s.id === a[0]) - steps.findIndex((s) => s.id === b[0]))
}

/** A shortest path from `start` back to itself inside `members` (breadth first). */
const cycleThrough = (start: number, members: ReadonlySet<number>, deps: ReadonlyArray<ReadonlyArray<number>>) => {
  const previous = new Map<number, number>()
  const queue = [start]
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!
    for (const w of deps[v]!) {
      if (!members.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let at = v; at !== start; at = previous.get(at)!) path.push(at)
        path.push(start)
        // Edges point from a step to what it depends on; read the cycle that way.
        return path.reverse()
      }
      if (!previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}
