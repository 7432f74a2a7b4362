/**
 * Executor invariants over random DAGs, random failures and random crashes:
 * each step is a tool call that takes a few scheduler turns (`yieldNow`, so
 * that fibers interleave without timers) and fails or succeeds
 * deterministically; a run may be interrupted (a crash) after a random number
 * of turns and is then resumed by a new executor from the same checkpoint.
 *
 * One log holds, in order, every tool call, every completed call (the side
 * effect happening) and every checkpointed outcome, tagged with the
 * execution (0: the first, 1: the resumption).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as fc from "fast-check"
import type { WorkflowStepOutcome } from "../src/SessionState.js"
import { type ToolCall, ToolGateway, ToolResultError } from "../src/ToolGateway.js"
import * as Workflow from "../src/Workflow.js"
import * as WorkflowCheckpoint from "../src/WorkflowCheckpoint.js"
import * as WorkflowExecutor from "../src/WorkflowExecutor.js"
import type { WorkflowResult } from "../src/WorkflowResult.js"

interface StepSpec {
  readonly deps: ReadonlyArray<number>
  readonly ticks: number
  readonly fails: boolean
  readonly optional: boolean
  readonly compensable: boolean
}

interface Spec {
  readonly steps: ReadonlyArray<StepSpec>
  readonly concurrency: number | undefined
  /** Crash after this many scheduler turns, or never. */
  readonly crashAfter: number | undefined
  readonly undoTicks: number
}

/** Scheduler turns per tick of work. */
const TICK = 3

const spec: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    steps: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          deps: fc.subarray(Array.from({ length: i }, (_, j) => j), { maxLength: Math.min(i, 3) }),
          ticks: fc.integer({ min: 0, max: 3 }),
          // One step in four fails.
          fails: fc.integer({ min: 0, max: 3 }).map((roll) => roll === 0),
          optional: fc.boolean(),
          compensable: fc.boolean()
        })
      )
    ),
    concurrency: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    // Most runs crash: before, while or after their steps and compensations run.
    crashAfter: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
    undoTicks: fc.integer({ min: 1, max: 3 })
  })
)

type Entry =
  | { readonly kind: "call"; readonly exec: number; readonly key: string }
  | { readonly kind: "done"; readonly exec: number; readonly key: string }
  | { readonly kind: "record"; readonly exec: number; readonly step: string; readonly outcome: WorkflowStepOutcome }

interface Played {
  readonly log: ReadonlyArray<Entry>
  readonly result: WorkflowResult<Record<string, unknown>, unknown>
  readonly spec: Spec
}

const id = (i: number) => `s${i}`

const definition = (s: Spec) =>
  Workflow.fromSteps(
    "random",
    s.steps.map((step, i) => ({
      id: id(i),
      dependsOn: step.deps.map(id),
      optional: step.optional,
      service: "svc",
      tool: id(i),
      ...(step.compensable ? { compensate: { service: "svc", tool: `undo-${id(i)}`, args: () => ({}) } } : {})
    })),
    s.concurrency === undefined ? {} : { concurrency: s.concurrency }
  )

const turns = (n: number): Effect.Effect<void> => n === 0 ? Effect.void : Effect.zipRight(Effect.yieldNow(), turns(n - 1))

/** Plays `s`: a first execution, crashed after `crashAfter` turns if it has not finished, then a resumption. */
const play = (s: Spec): Promise<Played> => {
  const log: Array<Entry> = []
  let exec = 0
  const byTool = new Map(s.steps.map((step, i) => [id(i), step]))
  const gateway = {
    invoke: (call: ToolCall) =>
      Effect.suspend(() => {
        const key = call.idempotencyKey!
        log.push({ kind: "call", exec, key })
        const undo = call.tool.startsWith("undo-")
        const step = byTool.get(undo ? call.tool.slice(5) : call.tool)!
        const work = turns(TICK * (undo ? s.undoTicks : step.ticks))
        return !undo && step.fails
          ? Effect.zipRight(work, Effect.fail(new ToolResultError({ service: "svc", tool: call.tool, detail: "no" })))
          : Effect.zipRight(work, Effect.sync(() => (log.push({ kind: "done", exec, key }), { key })))
      })
  }
  const memory = WorkflowCheckpoint.makeMemory()
  const checkpoint: WorkflowCheckpoint.Service = {
    ...memory,
    record: (runId, step, outcome) =>
      Effect.tap(memory.record(runId, step, outcome), () => void log.push({ kind: "record", exec, step, outcome }))
  }
  const workflow = definition(s)
  const execute = Effect.suspend(() => WorkflowExecutor.execute(workflow, { runId: "run", checkpoint }))
  const program = Effect.gen(function*() {
    const first = yield* Effect.fork(execute)
    if (s.crashAfter !== undefined) {
      yield* turns(s.crashAfter)
      if (first.unsafePoll() === null) {
        yield* Fiber.interrupt(first)
        exec = 1
        return yield* execute
      }
    }
    return yield* Fiber.join(first)
  })
  return Effect.runPromise(Effect.provideService(program, ToolGateway, gateway)).then((result) => ({ log, result, spec: s }))
}

const numRuns = 300

describe("Workflow properties", () => {
  it("every idempotency key's side effect happens at most once, across a crash and its resumption", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const { log, result } = await play(s)
        const done = new Map<string, number>()
        for (const entry of log) if (entry.kind === "done") done.set(entry.key, (done.get(entry.key) ?? 0) + 1)
        for (const [key, count] of done) expect(count, key).toBe(1)
        // Every step has exactly one fate.
        const fates = [...result.completed, ...result.failed.map((f) => f.step), ...result.skipped.map((f) => f.step)]
        expect(fates.slice().sort()).toEqual(s.steps.map((_, i) => id(i)).sort())
      }),
      { numRuns }
    )
  })

  it("no step starts before its dependencies have finished", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const { log } = await play(s)
        log.forEach((entry, position) => {
          if (entry.kind !== "call" || entry.key.endsWith("/compensate")) return
          const step = Number(entry.key.slice("run/s".length))
          for (const dep of s.steps[step]!.deps) {
            const finished = log.slice(0, position).some((earlier) =>
              earlier.kind === "record" && earlier.step === id(dep) &&
              (earlier.exec === entry.exec ? earlier.outcome._tag !== "Compensating" : earlier.outcome._tag === "Completed")
            )
            expect(finished, `${id(step)} started before ${id(dep)} finished`).toBe(true)
          }
        })
      }),
      { numRuns }
    )
  })

  it("compensations undo exactly the completed side-effecting steps, in reverse completion order, when a required step fails", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const { log, result } = await play(s)
        const requiredMissing = s.steps.some((step, i) => !step.optional && !result.completed.includes(id(i)))
        expect(result.status === "failed").toBe(requiredMissing)
        const undone = log.flatMap((entry) =>
          entry.kind === "done" && entry.key.endsWith("/compensate") ? [entry.key.split("/")[1]!] : []
        )
        const compensable = result.completed.filter((step) => s.steps[Number(step.slice(1))]!.compensable)
        expect(undone).toEqual(requiredMissing ? compensable.slice().reverse() : [])
        expect(result.compensated).toEqual(undone)
      }),
      { numRuns }
    )
  })
})
