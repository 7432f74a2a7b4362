/**
 * `baton demo`: its options, help and exit codes. The demo is
 * `commands/Demo`, loaded when the command runs.
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
      .command("demo")
      .description("play the app's demo scenario and print the transcript, handoffs and a self-check")
  )
    .addOption(AppOptions.transportOption())
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
    .addHelpText(
      "after",
      `
Examples:
  $ baton demo                                      play the demo of the app in baton.config.json
  $ baton demo --app examples/tripsage/src/app.ts   play a given app's demo
  $ baton demo --transport stdio                    the app's services as child processes over stdio
  $ baton demo --transport http                     the same over HTTP, on free local ports
  $ NO_COLOR=1 baton demo > transcript.txt          save a plain transcript

Exit codes: 0 all expectations met and every context preserved, 1 otherwise, 2 usage error.`
    )
    .action(async (options: unknown) => {
      const command = await import("../commands/Demo.js")
      exit(await command.main(options, io))
    })
