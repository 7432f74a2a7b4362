import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Retry from "../src/Retry.js"
import type { PolicyError } from "../src/Policy.js"
import type { ToolError, ToolGateway } from "../src/ToolGateway.js"
import * as Workflow from "../src/Workflow.js"
import * as WorkflowExecutor from "../src/WorkflowExecutor.js"
import { scriptedGateway } from "./workflowKit.js"

class Sold extends Schema.TaggedError<Sold>()("Sold", {}) {}

describe("Workflow definitions", () => {
  it.effect("types each step's inputs from the outputs of its dependencies", () =>
    Effect.gen(function*() {
      const retry = yield* Retry.make({ service: "flights" })
      const workflow = Workflow.make("trip")
        .step("city", { run: () => Effect.succeed("Porto") })
        .step("nights", { run: () => Effect.succeed(3) })
        .step("weather", { optional: true, run: () => Effect.succeed({ tempC: 21 }) })
        .tool("flight", {
          dependsOn: ["city"],
          service: "flights",
          tool: "search_flights",
          args: ({ city }) => ({ to: city.toUpperCase() }),
          output: Schema.Struct({ fare: Schema.Number }),
          policy: retry
        })
        .step("plan", {
          dependsOn: ["flight", "nights", "weather"],
          run: ({ flight, nights, weather }) =>
            flight.fare > 1_000 ? Effect.fail(new Sold()) : Effect.succeed(`${nights} nights, ${weather?.tempC ?? "?"}°C`)
        })

      // Compile-time checks of what the builder infers.
      const outputs: {
        readonly city: string
        readonly nights: number
        readonly weather: { tempC: number } | undefined
        readonly flight: { readonly fare: number }
        readonly plan: string
      } = {} as Workflow.Outputs<typeof workflow>
      const errors: Sold | ToolError | PolicyError = {} as Workflow.Error<typeof workflow>
      const context: ToolGateway = {} as Workflow.Context<typeof workflow>
      void [outputs, errors, context]
      // @ts-expect-error: "nope" is not a step of the workflow
      workflow.step("late", { dependsOn: ["nope"], run: () => Effect.void })
      // @ts-expect-error: step ids are unique
      workflow.step("city", { run: () => Effect.void })

      expect(workflow.steps.map((step) => [step.id, step.dependsOn, step.optional, step.call._tag])).toEqual([
        ["city", [], false, "Effect"],
        ["nights", [], false, "Effect"],
        ["weather", [], true, "Effect"],
        ["flight", ["city"], false, "Tool"],
        ["plan", ["flight", "nights", "weather"], false, "Effect"]
      ])
      expect(yield* Workflow.validate(workflow)).toBe(workflow)
    }))

  it.effect("lists every unknown dependency, cycle and duplicate id in one error", () =>
    Effect.gen(function*() {
      const step = (id: string, dependsOn: ReadonlyArray<string>) => ({ id, dependsOn, run: () => Effect.void })
      const workflow = Workflow.fromSteps("broken", [
        step("a", ["c"]),
        step("b", ["a"]),
        step("c", ["b"]),
        step("d", ["d"]),
        step("e", ["ghost", "a"]),
        step("f", ["e", "phantom"])
      ])
      const error = yield* Effect.flip(Workflow.validate(workflow))
      expect(error).toBeInstanceOf(Workflow.WorkflowInvalid)
      expect(error.unknownDependencies).toEqual([
        { step: "e", dependency: "ghost" },
        { step: "f", dependency: "phantom" }
      ])
      expect(error.cycles).toEqual([["a", "c", "b", "a"], ["d", "d"]])
      expect(error.message).toBe(
        `Workflow "broken" is invalid: 1) step "e" depends on unknown step "ghost"; ` +
          `2) step "f" depends on unknown step "phantom"; 3) cycle: a → c → b → a; 4) cycle: d → d`
      )

      const duplicated = Workflow.fromSteps("twice", [step("a", []), step("a", []), step("b", [])], { concurrency: 0 })
      const twice = yield* Effect.flip(Workflow.validate(duplicated))
      expect(twice.duplicateSteps).toEqual(["a"])
      expect(twice.issues).toEqual(["concurrency must be at least 1"])
    }))

  it.effect("refuses timeouts and deadlines that are not positive", () =>
    Effect.gen(function*() {
      const workflow = Workflow.make("zero", { deadline: 0 }).step("a", { timeout: "0 millis", run: () => Effect.void })
      const error = yield* Effect.flip(Workflow.validate(workflow))
      expect(error.issues).toEqual(['step "a" has a timeout that is not positive', "the deadline is not positive"])
    }))

  it.effect("the executor refuses an invalid workflow before running any step", () =>
    Effect.gen(function*() {
      let ran = 0
      const workflow = Workflow.fromSteps("loop", [
        { id: "a", dependsOn: ["b"], run: () => Effect.sync(() => ran++) },
        { id: "b", dependsOn: ["a"], run: () => Effect.sync(() => ran++) },
        { id: "c", run: () => Effect.sync(() => ran++) }
      ])
      const error = yield* Effect.flip(WorkflowExecutor.execute(workflow)).pipe(Effect.provide(scriptedGateway({}).layer))
      expect(error).toMatchObject({ _tag: "WorkflowInvalid", cycles: [["a", "b", "a"]] })
      expect(ran).toBe(0)
    }))
})
