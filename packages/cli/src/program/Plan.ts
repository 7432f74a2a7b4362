/**
 * `baton plan <workflow>`: its arguments, help and exit codes. The plan is
 * `commands/Plan`, loaded when the command runs.
 *
 * @since 0.2.0
 */
import type { Command } from "commander"
import type { Io } from "../Io.js"
import * as AppOptions from "./AppOptions.js"

/**
 * Adds the command to `program`; its exit code goes to `exit`.
 *
 * @since 0.1.0 @category commands
 */
export const register = (program: Command, io: Io, exit: (code: number) => void): Command =>
  AppOptions.withAppOptions(
    program
      .command("plan")
      .description("print how one of the app's named workflows would run: levels, parallel steps, critical path")
      .argument("<workflow>", "the workflow's name, as the app's `workflows` names it")
  )
    .addHelpText(
      "after",
      `
Examples:
  $ baton plan trip-search                          the TripSage parallel search
  $ baton plan booking --app examples/tripsage/src/app.ts

Exit codes: 0 plan printed, 1 the workflow is invalid, 2 usage error (unknown workflow: the known ones are listed).`
    )
    .action(async (name: string, options: unknown) => {
      const command = await import("../commands/Plan.js")
      exit(await command.main(name, options, io))
    })
