/**
 * A workflow is a typed DAG of steps. A step is a tool call on a named
 * service or any Effect; it runs once all the steps it `dependsOn` have
 * finished and receives their outputs, typed. Steps may be optional (their
 * failure makes the result partial; dependents receive `undefined`), may
 * carry a compensation that undoes their side effect, a policy and a timeout;
 * the workflow may carry a deadline. A tool step may declare an
 * `alternative`, another tool that does its job when its service is down
 * (run by `McpOrchestrator.executeWorkflow`, which knows the services).
 *
 * The builder only lets a step depend on steps declared before it, so a
 * built workflow has no cycle; `fromSteps` builds one from data, and
 * `validate` (which the executor runs) reports unknown dependencies, cycles
 * and duplicate ids in one `WorkflowInvalid`.
 *
 * `WorkflowExecutor` runs a workflow; `WorkflowPlan` explains how it would run.
 *
 * @example
 * ```ts
 * import { Workflow } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const trip = Workflow.make("book-trip", { deadline: "30 seconds" })
 *   .tool("flight", { service: "flights", tool: "search_flights", args: { from: "LIS", to: "OPO" } })
 *   .tool("hotel", { service: "accommodations", tool: "search_hotels", args: { city: "Porto" } })
 *   .step("total", {
 *     dependsOn: ["flight", "hotel"],
 *     run: ({ flight, hotel }) => Effect.succeed({ flight, hotel })
 *   })
 *   .tool("payment", {
 *     dependsOn: ["total"],
 *     service: "payments",
 *     tool: "charge",
 *     args: ({ total }, { idempotencyKey }) => ({ amount: 420, reference: JSON.stringify(total), idempotency_key: idempotencyKey }),
 *     compensate: { service: "payments", tool: "refund", args: (payment) => ({ payment }) }
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import * as graph from "./internal/workflowGraph.js"
import type * as Policy from "./Policy.js"
import type { ToolError, ToolGateway } from "./ToolGateway.js"

/** @since 0.1.0 @category symbols */
export const TypeId: unique symbol = Symbol.for("@baton/core/Workflow")

/**
 * What a step (or its compensation) is told about the run.
 *
 * @since 0.1.0 @category models
 */
export interface StepContext {
  readonly workflow: string
  readonly runId: string
  readonly step: string
  /**
   * `<runId>/<step>` for the step, `<runId>/<step>/compensate` for its
   * compensation: the same on every attempt and on every resumption of the
   * run, so a tool that honours it never repeats the work.
   */
  readonly idempotencyKey: string
}

/**
 * A tool step's arguments: fixed, or computed from its inputs.
 *
 * @since 0.1.0 @category models
 */
export type ToolArgs<I> =
  | Readonly<Record<string, unknown>>
  | ((inputs: I, context: StepContext) => Readonly<Record<string, unknown>>)

/**
 * A compensation that is a tool call, given the output of the step it undoes.
 *
 * @since 0.1.0 @category models
 */
export interface ToolCompensation<A> {
  readonly service: string
  readonly tool: string
  readonly args: (output: A, context: StepContext) => Readonly<Record<string, unknown>>
}

/**
 * An alternative plan for a tool step whose service is down: another tool
 * (on another service) that does the step's job, with the step's arguments
 * or arguments mapped from them. `McpOrchestrator.executeWorkflow` runs it
 * when the step's service refuses the call (breaker open, bulkhead full, rate
 * limited) or, for a read-only tool, fails with a service fault; the result
 * lists the step in `alternatives` and a `Degradation` note of kind
 * `alternative` tells the user. A side-effecting step never switches after
 * its service may have seen the call.
 *
 * @since 0.1.0 @category models
 */
export interface Alternative {
  readonly service: string
  readonly tool: string
  /** The alternative's arguments, from the step's; the step's own when absent. */
  readonly args?: (
    stepArgs: Readonly<Record<string, unknown>>,
    context: StepContext
  ) => Readonly<Record<string, unknown>>
}

/**
 * Undoes a completed step's side effect, given the step's output.
 *
 * @since 0.1.0 @category models
 */
