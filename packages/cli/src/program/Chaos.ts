/**
 * `baton chaos <profile>`: its options, help and exit codes. The run is
 * `commands/Chaos`, loaded when the command runs; the profiles listed here
 * come from the testkit's `ChaosProfile` alone, not the whole testkit.
 *
 * @since 0.2.0
 */
import * as ChaosProfile from "@baton/testkit/ChaosProfile"
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
      .command("chaos")
      .description("a cluster run with a fault timeline, then the invariants checked with their evidence")
      .argument("<profile>", `the fault timeline: ${ChaosProfile.names.join(", ")}`)
  )
    .option("--sessions <n>", "sessions, each playing the app's scenario for its user (its loadScenario, else its demo)", "200")
    .option("--workers <n>", "worker processes sharing the Redis store", "2")
    .option("--seed <n>", "picks the worker to kill and jitters when faults fire", "1")
    .option("--concurrency <n>", "sessions each worker plays at once (default 16)")
    .option(
      "--replay",
      "let the workers play a failed turn again (off by default: the run shows what Baton recovers by itself)",
      false
    )
    .option("--json <file>", "also write the report (timeline, invariants with evidence, figures) as JSON")
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
    .addHelpText(
      "after",
      `
Profiles:
${ChaosProfile.profiles.map((profile) => `  ${profile.name.padEnd(19)} ${profile.description}`).join("\n")}

Examples:
  $ baton chaos worker-crash                        200 sessions, 2 workers, one SIGKILLed mid-run
  $ baton chaos redis-restart --sessions 50         Redis stopped and started again mid-run
  $ baton chaos all --workers 3 --seed 7 --json chaos.json
  $ baton chaos cluster-master-kill --sessions 100    a Redis Cluster master SIGKILLed mid-run

Ctrl-C stops the run: the timeline and the workers stop, and the partial report is shown and written.

Exit codes: 0 every invariant held, 1 an invariant broke or the run failed, 2 usage error (unknown profile: the known ones are listed),
130 stopped by Ctrl-C.`
    )
    .action(async (name: string, options: unknown) => {
      const command = await import("../commands/Chaos.js")
      exit(await command.main(name, options, io))
    })
