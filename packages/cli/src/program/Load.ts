/**
 * `baton load`: its options, help and exit codes. The run is
 * `commands/Load`, loaded when the command runs.
 *
 * @since 0.2.0
 */
import type { Command } from "commander"
import type { Io } from "../Io.js"
import * as AppOptions from "./AppOptions.js"
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
        .command("load")
        .description("play the app's demo conversation as many concurrent sessions and report latency, outcomes and SLOs")
    ),
    "memory"
  )
    .option("--sessions <n>", "sessions (virtual users) to play; with --duration, at most this many (default 100)")
    .option("--workers <n>", "play the sessions on this many worker processes sharing the Redis store (needs --store redis)")
    .option("--concurrency <n>", "sessions in flight at once (default: all of them; 100 with --duration)")
    .option("--duration <time>", "start sessions until this much time has passed (30s, 2m); sessions in flight finish")
    .option("--turns <n>", "turns per session, cycling through the scenario (default: the scenario's turns)")
    .option("--active-turns <n>", "turns executing at once across all sessions; the others wait to start (default: no limit)")
    .option("--ramp-up <time>", "spread the first sessions' starts over this long (default 0)")
    .option("--service-latency <latency>", "latency every mock service adds: 5ms, or normal(20,5), uniform(5,15), long-tail(10,200)")
    .option("--faults <profile>", "faults per service: service=spec[,service=spec...] in the testkit fault grammar")
    .option("--slo <objectives>", "objectives that decide the exit code with Baton's defaults, e.g. 'handoff.p99<50ms,turn.p99<300ms'")
    .option("--seed <n>", "seed of the ramp-up jitter and the fault dice (default 1)")
    .option("--json <file>", "write the report as JSON")
    .option("--html <file>", "write the report as one self-contained HTML page with charts")
    .option("--turn-timeout <time>", "a turn taking longer is stopped and counted as a timeout (default 30s)")
    .option("--progress-interval <time>", "how often progress is shown (default 250ms on a terminal, 5s otherwise)")
    .addOption(AppOptions.transportOption())
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
    .addHelpText(
      "after",
      `
Examples:
  $ baton load --sessions 1000                      1,000 concurrent sessions, in process, memory store
  $ baton load --sessions 10000 --slo 'handoff.p99<50ms'
  $ baton load --duration 60s --concurrency 200 --ramp-up 10s --json report.json --html report.html
  $ baton load --sessions 200 --service-latency 'normal(20,5)' --faults 'weather=error:rpc(-32050)@0.2'
  $ baton load --sessions 1000 --store redis --workers 2   two worker processes sharing one Redis store
  $ baton load --sessions 1000 --store redis --redis-node 10.0.0.5:7000 --workers 2   the same on a Redis Cluster
  $ baton load --sessions 500 --store sqlite --db /tmp/load.db --slo 'turn.p99<300ms,errors<1%'

SLOs: <turn|handoff|workflow|restore|tool[.<service>]>.<min|mean|p50|p90|p95|p99|p999|max><op><duration>,
errors<op><n>% or <n>, throughput<op><n>/s, <handoffs.success|workflows.completed|sessions.lost><op><n>%;
op is <, <=, > or >=. Every run is also judged by Baton's success criteria, each unless --slo names its
metric: handoffs.success>=99%, workflows.completed>=95%, sessions.lost<1%, errors<1%.

Turns are counted ok, degraded (served, but a workflow failed or came back partial, a fallback or a
timeout stood in) or failed; workflows completed, partial, compensated or failed.

Ctrl-C stops the run: no new sessions or turns, the turns in flight finish, and the partial report is
shown and written; a second Ctrl-C quits at once. A run on --workers stops at once, without a report.

Exit codes: 0 no session lost, every context preserved and every SLO met, 1 otherwise, 2 usage error,
130 stopped by Ctrl-C.`
    )
    .action(async (options: unknown) => {
      const command = await import("../commands/Load.js")
      exit(await command.main(options, io))
    })