export type Compensation<A, E = never, R = never> =
  | ((output: A, context: StepContext) => Effect.Effect<unknown, E, R>)
  | ToolCompensation<A>

/**
 * What a step does, in its untyped runtime form.
 *
 * @since 0.1.0 @category models
 */
export type StepCall =
  | {
    readonly _tag: "Tool"
    readonly service: string
    readonly tool: string
    readonly args: ToolArgs<any> | undefined
  }
  | {
    readonly _tag: "Effect"
    readonly run: (inputs: any, context: StepContext) => Effect.Effect<unknown, unknown, unknown>
  }

/**
 * A step in its untyped runtime form, as the executor and the planner read it.
 *
 * @since 0.1.0 @category models
 */
export interface Step {
  readonly id: string
  readonly dependsOn: ReadonlyArray<string>
  readonly optional: boolean
  readonly call: StepCall
  readonly compensate: Compensation<any, unknown, unknown> | undefined
  readonly policy: Policy.Policy<unknown> | undefined
  readonly timeout: Duration.Duration | undefined
  /** A tool step's alternative plan, for when its service is down. */
  readonly alternative: Alternative | undefined
  /**
   * Decodes a tool's result into the step's output, and encodes an effect
   * step's output for the checkpoint. Without it, outputs are checkpointed
   * as they are and must be JSON values for a durable checkpoint.
   */
  readonly output: Schema.Schema<any, any, never> | undefined
}

/** @since 0.1.0 @category models */
export interface Options {
  /** The whole run's deadline: steps still running are stopped, steps not started are skipped. */
  readonly deadline?: Duration.DurationInput
  /** Steps running at once; unbounded by default. */
  readonly concurrency?: number
}

/**
 * What every step accepts. `dependsOn` names earlier steps; an `optional`
 * step's output reaches its dependents as `A | undefined`.
 *
 * @since 0.1.0 @category models
 */
export interface CommonSpec<D extends string, A, EC, RC, P, Opt extends boolean> {
  readonly dependsOn?: ReadonlyArray<D>
  readonly optional?: Opt
  /** Guards each attempt of the step and of its compensation (e.g. a service's `ResiliencePolicy`). */
  readonly policy?: P
  /** Bounds the step, its policy's retries included, and its compensation. */
  readonly timeout?: Duration.DurationInput
  readonly compensate?: Compensation<A, EC, RC>
}

/** @since 0.1.0 @category models */
export interface EffectStepSpec<I, D extends string, A, E, R, EC, RC, P, Opt extends boolean>
  extends CommonSpec<D, A, EC, RC, P, Opt>
{
  readonly run: (inputs: I, context: StepContext) => Effect.Effect<A, E, R>
  /** Encodes the output for the checkpoint and decodes it on resumption. */
  readonly output?: Schema.Schema<A, any, never>
}

/** @since 0.1.0 @category models */
export interface ToolStepSpec<I, D extends string, A, EC, RC, P, Opt extends boolean>
  extends CommonSpec<D, A, EC, RC, P, Opt>
{
  readonly service: string
  readonly tool: string
  readonly args?: ToolArgs<I>
  /** Decodes the tool's result (or its alternative's); the output is `unknown` without it. */
  readonly output?: Schema.Schema<A, any, never>
  /** What to call instead when `service` is down. */
  readonly alternative?: Alternative
}

/**
 * The outputs of the steps `D` of a workflow with outputs `O`.
 *
 * @since 0.1.0 @category models
 */
export type Inputs<O, D extends keyof O> = { readonly [K in D]: O[K] }

/** The output as dependents see it. */
type Out<A, Opt extends boolean> = [Opt] extends [false] ? A : A | undefined

type NewId<Id extends string, O> = Id extends keyof O ? `step "${Id}" is already defined` : Id

type With<O, Id extends string, A> = Types.Simplify<O & { readonly [K in Id]: A }>

/**
 * A workflow with step outputs `O`, whose steps fail with `E` and need `R`.
 *
 * @since 0.1.0 @category models
 */
