/**
 * One execution of a workflow run.
 *
 * The scheduling fiber owns all the run's state. A step is launched (forked)
 * as soon as its last dependency has finished, while fewer than the limit
 * are running; a step fiber runs the call, settles its slot, records its
 * outcome in the checkpoint and only then tells the scheduler, so that no
 * dependent starts before its dependencies' outcomes are durable.
 *
 * When a required step fails (or is skipped) the run stops launching steps;
 * those already running finish — a side-effecting call cut short could not
 * be undone, one that completes can — and then every completed step with a
 * compensation is undone, latest completion first.
 *
 * Resumption: outcomes recorded by an earlier execution of the same run id
 * are read back. Completed steps are not run again (their outputs are
 * reused); failed and skipped ones are, with the same idempotency keys. Once
 * a compensation has been recorded the run is past its point of no return:
 * a resumption only finishes the compensations. A finished run is returned
 * from its record without running anything.
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { BatonEvent } from "../BatonEvent.js"
import * as BatonMetrics from "../BatonMetrics.js"
import * as EventBus from "../EventBus.js"
import type { WorkflowRef, WorkflowStepOutcome } from "../SessionState.js"
import { type ToolCall, ToolGateway } from "../ToolGateway.js"
import * as Workflow from "../Workflow.js"
import * as WorkflowCheckpoint from "../WorkflowCheckpoint.js"
import * as Result from "../WorkflowResult.js"
import * as Deadline from "./deadline.js"
import { describe } from "./policy.js"
import { compile, type Graph } from "./workflowGraph.js"

export interface RunOptions {
  readonly runId?: string | undefined
  readonly concurrency?: number | undefined
  readonly deadline?: Duration.DurationInput | undefined
  readonly checkpoint?: WorkflowCheckpoint.Service | undefined
}

type SlotStatus = "waiting" | "running" | "completed" | "failed" | "skipped"
type Undo = "none" | "started" | "done" | "failed"

interface Slot {
  status: SlotStatus
  /** The output as dependents see it. */
  output: unknown
  /** The output as checkpointed. */
  encoded: unknown
  /** Completion order, from 1. */
  seq: number
  reused: boolean
  error: unknown
  skip: Result.SkipReason | undefined
  because: ReadonlyArray<string>
  undo: Undo
  undoError: unknown
}

interface Produced {
  readonly output: unknown
  readonly encoded: unknown
}

type Bus = Context.Tag.Service<EventBus.EventBus> | undefined
type AnyEffect = Effect.Effect<unknown, unknown, unknown>

const durations = {
  completed: Metric.tagged(BatonMetrics.workflowDuration, "status", "completed"),
  partial: Metric.tagged(BatonMetrics.workflowDuration, "status", "partial"),
  failed: Metric.tagged(BatonMetrics.workflowDuration, "status", "failed")
}

const invokeTool = (call: ToolCall) => Effect.flatMap(ToolGateway, (gateway) => gateway.invoke(call))

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

const withOutput = (encoded: unknown) => (encoded === undefined ? {} : { output: encoded })

/** `first` then `second`, without a frame when either does nothing (no checkpoint, no event bus). */
const andThen = <R>(first: Effect.Effect<void, never, R>, second: Effect.Effect<void, never, R>): Effect.Effect<void, never, R> =>
  first === Effect.void ? second : second === Effect.void ? first : Effect.zipRight(first, second)

