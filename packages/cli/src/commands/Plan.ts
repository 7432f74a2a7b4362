/**
 * `baton plan <workflow>`: loads the app and prints how one of its named
 * workflows (`BatonApp.workflows`) would run — its levels, what runs in
 * parallel, the critical path — with `WorkflowPlan.render`. Exit 0 when the
 * plan was printed, 2 when there is no app, the app has no workflows or the
 * workflow is unknown (the known ones are listed), 1 when the workflow is
 * invalid.
 *
 * @since 0.1.0
 */
import { WorkflowPlan } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as AppCommand from "../AppCommand.js"
import { ExitCode, type Io } from "../Io.js"

/** @since 0.1.0 @category models */
export const Options = Schema.Struct(AppCommand.AppOptions)
/** @since 0.1.0 @category models */
export type Options = typeof Options.Type

/** @since 0.1.0 @category commands */
export const run = (name: string, options: Options, io: Io): Effect.Effect<number> => {
  const usage = AppCommand.usage(io)
  return Effect.gen(function*() {
    const { app } = yield* AppCommand.load(io, options)
    const workflows = app.workflows ?? {}
    const known = Object.keys(workflows).sort()
    const workflow = Object.hasOwn(workflows, name) ? workflows[name] : undefined
    if (workflow === undefined) {
      return yield* usage({
        message: known.length === 0
          ? `the app "${app.name}" has no workflows`
          : `unknown workflow "${name}"; the app "${app.name}" has: ${known.join(", ")}`
      })
    }
    return yield* WorkflowPlan.make(workflow).pipe(
      Effect.map((plan) => {
        io.write(`${WorkflowPlan.render(plan)}\n`)
        return ExitCode.ok as number
      }),
      Effect.catchTag("WorkflowInvalid", (error) =>
        Effect.sync(() => {
          io.writeError(`error: ${error.message}\n`)
          return ExitCode.failed
        }))
    )
  }).pipe(AppCommand.exitCode(io, "planning"))
}

const decodeOptions = Schema.decodeUnknownSync(Options)

/**
 * Runs the command on commander's parsed options (`program/Plan` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (name: string, options: unknown, io: Io): Promise<number> =>
  Effect.runPromise(run(name, decodeOptions(options), io))
