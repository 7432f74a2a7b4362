/**
 * `baton sessions` and its subcommands (`list`, `show`, `snapshots`,
 * `restore`, `merge`, `export`, `import`, `delete`, `quarantine
 * list|show|release`): their arguments, options, help and exit codes. Each
 * runs in `commands/Sessions`, loaded when a subcommand runs.
 *
 * @since 0.2.0
 */
import { type Command, InvalidArgumentError } from "commander"
import type * as Implementation from "../commands/Sessions.js"
import type { Io } from "../Io.js"
import * as AppOptions from "./AppOptions.js"
import { nonEmptyId, snapshotId, withSessionOptions } from "./SessionOptions.js"

const exitCodes = "Exit codes: 0 done, 1 refused (another user's session, a missing session or snapshot, a store error), 2 usage error."

const quarantineEntry = (value: string): number => {
  const id = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError("a quarantine entry is a whole number from 1 (see `baton sessions quarantine list <id>`).")
  }
  return id
}

/**
 * Adds the command and its subcommands to `program`; their exit codes go to `exit`.
 *
 * @since 0.1.0 @category commands
 */
export const register = (program: Command, io: Io, exit: (code: number) => void): Command => {
  // A subcommand's action runs its entry in commands/Sessions, loaded then.
  const run = async (entry: (main: typeof Implementation.main) => Promise<number>) =>
    exit(await entry((await import("../commands/Sessions.js")).main))
  const sessions = program
    .command("sessions")
    .description("a user's stored sessions: list, show, snapshots, restore, merge, export, import, delete and quarantine")
    .addHelpText(
      "after",
      `
Every subcommand acts for --user and only on that user's sessions; the store is SQLite
(.baton/baton.db) unless --store, --db or --redis-url say otherwise.

A session whose record cannot be read is kept in quarantine: list its snapshots and restore
one (snapshots, restore), look at what was kept (quarantine list|show), put a record that reads
again back (quarantine release), or delete the session (delete --yes).

Examples:
  $ baton sessions list --user demo-traveller
  $ baton sessions show tripsage-demo --user demo-traveller
  $ baton sessions export tripsage-demo --user demo-traveller --out trip.json
  $ baton help sessions merge
  $ baton help sessions quarantine

${exitCodes}`
    )
  const add = (
    name: string,
    description: string,
    json: string | undefined,
    examples: ReadonlyArray<string>,
    notes?: string
  ) =>
    withSessionOptions(sessions.command(name).description(description), { json }).addHelpText(
      "after",
      `${notes === undefined ? "" : `\n${notes}\n`}\nExamples:\n${examples.map((example) => `  $ ${example}`).join("\n")}\n\n${exitCodes}`
    )

  add("list", "the user's sessions, newest activity first: agent, turns, version, last update", "print the sessions as JSON", [
    "baton sessions list --user demo-traveller",
    "baton sessions list --user demo-traveller --db /tmp/baton.db --json",
    "baton sessions list --user ana --store redis --redis-url redis://127.0.0.1:6379"
  ]).action((options: unknown) => run((main) => main.list(options, io)))

  AppOptions.withAppOptions(
    add("show", "one session: its messages with agent names, its state and active workflows", "print the stored session state as JSON", [
      "baton sessions show tripsage-demo --user demo-traveller",
      "baton sessions show tripsage-demo --user demo-traveller --json | jq .context.state"
    ]).argument("<id>", "the session id", nonEmptyId("session"))
  ).action((id: string, options: unknown) => run((main) => main.show(id, options, io)))

  add("snapshots", "the session's snapshots, oldest first (one is taken with every turn that hands over)", "print them as JSON", [
    "baton sessions snapshots tripsage-demo --user demo-traveller"
  ])
    .argument("<id>", "the session id", nonEmptyId("session"))
    .action((id: string, options: unknown) => run((main) => main.snapshots(id, options, io)))

  add("restore", "make one of the session's snapshots its current state, as a new version", "print the restored session's summary as JSON", [
    "baton sessions restore tripsage-demo 2 --user demo-traveller"
  ])
    .argument("<id>", "the session id", nonEmptyId("session"))
    .argument("<snapshot>", "the snapshot's id, as `baton sessions snapshots` lists it", snapshotId)
    .action((id: string, snapshot: number, options: unknown) => run((main) => main.restore(id, snapshot, options, io)))

  add(
    "merge",
    "merge another branch of a conversation into a session (a new version of it); prints every conflict",
    "print the merge and its conflicts as JSON",
    [
      "baton sessions merge trip-a trip-b --user ana            trip-b's messages and state into trip-a",
      "baton sessions merge trip-a trip-a --from-snapshot 2 --user ana   an old snapshot back into the live session"
    ],
    `Histories are united without duplicates, in time order. A key of the state, preferences or search
context that both sides set differently is a conflict: the side active last wins, and each is printed.`
  )
    .argument("<id>", "the session merged into", nonEmptyId("session"))
    .argument("<otherId>", "the session merged from", nonEmptyId("session"))
    .option("--from-snapshot <n>", "take <otherId> as it was at this snapshot", snapshotId)
    .action((id: string, otherId: string, options: unknown) => run((main) => main.merge(id, otherId, options, io)))

  add("export", "the session and its events as versioned JSON (card data masked), to stdout or a file", undefined, [
    "baton sessions export tripsage-demo --user demo-traveller > trip.json",
    "baton sessions export tripsage-demo --user demo-traveller --out trip.json"
  ])
    .argument("<id>", "the session id", nonEmptyId("session"))
    .option("--out <file>", "write the export to this file instead of stdout")
    .action((id: string, options: unknown) => run((main) => main.exportSession(id, options, io)))

  add("import", "a session export written by `baton sessions export`, for its owner", "print the imported session's summary as JSON", [
    "baton sessions import trip.json --user demo-traveller",
    "baton sessions import trip.json --user demo-traveller --overwrite --db other.db"
  ])
    .argument("<file>", "the export file")
    .option("--overwrite", "replace a session with the same id (as its next version)")
    .action((file: string, options: unknown) => run((main) => main.importSession(file, options, io)))

  add(
    "delete",
    "delete a session and everything kept of it: record, events, snapshots, quarantined records",
    "print what was deleted as JSON",
    ["baton sessions delete trip-a --user ana --yes"],
    `Works when the session's record and every snapshot are unreadable. It asks nothing: without
--yes nothing is deleted (exit 2), with --yes it is gone for good.`
  )
    .argument("<id>", "the session id", nonEmptyId("session"))
    .option("--yes", "confirm: delete it for good")
    .action((id: string, options: unknown) => run((main) => main.deleteSession(id, options, io)))

  const quarantine = sessions
    .command("quarantine")
    .description("the unreadable records a session's store kept: list, show, release")
    .addHelpText(
      "after",
      `
A record the store cannot read (corrupted, of a schema version this build does not know, of the
wrong shape) is moved to the session's quarantine, never deleted, and the session is restored
from a snapshot. release puts a quarantined record back as the session's next version once it
reads (after an upgrade, say), keeping the session it replaces as a snapshot first; a record that
still does not read is refused and stays. release --drop removes a record from quarantine for good.

Examples:
  $ baton sessions quarantine list trip-a --user ana
  $ baton sessions quarantine show trip-a 1 --user ana
  $ baton sessions quarantine release trip-a 1 --user ana
  $ baton sessions quarantine release trip-a 2 --user ana --drop

${exitCodes}`
    )
  const addQuarantine = (name: string, description: string, json: string, examples: ReadonlyArray<string>) =>
    withSessionOptions(quarantine.command(name).description(description), { json }).addHelpText(
      "after",
      `\nExamples:\n${examples.map((example) => `  $ ${example}`).join("\n")}\n\n${exitCodes}`
    ).argument("<id>", "the session id", nonEmptyId("session"))

  addQuarantine("list", "the session's quarantined records, oldest first: version, when, why", "print them as JSON", [
    "baton sessions quarantine list trip-a --user ana"
  ]).action((id: string, options: unknown) => run((main) => main.quarantineList(id, options, io)))

  addQuarantine("show", "one quarantined record: why it was kept, and its text as stored", "print it as JSON, text intact", [
    "baton sessions quarantine show trip-a 1 --user ana"
  ])
    .argument("<entry>", "the record's id, as `quarantine list` shows it", quarantineEntry)
    .action((id: string, entry: number, options: unknown) => run((main) => main.quarantineShow(id, entry, options, io)))

  addQuarantine(
    "release",
    "put a quarantined record that now reads back as the session's next version, or --drop it",
    "print the outcome as JSON",
    ["baton sessions quarantine release trip-a 1 --user ana", "baton sessions quarantine release trip-a 2 --user ana --drop"]
  )
    .argument("<entry>", "the record's id, as `quarantine list` shows it", quarantineEntry)
    .option("--drop", "remove the record from quarantine for good instead")
    .action((id: string, entry: number, options: unknown) => run((main) => main.quarantineRelease(id, entry, options, io)))

  return sessions
}
