/**
 * The `baton` command line: commander with its exits turned into codes, so a
 * usage error is exit 2 with a one-line reason, and the program can run in a
 * test without ending the process. It holds only the commands' declarations
 * (`program/`): a command's implementation (`commands/`), with effect and
 * the Baton packages, is imported when that command runs, so `--help` and
 * a usage error start in the time commander takes.
 *
 * @since 0.1.0
 */
import { Command, CommanderError } from "commander"
import { createRequire } from "node:module"
import { ExitCode, type Io } from "./Io.js"
import * as Chaos from "./program/Chaos.js"
import * as Chat from "./program/Chat.js"
import * as Demo from "./program/Demo.js"
import * as Load from "./program/Load.js"
import * as Mcp from "./program/Mcp.js"
import * as MockServer from "./program/MockServer.js"
import * as Plan from "./program/Plan.js"
import * as Run from "./program/Run.js"
import * as Sessions from "./program/Sessions.js"

const versionOf = (): string => {
  const { version } = createRequire(import.meta.url)("../package.json") as { readonly version?: unknown }
  if (typeof version !== "string") throw new Error("the CLI's package.json has no version")
  return version
}

/**
 * The program; a command's exit code goes to `exit`.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (io: Io, exit: (code: number) => void): Command => {
  const program = new Command("baton")
    .description("Baton: AI agents that hand a conversation to each other without losing context")
    .version(versionOf(), "-v, --version")
    .configureOutput({ writeOut: io.write, writeErr: io.writeError })
    .exitOverride()
    .showHelpAfterError("(run baton --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  $ baton demo                                      play the TripSage demo (or the app in baton.config.json)
  $ baton demo --transport stdio                    the same with its tool services as child processes
  $ baton demo --app path/to/app.ts                 play another app's demo
  $ baton chat --session trip-1                     talk with the app's agents; the session survives a restart
  $ baton mcp list                                  the MCP servers in baton.config.json, their health and tools
  $ baton mcp call weather forecast '{"location":"Lisbon","start_date":"2026-12-10","end_date":"2026-12-12"}'
  $ baton mock-server flights --http 7001           serve a mock MCP service
  $ baton plan trip-search                          how the app's "trip-search" workflow would run
  $ baton load --sessions 1000 --slo 'handoff.p99<50ms'  1,000 concurrent sessions against SLOs
  $ baton help demo                                 options of a command

From the repository root, \`pnpm baton <args>\` runs this CLI and \`pnpm demo\` is \`baton demo\`.`
    )
  Chaos.register(program, io, exit)
  Chat.register(program, io, exit)
  Demo.register(program, io, exit)
  Load.register(program, io, exit)
  Mcp.register(program, io, exit)
  MockServer.register(program, io, exit)
  Plan.register(program, io, exit)
  Run.register(program, io, exit)
  Sessions.register(program, io, exit)
  return program
}

/**
 * Runs the program on `argv` (the arguments after the program name) and
 * returns the exit code.
 *
 * @since 0.1.0 @category constructors
 */
export const run = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  let code: number = ExitCode.ok
  const program = make(io, (exitCode) => {
    code = exitCode
  })
  try {
    await program.parseAsync([...argv], { from: "user" })
  } catch (error) {
    // Commander has already printed its message. It exits 0 after showing help
    // or the version and non-zero on any usage error, which is ours to number.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    throw error
  }
  return code
}
