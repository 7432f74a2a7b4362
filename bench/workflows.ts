/**
 * Workflows: the end-to-end latency of a parallel search over three services
 * that each take 50 ms (real timers: the tool gateway's calls sleep 50 ms),
 * against the same calls chained; and the executor's own cost per step,
 * over a 20-step DAG of steps that complete at once.
 *
 * A 20-step run costs a few hundred microseconds, so each iteration of the
 * overhead cases runs the workflow 50 times in one fiber and the table
 * reports per step (`Case.batch` = 50 × 20): p50/p99 are percentiles of
 * those averages.
 */
import { ToolGateway, Workflow, WorkflowCheckpoint, WorkflowExecutor } from "@baton/core"
import * as Effect from "effect/Effect"
import type { Case, Suite } from "./Suite.js"

const slowTools = Effect.provideService(ToolGateway.ToolGateway, {
  invoke: (call) => Effect.as(Effect.sleep(50), { service: call.service, results: 3 })
})

const parallelSearch = Workflow.make("search")
  .tool("flights", { service: "flights", tool: "search_flights", args: { to: "OPO" } })
  .tool("hotels", { service: "accommodations", tool: "search_hotels", args: { city: "Porto" } })
  .tool("activities", { service: "activities", tool: "search_activities", args: { city: "Porto" } })

const chainedSearch = Workflow.make("search-chained")
  .tool("flights", { service: "flights", tool: "search_flights", args: { to: "OPO" } })
  .tool("hotels", { dependsOn: ["flights"], service: "accommodations", tool: "search_hotels" })
  .tool("activities", { dependsOn: ["hotels"], service: "activities", tool: "search_activities" })

const runParallel = slowTools(WorkflowExecutor.execute(parallelSearch))
const runChained = slowTools(WorkflowExecutor.execute(chainedSearch))

/** Four levels of five immediate steps; each step after the first level depends on two of the level before. */
const dag = () => {
  const steps: Array<Workflow.StepInput> = []
  for (let level = 0; level < 4; level++) {
    for (let i = 0; i < 5; i++) {
      steps.push({
        id: `s${level}-${i}`,
        dependsOn: level === 0 ? [] : [`s${level - 1}-${i}`, `s${level - 1}-${(i + 1) % 5}`],
        run: (inputs) => Effect.succeed(Object.keys(inputs).length)
      })
    }
  }
  return Workflow.fromSteps("dag", steps)
}

const STEPS = 20
const RUNS = 50
const twenty = dag()

/** `RUNS` executions one after the other, in one fiber. */
const repeated = (run: Effect.Effect<unknown, unknown, never>) => {
  const batch = Effect.repeatN(run, RUNS - 1)
  return () => Effect.runPromise(batch)
}

const bare = Effect.provideService(WorkflowExecutor.execute(twenty), ToolGateway.ToolGateway, {
  invoke: () => Effect.die("no tool steps")
})

let runId = 0
const memory = WorkflowCheckpoint.makeMemory()
const checkpointed = Effect.suspend(() =>
  Effect.provideService(
    WorkflowExecutor.execute(twenty, { runId: `run-${runId++}`, checkpoint: memory }),
    ToolGateway.ToolGateway,
    { invoke: () => Effect.die("no tool steps") }
  )
)

const perStep = (c: Omit<Case, "batch">): Case => ({ ...c, batch: RUNS * STEPS })

export const suite: Suite = {
  name: "workflows",
  cases: [
    {
      name: "parallel search, 3 services × 50 ms (end to end)",
      fn: () => Effect.runPromise(runParallel),
      target: { p99: 60 }
    },
    { name: "reference: the same 3 calls chained", fn: () => Effect.runPromise(runChained) },
    perStep({
      name: "executor overhead per step (20-step DAG, immediate steps)",
      fn: repeated(bare),
      target: { mean: 0.02, p99: 0.02 }
    }),
    perStep({
      name: "executor overhead per step, in-memory checkpoint",
      fn: repeated(checkpointed)
    })
  ]
}