class Run {
  readonly steps: ReadonlyArray<Workflow.Step>
  readonly slots: Array<Slot>
  /** Unfinished dependencies per step. */
  readonly pending: Array<number>
  readonly ready: Array<number> = []
  head = 0
  running = 0
  nextSeq = 1
  /** A required step did not complete: launch nothing more. */
  stopping = false
  /** An outcome recorded by an earlier execution says the run was compensating. */
  compensating = false
  fatal: WorkflowCheckpoint.WorkflowCheckpointError | undefined
  /** Steps undone, in order (an earlier execution's first). */
  readonly undone: Array<number> = []
  /** Steps whose fibers have finished, for the scheduler to settle. */
  readonly finished: Array<number> = []
  finishedHead = 0
  /** Resumes the scheduler when it waits for a step to finish. */
  wake: ((effect: Effect.Effect<void>) => void) | undefined

  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly runId: string,
    readonly clock: Clock.Clock,
    readonly checkpoint: WorkflowCheckpoint.Service | undefined,
    readonly bus: Bus,
    readonly limit: number,
    readonly deadlineMs: number | undefined,
    readonly startedAt: number
  ) {
    this.steps = graph.steps
    this.slots = graph.steps.map(() => ({
      status: "waiting",
      output: undefined,
      encoded: undefined,
      seq: 0,
      reused: false,
      error: undefined,
      skip: undefined,
      because: [],
      undo: "none",
      undoError: undefined
    }))
    this.pending = graph.deps.map((deps) => deps.length)
  }

  get deadlineAt(): number | undefined {
    return this.deadlineMs === undefined ? undefined : this.startedAt + this.deadlineMs
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  emit(event: () => BatonEvent): Effect.Effect<void> {
    return this.bus === undefined ? Effect.void : this.bus.publish(event())
  }

  /** Records an outcome; a failure to record stops the run (`fatal`). */
  record(step: string, outcome: () => WorkflowStepOutcome): Effect.Effect<void> {
    if (this.checkpoint === undefined || this.fatal !== undefined) return Effect.void
    return Effect.catchAll(
      this.checkpoint.record(this.runId, step, outcome()),
      (error) => Effect.sync(() => void (this.fatal ??= error))
    )
  }

  checkpointError(reason: string): WorkflowCheckpoint.WorkflowCheckpointError {
    return new WorkflowCheckpoint.WorkflowCheckpointError({ runId: this.runId, operation: "start", reason })
  }

  recordedFailure(step: string, error: string, errorTag: string | undefined) {
    return new Result.RecordedStepFailure({
      workflow: this.name,
      step,
      error,
      ...(errorTag === undefined ? {} : { errorTag })
    })
  }

  // --- resumption -----------------------------------------------------------

  /** Reads an earlier execution's outcomes; a problem with them stops the run. */
  restore(prior: WorkflowRef): WorkflowCheckpoint.WorkflowCheckpointError | undefined {
    if (prior.name !== this.name) {
      return this.checkpointError(`run "${this.runId}" belongs to workflow "${prior.name}"`)
    }
    const recorded = Object.entries(prior.steps ?? {})
    const unknown = recorded.map(([id]) => id).filter((id) => !this.graph.index.has(id))
    if (unknown.length > 0) {
      return this.checkpointError(`its checkpoint has steps the workflow does not: ${unknown.join(", ")}`)
    }
    const compensatedBefore: Array<number> = []
    for (const [id, outcome] of recorded) {
      if (outcome._tag === "Failed" || outcome._tag === "Skipped") continue
      const i = this.graph.index.get(id)!
      const step = this.steps[i]!
      const slot = this.slots[i]!
      const decoded = step.output === undefined
        ? Either.right(outcome.output)
        : Schema.decodeUnknownEither(step.output)(outcome.output)
      if (Either.isLeft(decoded)) {
        return this.checkpointError(`the recorded output of step "${id}" does not decode: ${decoded.left.message}`)
      }
      slot.status = "completed"
      slot.reused = true
      slot.output = decoded.right
      slot.encoded = outcome.output
      slot.seq = outcome.seq
      this.nextSeq = Math.max(this.nextSeq, outcome.seq + 1)
      if (outcome._tag === "Completed") continue
      this.compensating = true
      if (outcome._tag === "Compensated") {
        slot.undo = "done"
        compensatedBefore.push(i)
      } else if (outcome._tag === "CompensationFailed") {
        slot.undo = "failed"
        slot.undoError = this.recordedFailure(id, outcome.error, undefined)
      } else slot.undo = "started"
    }
    // Compensations run latest completion first.
    this.undone.push(...compensatedBefore.sort((a, b) => this.slots[b]!.seq - this.slots[a]!.seq))
    for (const [i, slot] of this.slots.entries()) {
      if (slot.status !== "completed") continue
      for (const d of this.graph.dependents[i]!) this.pending[d]!--
    }
    if (this.compensating || prior.status !== "running") this.settleFromRecord(prior)
    return undefined
  }

  /** Steps that will not run again take their recorded failure or skip. */
  settleFromRecord(prior: WorkflowRef): void {
    for (const [i, slot] of this.slots.entries()) {
      if (slot.status === "completed") continue
      const step = this.steps[i]!
      const outcome = prior.steps?.[step.id]
      if (outcome?._tag === "Failed") {
        slot.status = "failed"
        slot.error = this.recordedFailure(step.id, outcome.error, outcome.errorTag)
      } else {
        slot.status = "skipped"
        slot.skip = outcome?._tag === "Skipped" ? outcome.reason : "workflow-failed"
      }
    }
  }

  // --- running steps --------------------------------------------------------

  /** Launches ready steps and settles finished ones until none is running. */
  schedule(): Effect.Effect<void, never, unknown> {
    const run = this
    for (const [i, slot] of this.slots.entries()) {
      if (slot.status === "waiting" && this.pending[i] === 0) this.ready.push(i)
    }
    return Effect.gen(function*() {
      for (;;) {
        while (run.head < run.ready.length) {
          const i = run.ready[run.head]!
          const skip = run.skipReason(i)
          if (skip !== undefined) {
            run.head++
            yield* run.skip(i, skip)
            continue
          }
          if (run.running >= run.limit) break
          run.head++
          run.running++
          yield* Effect.fork(run.stepEffect(i))
        }
        if (run.running === 0) return
        if (run.finishedHead === run.finished.length) yield* run.nextFinished
        run.running--
        run.release(run.finished[run.finishedHead++]!)
      }
    })
  }

  /** A step fiber has settled its step. */
  notify(i: number): void {
    this.finished.push(i)
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake(Effect.void)
    }
  }

  readonly nextFinished: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.finishedHead < this.finished.length) resume(Effect.void)
    else this.wake = resume
  })

  release(i: number): void {
    for (const d of this.graph.dependents[i]!) {
      if (this.slots[d]!.status === "waiting" && --this.pending[d]! === 0) this.ready.push(d)
    }
  }

  skipReason(i: number): Result.SkipReason | undefined {
    if (this.fatal !== undefined) return "workflow-failed"
    for (const d of this.graph.deps[i]!) {
      if (!this.steps[d]!.optional && this.slots[d]!.status !== "completed") return "dependency-failed"
    }
    if (this.stopping) return "workflow-failed"
    const deadlineAt = this.deadlineAt
    if (deadlineAt !== undefined && this.now() >= deadlineAt) return "deadline"
    return undefined
  }

  skip(i: number, reason: Result.SkipReason): Effect.Effect<void> {
    const step = this.steps[i]!
    const slot = this.slots[i]!
    slot.status = "skipped"
    slot.skip = reason
    if (reason === "dependency-failed") {
      slot.because = this.graph.deps[i]!
        .filter((d) => !this.steps[d]!.optional && this.slots[d]!.status !== "completed")
        .map((d) => this.steps[d]!.id)
    }
    if (!step.optional) this.stopping = true
    this.release(i)
    return this.record(step.id, () => ({ _tag: "Skipped", reason, at: this.now() }))
  }

  context(step: Workflow.Step, compensation: boolean): Workflow.StepContext {
    const key = `${this.runId}/${step.id}`
    return {
      workflow: this.name,
      runId: this.runId,
      step: step.id,
      idempotencyKey: compensation ? `${key}/compensate` : key
    }
  }

  inputsOf(i: number): Record<string, unknown> {
    const inputs: Record<string, unknown> = {}
    for (const d of this.graph.deps[i]!) {
      const slot = this.slots[d]!
      inputs[this.steps[d]!.id] = slot.status === "completed" ? slot.output : undefined
    }
    return inputs
  }

  stepEffect(i: number): Effect.Effect<void, never, unknown> {
    const step = this.steps[i]!
    const started = this.now()
    this.slots[i]!.status = "running"
    const body = this.bound(this.produce(step, this.inputsOf(i), this.context(step, false)), i, true)
    const settled = Effect.matchCauseEffect(body, {
      onFailure: (cause) => this.failed(i, cause, started),
      onSuccess: (produced) => this.completed(i, produced, started)
    })
    const traced = Effect.withSpan(settled, "baton.workflow.step", {
      attributes: { "baton.workflow": this.name, "baton.step": step.id },
      captureStackTrace: false
    })
    const announced = this.emit(() => ({
      _tag: "StepStarted",
      at: started,
      workflow: this.name,
      runId: this.runId,
      step: step.id
    }))
    return Effect.zipRight(andThen(announced, traced), Effect.sync(() => this.notify(i)))
  }

  /** The step's call under its policy, with its output decoded and encoded for the checkpoint. */
  produce(
    step: Workflow.Step,
    inputs: Record<string, unknown>,
    ctx: Workflow.StepContext
  ): Effect.Effect<Produced, unknown, unknown> {
    const call = step.call
    let effect: AnyEffect = call._tag === "Tool"
      ? Effect.suspend(() =>
        invokeTool({
          service: call.service,
          tool: call.tool,
          args: typeof call.args === "function" ? call.args(inputs, ctx) : call.args ?? {},
          idempotencyKey: ctx.idempotencyKey
        })
      )
      : Effect.suspend(() => call.run(inputs, ctx))
    if (step.policy !== undefined) effect = step.policy(effect)
    const schema = step.output
    if (schema === undefined) return Effect.map(effect, (output) => ({ output, encoded: output }))
    const invalid = (issue: string) => new Result.StepOutputInvalid({ workflow: this.name, step: step.id, issue })
    return Effect.flatMap(effect, (value) => {
      // A tool's raw result is the encoded form; an effect's output is encoded for the checkpoint.
      const converted = call._tag === "Tool"
        ? Either.map(Schema.decodeUnknownEither(schema)(value), (output) => ({ output, encoded: value }))
        : Either.map(Schema.encodeUnknownEither(schema)(value), (encoded) => ({ output: value, encoded }))
      return Either.match(converted, {
        onLeft: (error) => Effect.fail(invalid(error.message)),
        onRight: (produced) => Effect.succeed(produced)
      })
    })
  }

  /** Bounds a call by the step's timeout and, for a step, the run's deadline. */
  bound<A, R>(effect: Effect.Effect<A, unknown, R>, i: number, withDeadline: boolean): Effect.Effect<A, unknown, R> {
    const stepMs = this.graph.timeoutMs[i]
    const deadlineAt = withDeadline ? this.deadlineAt : undefined
    if (stepMs === undefined && deadlineAt === undefined) return effect
    const step = this.steps[i]!.id
    return Deadline.make({
      clock: this.clock,
      timeoutMs: () => Math.min(stepMs ?? Infinity, deadlineAt === undefined ? Infinity : Math.max(0, deadlineAt - this.now())),
      onTimeout: (ms) =>
        Effect.fail(
          deadlineAt !== undefined && this.now() >= deadlineAt
            ? new Result.WorkflowDeadlineExceeded({ workflow: this.name, step, deadlineMs: this.deadlineMs! })
            : new Result.StepTimedOut({ workflow: this.name, step, timeoutMs: stepMs ?? ms })
        )
    })(effect)
  }

  errorOf(step: Workflow.Step, cause: Cause.Cause<unknown>): unknown {
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) return failure.value
    const defect = Cause.dieOption(cause)
    return new Result.StepDefect({
      workflow: this.name,
      step: step.id,
      defect: Option.isSome(defect) ? describe(defect.value) : "interrupted"
    })
  }

  completed(i: number, produced: Produced, started: number): Effect.Effect<void> {
    const step = this.steps[i]!
    const slot = this.slots[i]!
    const at = this.now()
    slot.status = "completed"
    slot.output = produced.output
    slot.encoded = produced.encoded
    const seq = slot.seq = this.nextSeq++
    return andThen(
      this.record(step.id, () => ({ _tag: "Completed", ...withOutput(produced.encoded), seq, at })),
      this.emit(() => ({
        _tag: "StepCompleted",
        at,
        workflow: this.name,
        runId: this.runId,
        step: step.id,
        durationMs: at - started
      }))
    )
  }

  failed(i: number, cause: Cause.Cause<unknown>, started: number): Effect.Effect<void> {
    const step = this.steps[i]!
    const slot = this.slots[i]!
    const at = this.now()
    const error = this.errorOf(step, cause)
    slot.status = "failed"
    slot.error = error
    if (!step.optional) this.stopping = true
    const errorTag = tagOf(error)
    return andThen(
      this.record(step.id, () => ({
        _tag: "Failed",
        error: describe(error),
        ...(errorTag === undefined ? {} : { errorTag }),
        at
      })),
      this.emit(() => ({
        _tag: "StepFailed",
        at,
        workflow: this.name,
        runId: this.runId,
        step: step.id,
        optional: step.optional,
        error: describe(error),
        durationMs: at - started
      }))
    )
  }

  // --- compensation ---------------------------------------------------------

  requiredMissing(): boolean {
    return this.slots.some((slot, i) => slot.status !== "completed" && !this.steps[i]!.optional)
  }

  /** Undoes every completed step that has a compensation and is not undone yet, latest completion first. */
  compensate(): Effect.Effect<void, never, unknown> {
    const order = this.slots
      .flatMap((slot, i) =>
        slot.status === "completed" && slot.undo !== "done" && this.steps[i]!.compensate !== undefined ? [i] : []
      )
      .sort((a, b) => this.slots[b]!.seq - this.slots[a]!.seq)
    return Effect.forEach(order, (i) => this.undo(i), { discard: true })
  }

  undo(i: number): Effect.Effect<void, never, unknown> {
    const step = this.steps[i]!
    const slot = this.slots[i]!
    const compensation = step.compensate!
    const ctx = this.context(step, true)
    const recorded = { ...withOutput(slot.encoded), seq: slot.seq }
    let call: AnyEffect = typeof compensation === "function"
      ? Effect.suspend(() => compensation(slot.output, ctx))
      : Effect.suspend(() =>
        invokeTool({
          service: compensation.service,
          tool: compensation.tool,
          args: compensation.args(slot.output, ctx),
          idempotencyKey: ctx.idempotencyKey
        })
      )
    if (step.policy !== undefined) call = step.policy(call)
    const started = this.now()
    slot.undo = "started"
    const settle = (exit: Exit.Exit<unknown, unknown>) => {
      const at = this.now()
      const base = { at, workflow: this.name, runId: this.runId, step: step.id, durationMs: at - started }
      if (Exit.isSuccess(exit)) {
        slot.undo = "done"
        this.undone.push(i)
        return andThen(
          this.record(step.id, () => ({ _tag: "Compensated", ...recorded, at })),
          this.emit(() => ({ _tag: "CompensationRun", ...base, ok: true }))
        )
      }
      const error = this.errorOf(step, exit.cause)
      slot.undo = "failed"
      slot.undoError = error
      return andThen(
        this.record(step.id, () => ({ _tag: "CompensationFailed", ...recorded, error: describe(error), at })),
        this.emit(() => ({ _tag: "CompensationRun", ...base, ok: false, error: describe(error) }))
      )
    }
    return this.record(step.id, () => ({ _tag: "Compensating", ...recorded, at: started })).pipe(
      Effect.zipRight(Effect.exit(this.bound(call, i, false))),
      Effect.flatMap(settle),
      Effect.withSpan("baton.workflow.compensate", {
        attributes: { "baton.workflow": this.name, "baton.step": step.id },
        captureStackTrace: false
      })
    )
  }

  // --- the result -----------------------------------------------------------

  missingReason(i: number): string {
    const slot = this.slots[i]!
    if (slot.status === "failed") return `failed: ${describe(slot.error)}`
    switch (slot.skip) {
      case "dependency-failed":
        return `skipped: ${slot.because.map((id) => `"${id}"`).join(", ") || "a dependency"} did not complete`
      case "deadline":
        return `skipped: the workflow's deadline of ${this.deadlineMs} ms had passed`
      default:
        return "skipped: a required step failed first"
    }
  }

  result(durationMs: number): Result.WorkflowResult<any, unknown> {
    const outputs: Record<string, unknown> = {}
    const completed: Array<string> = []
    const reused: Array<string> = []
    const failed: Array<Result.StepFailure<string, unknown>> = []
    const skipped: Array<Result.StepSkipped<string>> = []
    const compensationFailures: Array<Result.CompensationFailure<string, unknown>> = []
    const missing: Array<Result.Missing<string>> = []
    const order = this.slots.flatMap((slot, i) => (slot.status === "completed" ? [i] : []))
      .sort((a, b) => this.slots[a]!.seq - this.slots[b]!.seq)
    for (const i of order) {
      const slot = this.slots[i]!
      const id = this.steps[i]!.id
      outputs[id] = slot.output
      completed.push(id)
      if (slot.reused) reused.push(id)
      if (slot.undo === "failed") compensationFailures.push({ step: id, error: slot.undoError })
    }
    let requiredMissing = false
    for (const [i, slot] of this.slots.entries()) {
      if (slot.status === "completed") continue
      const { id, optional } = this.steps[i]!
      if (!optional) requiredMissing = true
      if (slot.status === "failed") failed.push({ step: id, optional, error: slot.error })
      else skipped.push({ step: id, optional, reason: slot.skip ?? "workflow-failed", dependencies: slot.because })
      missing.push({ step: id, optional, reason: this.missingReason(i) })
    }
    return {
      workflow: this.name,
      runId: this.runId,
      status: requiredMissing ? "failed" : missing.length > 0 ? "partial" : "completed",
      outputs,
      completed,
      reused,
      failed,
      skipped,
      compensated: this.undone.map((i) => this.steps[i]!.id),
      compensationFailures,
      missing,
      durationMs
    }
  }
}

