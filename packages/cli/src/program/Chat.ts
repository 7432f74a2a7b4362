/**
 * `baton chat`: its options, help and exit codes. The chat is
 * `commands/Chat`, loaded when the command runs.
 *
 * @since 0.2.0
 */
import type { Command } from "commander"
import type { Terminal } from "../commands/Chat.js"
import type { Io } from "../Io.js"
import * as AppOptions from "./AppOptions.js"
import * as StoreOptions from "./StoreOptions.js"

/**
 * Adds the command to `program`; its exit code goes to `exit`. The chat
 * reads `terminal` (default: this process's stdin).
 *
 * @since 0.1.0 @category commands
 */
export const register = (
  program: Command,
  io: Io,
  exit: (code: number) => void,
  terminal: () => Terminal = () => ({ input: process.stdin, interactive: process.stdin.isTTY === true && io.isTTY })
): Command =>
  StoreOptions.withStoreOptions(
    AppOptions.withAppOptions(
      program
        .command("chat")
        .description("talk to the app's agents: handoff trail, services, degradation notes, slash commands")
        .option("--session <id>", "the session to start or continue (default: a new one, shown in the header)")
        .option("--user <id>", "who is talking (default: $USER, else guest)")
    ),
    "sqlite"
  )
    .addHelpText(
      "after",
      `
Slash commands: /agents, /sessions, /restore <id>, /snapshot [label], /faults <service> <spec|off>, /help, /quit.

Examples:
  $ baton chat                                      a new TripSage conversation, kept in .baton/baton.db
  $ baton chat --session trip-1                     start or continue the session "trip-1"
  $ baton chat --session trip-1 --user ana          the same for the user "ana"
  $ baton chat --store memory                       nothing kept after the chat ends
  $ echo "Hi! London to Lisbon, 2026-12-10 to 2026-12-17" | baton chat --db /tmp/chat.db
                                                    without a terminal: lines in, plain lines out
  $ baton chat --app path/to/app.ts                 chat with another app's agents

Exit codes: 0 the chat ended (/quit, Ctrl+C or end of input) with every turn saved, 1 a turn failed (its message was not saved) or the app, the store or the session could not be started or restored, 2 usage error (no app, the session belongs to another user, or its id is reserved for internal records).`
    )
    .action(async (options: unknown) => {
      const command = await import("../commands/Chat.js")
      exit(await command.main(options, io, terminal()))
    })