export interface Workflow<O = {}, E = never, R = never> extends Pipeable {
  readonly [TypeId]: {
    readonly _O: Types.Covariant<O>
    readonly _E: Types.Covariant<E>
    readonly _R: Types.Covariant<R>
  }
  readonly name: string
  readonly steps: ReadonlyArray<Step>
  readonly deadline: Duration.Duration | undefined
  readonly concurrency: number | undefined

  /** Adds a step that runs an Effect. */
  step<
    const Id extends string,
    A,
    E1 = never,
    R1 = never,
    const D extends keyof O & string = never,
    EC = never,
    RC = never,
    P extends Policy.Policy<any> = Policy.Policy,
    const Opt extends boolean = false
  >(
    id: NewId<Id, O>,
    spec: EffectStepSpec<Inputs<O, D>, D, A, E1, R1, EC, RC, P, Opt>
  ): Workflow<With<O, Id, Out<A, Opt>>, E | E1 | EC | Policy.ErrorOf<P>, R | R1 | RC>

  /** Adds a step that calls `tool` on `service` through the `ToolGateway`. */
  tool<
    const Id extends string,
    A = unknown,
    const D extends keyof O & string = never,
    EC = never,
    RC = never,
    P extends Policy.Policy<any> = Policy.Policy,
    const Opt extends boolean = false
  >(
    id: NewId<Id, O>,
    spec: ToolStepSpec<Inputs<O, D>, D, A, EC, RC, P, Opt>
  ): Workflow<With<O, Id, Out<A, Opt>>, E | ToolError | EC | Policy.ErrorOf<P>, R | ToolGateway | RC>
}

/**
 * Any workflow, whatever its types.
 *
 * @since 0.1.0 @category models
 */
export type Any = Workflow<any, any, any>

/** @since 0.1.0 @category models */
export type Outputs<W> = W extends Workflow<infer O, any, any> ? O : never
/** @since 0.1.0 @category models */
export type Error<W> = W extends Workflow<any, infer E, any> ? E : never
/** @since 0.1.0 @category models */
export type Context<W> = W extends Workflow<any, any, infer R> ? R : never

/**
 * A workflow's definition is invalid. Every problem found is listed.
 *
 * @since 0.1.0 @category errors
 */
export class WorkflowInvalid extends Schema.TaggedError<WorkflowInvalid>("@baton/core/WorkflowInvalid")(
  "WorkflowInvalid",
  {
    workflow: Schema.String,
    duplicateSteps: Schema.Array(Schema.String),
    unknownDependencies: Schema.Array(Schema.Struct({ step: Schema.String, dependency: Schema.String })),
    /** Each cycle as a path that ends where it starts: `["a", "b", "a"]`. */
    cycles: Schema.Array(Schema.Array(Schema.String)),
    /** Other problems: empty ids, invalid timeouts or concurrency. */
    issues: Schema.Array(Schema.String)
  }
) {
  override get message() {
    const problems = [
      ...this.duplicateSteps.map((step) => `step "${step}" is defined more than once`),
      ...this.unknownDependencies.map(({ dependency, step }) => `step "${step}" depends on unknown step "${dependency}"`),
      ...this.cycles.map((cycle) => `cycle: ${cycle.join(" → ")}`),
      ...this.issues
    ]
    return `Workflow "${this.workflow}" is invalid: ${problems.map((problem, i) => `${i + 1}) ${problem}`).join("; ")}`
  }
}

const WorkflowProto = {
  pipe() {
    return pipeArguments(this, arguments)
  },
  step(this: Any, id: string, spec: EffectStepSpec<any, string, any, any, any, any, any, any, boolean>) {
    return append(this, id, spec, { _tag: "Effect", run: spec.run })
  },
  tool(this: Any, id: string, spec: ToolStepSpec<any, string, any, any, any, any, boolean>) {
    return append(this, id, spec, { _tag: "Tool", service: spec.service, tool: spec.tool, args: spec.args })
  }
}