const refStatus = (result: Result.WorkflowResult<any, unknown>): WorkflowRef["status"] =>
  result.status !== "failed"
    ? "completed"
    : result.compensated.length > 0 && result.compensationFailures.length === 0
    ? "compensated"
    : "failed"

export const execute = (
  workflow: Workflow.Any,
  options: RunOptions
): Effect.Effect<
  Result.WorkflowResult<any, unknown>,
  Workflow.WorkflowInvalid | WorkflowCheckpoint.WorkflowCheckpointError,
  unknown
> =>
  Effect.suspend((): Effect.Effect<
    Result.WorkflowResult<any, unknown>,
    Workflow.WorkflowInvalid | WorkflowCheckpoint.WorkflowCheckpointError,
    unknown
  > => {
    const compiled = compile(workflow)
    const concurrency = options.concurrency ?? workflow.concurrency ?? Infinity
    if (Either.isLeft(compiled) || !(concurrency >= 1)) {
      const problems = Either.isLeft(compiled)
        ? compiled.left
        : { duplicateSteps: [], unknownDependencies: [], cycles: [], issues: ["concurrency must be at least 1"] }
      return Effect.fail(new Workflow.WorkflowInvalid({ workflow: workflow.name, ...problems }))
    }
    const graph = compiled.right
    const deadline = options.deadline ?? workflow.deadline
    const deadlineMs = deadline === undefined ? undefined : Duration.toMillis(Duration.decode(deadline))
    const runId = options.runId ?? crypto.randomUUID()
    const name = workflow.name
    return Effect.gen(function*() {
      const clock = yield* Effect.clock
      const checkpoint = options.checkpoint ??
        Option.getOrUndefined(yield* Effect.serviceOption(WorkflowCheckpoint.WorkflowCheckpoint))
      const bus = Option.getOrUndefined(yield* Effect.serviceOption(EventBus.EventBus))
      const startedAt = clock.unsafeCurrentTimeMillis()
      const run = new Run(graph, name, runId, clock, checkpoint, bus, concurrency, deadlineMs, startedAt)
      if (checkpoint !== undefined) {
        const prior = yield* checkpoint.start({ runId, workflow: name, startedAt })
        const problem = run.restore(prior)
        if (problem !== undefined) return yield* Effect.fail(problem)
        // A finished run is answered from its record.
        if (prior.status !== "running") return run.result(0)
      }
      yield* run.emit(() => ({
        _tag: "WorkflowStarted",
        at: startedAt,
        workflow: name,
        runId,
        steps: graph.steps.length,
        reused: run.slots.filter((slot) => slot.reused).length
      }))
      if (!run.compensating) yield* run.schedule()
      if (run.fatal === undefined && (run.compensating || run.requiredMissing())) yield* run.compensate()
      if (run.fatal !== undefined) return yield* Effect.fail(run.fatal)
      const durationMs = clock.unsafeCurrentTimeMillis() - startedAt
      const result = run.result(durationMs)
      if (checkpoint !== undefined) yield* checkpoint.finish(runId, refStatus(result))
      yield* Metric.update(durations[result.status], durationMs)
      yield* run.emit(() => ({
        _tag: "WorkflowCompleted",
        at: clock.unsafeCurrentTimeMillis(),
        workflow: name,
        runId,
        status: result.status,
        completed: result.completed.length,
        failed: result.failed.length,
        skipped: result.skipped.length,
        compensated: result.compensated.length,
        durationMs
      }))
      return result
    }).pipe(Effect.withSpan("baton.workflow", {
      attributes: { "baton.workflow": name, "baton.run_id": runId },
      captureStackTrace: false
    }))
  })
