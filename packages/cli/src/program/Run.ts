/**
 * `baton run <scenario.json>`: its options, help and exit codes. Playing
 * the scenario is `commands/Run`, loaded when the command runs.
 *
 * @since 0.2.0
 */
import type { Command } from "commander"
import type { Io } from "../Io.js"
import * as AppOptions from "./AppOptions.js"
import { nonEmptyId } from "./SessionOptions.js"
import * as StoreOptions from "./StoreOptions.js"

/**
 * Adds the command to `program`; its exit code goes to `exit`.
 *
 * @since 0.1.0 @category commands
 */
export const register = (program: Command, io: Io, exit: (code: number) => void): Command =>
  StoreOptions.withStoreOptions(
    AppOptions.withAppOptions(
      program
        .command("run")
        .description("play a scenario file against the app: transcript, handoffs and pass/fail per turn")
        .argument("<scenario.json>", "a scenario: { name, userId, sessionId, turns: [{ text, expect?, faults? }] }")
    ),
    "memory"
  )
    .addOption(AppOptions.transportOption())
    .option("--session <id>", "play under this session id instead of the file's", nonEmptyId("session"))
    .option("--user <id>", "play as this user instead of the file's", nonEmptyId("user"))
    .option("--json", "print one JSON result (summary, turns, handoffs, checks) instead of the transcript")
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
    .addHelpText(
      "after",
      `
A turn's "expect" may name the answering "agent", the "handoffs" as "from->to" in order
(a refused one as "from->to (refused)"), and words the reply must contain ("replyContains").
A turn's "faults" inject fault specs by service for that turn only ({"weather": "error:rpc(-32050)"});
they are checked against the app before the first turn.

Examples:
  $ baton run examples/tripsage/scenarios/weekend-in-lisbon.json
  $ baton run trip.json --json | jq '.turns[] | {index, agent, passed}'
  $ baton run trip.json --store sqlite --session trip-2   keep the session, then: baton sessions show trip-2 --user <id>
  $ baton run trip.json --transport stdio                 the app's services as child processes

Exit codes: 0 all expectations met and every context preserved, 1 otherwise, 2 unreadable or invalid scenario file, or usage error.`
    )
    .action(async (file: string, options: unknown) => {
      const command = await import("../commands/Run.js")
      exit(await command.main(file, options, io))
    })