const makeWorkflow = (
  name: string,
  steps: ReadonlyArray<Step>,
  deadline: Duration.Duration | undefined,
  concurrency: number | undefined
): Any => {
  const workflow = Object.create(WorkflowProto)
  workflow[TypeId] = { _O: identity, _E: identity, _R: identity }
  workflow.name = name
  workflow.steps = steps
  workflow.deadline = deadline
  workflow.concurrency = concurrency
  return workflow
}

const identity = <A>(a: A) => a

type SpecOf = CommonSpec<string, any, any, any, any, boolean> & {
  readonly output?: Schema.Schema<any, any, never>
  readonly alternative?: Alternative
}

const toStep = (id: string, spec: SpecOf, call: StepCall): Step => ({
  id,
  dependsOn: spec.dependsOn ?? [],
  optional: spec.optional ?? false,
  call,
  compensate: spec.compensate,
  policy: spec.policy,
  timeout: spec.timeout === undefined ? undefined : Duration.decode(spec.timeout),
  alternative: call._tag === "Tool" ? spec.alternative : undefined,
  output: spec.output
})

const append = (self: Any, id: string, spec: SpecOf, call: StepCall): Any => makeWorkflow(self.name, [...self.steps, toStep(id, spec, call)], self.deadline, self.concurrency)

/**
 * An empty workflow, to add steps to.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (name: string, options: Options = {}): Workflow =>
  makeWorkflow(
    name,
    [],
    options.deadline === undefined ? undefined : Duration.decode(options.deadline),
    options.concurrency
  ) as Workflow

/**
 * A step built from data, for `fromSteps`: a tool call when it names a
 * `service`, an Effect when it has `run`. Inputs are keyed by step id.
 *
 * @since 0.1.0 @category models
 */
export type StepInput<E = never, R = never> =
  & {
    readonly id: string
    readonly dependsOn?: ReadonlyArray<string>
    readonly optional?: boolean
    readonly policy?: Policy.Policy<any>
    readonly timeout?: Duration.DurationInput
    readonly compensate?: Compensation<unknown, E, R>
    readonly output?: Schema.Schema<any, any, never>
  }
  & (
    | {
      readonly service: string
      readonly tool: string
      readonly args?: ToolArgs<Readonly<Record<string, unknown>>>
      readonly alternative?: Alternative
    }
    | {
      readonly run: (inputs: Readonly<Record<string, unknown>>, context: StepContext) => Effect.Effect<unknown, E, R>
    }
  )

/**
 * A workflow from a list of steps in any order, e.g. one built from
 * configuration. Dependencies are not checked here: run `validate`, or let
 * the executor do it.
 *
 * @since 0.1.0 @category constructors
 */
export const fromSteps = <E = never, R = never>(
  name: string,
  steps: ReadonlyArray<StepInput<E, R>>,
  options: Options = {}
): Workflow<Readonly<Record<string, unknown>>, E | ToolError, R | ToolGateway> =>
  makeWorkflow(
    name,
    steps.map((input) =>
      toStep(
        input.id,
        input,
        "run" in input
          ? { _tag: "Effect", run: input.run }
          : { _tag: "Tool", service: input.service, tool: input.tool, args: input.args }
      )
    ),
    options.deadline === undefined ? undefined : Duration.decode(options.deadline),
    options.concurrency
  ) as Workflow<Readonly<Record<string, unknown>>, E | ToolError, R | ToolGateway>

/**
 * Whether `u` is a workflow.
 *
 * @since 0.1.0 @category refinements
 */
export const isWorkflow = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

/**
 * The workflow when its definition is valid; otherwise every problem found:
 * duplicate step ids, dependencies on unknown steps, cycles, invalid
 * timeouts and concurrency.
 *
 * @since 0.1.0 @category validation
 */
export const validate = <W extends Any>(workflow: W): Effect.Effect<W, WorkflowInvalid> =>
  Either.match(graph.compile(workflow), {
    onLeft: (problems) => Effect.fail(new WorkflowInvalid({ workflow: workflow.name, ...problems })),
    onRight: () => Effect.succeed(workflow)
  })
