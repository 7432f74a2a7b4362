/**
 * How `baton sessions` prints sessions, snapshots, merges and quarantined
 * records. Every function returns lines, so the printing is tested on
 * strings and the command decides where they go. Times are UTC, to the
 * second.
 *
 * Everything that came from the store — ids, labels, messages, state,
 * quarantined records — is written through `TerminalText`: an escape
 * sequence, NUL or bidi override stored in a message is shown as a visible
 * escape, never replayed on the user's terminal (`--json` output does not
 * come through here and keeps the text intact).
 *
 * @since 0.1.0
 */
import { Message, type SessionState, type SessionStore } from "@baton/core"
import type { SessionManager } from "@baton/session"
import * as Style from "../Style.js"
import * as Table from "../Table.js"
import { inline, safe } from "../TerminalText.js"

/**
 * A session as `list` shows it. A corrupted one has only its id.
 *
 * @since 0.1.0 @category models
 */
export interface Listed {
  readonly sessionId: string
  readonly status: "ok" | "corrupted"
  readonly agent?: string | null
  /** Messages the user sent. */
  readonly turns?: number
  readonly version?: number
  /** Epoch milliseconds of the last activity. */
  readonly updated?: number
}

/** @since 0.1.0 @category printing */
export const time = (epochMs: number): string => new Date(epochMs).toISOString().replace("T", " ").slice(0, 19)

/** @since 0.1.0 @category accessors */
export const turnsOf = (state: SessionState.SessionState): number =>
  state.context.history.filter((message) => message.role === "user").length

/** @since 0.1.0 @category printing */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`

const json = (value: unknown): string => inline(JSON.stringify(value) ?? "undefined")

const cut = (text: string, room: number) => (text.length <= room ? text : `${text.slice(0, room - 1)}…`)

/** @since 0.1.0 @category printing */
export const list = (userId: string, sessions: ReadonlyArray<Listed>, options: Table.Options = {}): Array<string> => {
  if (sessions.length === 0) return [`No sessions for user "${inline(userId)}" in this store.`]
  const style = options.style ?? Style.plain
  const rows = sessions.map((session) =>
    session.status === "corrupted"
      ? [inline(session.sessionId), style.red("corrupted"), "-", "-", "- (restore it from a snapshot)"]
      : [
        inline(session.sessionId),
        inline(session.agent ?? "-"),
        String(session.turns ?? 0),
        String(session.version ?? 0),
        session.updated === undefined ? "-" : time(session.updated)
      ]
  )
  return Table.render(["ID", "AGENT", "TURNS", "VERSION", "UPDATED"], rows, options)
}

/** @since 0.1.0 @category models */
export interface ShowOptions extends Table.Options {
  /** Agent names by id; ids label agents that have none. */
  readonly agentNames?: ReadonlyMap<string, string>
}

const indent = (lines: ReadonlyArray<string>, by = "  ") => lines.map((line) => `${by}${line}`)

// JSON escapes C0 controls, not DEL, C1 or bidi controls: each line is made safe too.
const record = (value: unknown): Array<string> => (JSON.stringify(value, null, 2) ?? "undefined").split("\n").map(inline)

/**
 * The session: who and where it is, every message labelled with its
 * writer's name, the application state, and the workflow runs it records.
 *
 * @since 0.1.0 @category printing
 */
export const show = (state: SessionState.SessionState, options: ShowOptions = {}): Array<string> => {
  const style = options.style ?? Style.plain
  const names = options.agentNames ?? new Map<string, string>()
  const nameOf = (id: string | undefined) => inline(id === undefined ? "agent" : names.get(id) ?? id)
  const history = state.context.history
  const labelOf = (message: SessionState.SessionState["context"]["history"][number]) =>
    message.role === "user" ? "you" : message.role === "system" ? "system" : nameOf(message.agent)
  const labelWidth = Math.max(3, ...history.map((message) => labelOf(message).length))
  const messages = history.flatMap((message) => {
    const [first = "", ...rest] = safe(message.content).split("\n")
    if (Message.isInterrupted(message)) rest.push("(interrupted: no reply was made)")
    const label = labelOf(message).padEnd(labelWidth)
    const colour = message.role === "user" ? (text: string) => style.bold(style.cyan(text)) : style.magenta
    const prefix = `${style.dim(time(message.time).slice(11))}  ${colour(label)}  `
    const hang = " ".repeat(8 + 2 + labelWidth + 2)
    return [`${prefix}${first}`, ...rest.map((line) => `${hang}${line}`)]
  })
  const agent = state.currentAgent === null ? "none yet" : `${nameOf(state.currentAgent)} (${inline(state.currentAgent)})`
  const stack = state.agentStack.length === 0 ? "" : ` · waiting: ${state.agentStack.map(nameOf).join(" → ")}`
  const workflows = state.activeWorkflows.length === 0
    ? ["  none"]
    : indent(Table.render(
      ["RUN", "WORKFLOW", "STATUS", "STEPS", "STARTED"],
      state.activeWorkflows.map((workflow) => {
        const steps = Object.values(workflow.steps ?? {})
        const done = steps.filter((step) => step._tag === "Completed").length
        return [inline(workflow.id), inline(workflow.name), workflow.status, `${done}/${steps.length} completed`, time(workflow.startedAt)]
      }),
      { style }
    ))
  const extras = (title: string, value: Record<string, unknown>) =>
    Object.keys(value).length === 0 ? [] : ["", style.bold(title), ...indent(record(value))]
  return [
    style.bold(`Session ${inline(state.sessionId)}`),
    style.dim(
      `user ${inline(state.userId)} · version ${state.version} · ${count(turnsOf(state), "turn")}, ${count(history.length, "message")} · ` +
        `created ${time(state.createdAt)} · updated ${time(state.lastActivity)}`
    ),
    `agent ${agent}${stack}`,
    "",
    style.bold("Messages"),
    ...(messages.length === 0 ? ["  none"] : indent(messages)),
    "",
    style.bold("State"),
    ...indent(record(state.context.state)),
    ...extras("Preferences", state.context.preferences),
    ...extras("Search context", state.context.searchContext),
    "",
    style.bold("Active workflows"),
    ...workflows
  ]
}

/** @since 0.1.0 @category printing */
export const snapshots = (
  sessionId: string,
  taken: ReadonlyArray<SessionStore.SnapshotInfo>,
  options: Table.Options = {}
): Array<string> =>
  taken.length === 0
    ? [`Session "${inline(sessionId)}" has no snapshots (one is taken with every turn that hands over).`]
    : Table.render(
      ["ID", "VERSION", "LABEL", "TAKEN"],
      taken.map((snapshot) => [String(snapshot.id), String(snapshot.version), inline(snapshot.label), time(snapshot.createdAt)]),
      options
    )

/** What a session holds now, in a few words: its version, agent and size. @since 0.2.0 @category printing */
export const summary = (state: SessionState.SessionState): string =>
  `version ${state.version}, agent ${inline(state.currentAgent ?? "none")}, ${count(turnsOf(state), "turn")}, ` +
  `${count(state.context.history.length, "message")}`

/** @since 0.1.0 @category printing */
export const restored = (snapshot: number, state: SessionState.SessionState): Array<string> => [
  `Restored session ${inline(state.sessionId)} to snapshot #${snapshot}: now ${summary(state)}.`
]

/** @since 0.2.0 @category printing */
export const deleted = (sessionId: string): Array<string> => [
  `Deleted session ${inline(sessionId)}: its record, events, snapshots and quarantined records.`
]

/**
 * A session's quarantined records: id, the version each had, when it was
 * kept, and why it could not be read.
 *
 * @since 0.2.0 @category printing
 */
export const quarantined = (
  sessionId: string,
  entries: ReadonlyArray<SessionStore.QuarantinedRecord>,
  options: Table.Options = {}
): Array<string> =>
  entries.length === 0
    ? [`Session "${inline(sessionId)}" has no quarantined records.`]
    : Table.render(
      ["ID", "VERSION", "KEPT", "REASON"],
      entries.map((entry) => [String(entry.id), String(entry.version), time(entry.at), inline(entry.reason)]),
      options
    )

/**
 * One quarantined record: why it was kept, and its text exactly as it was
 * stored, control characters shown as escapes.
 *
 * @since 0.2.0 @category printing
 */
export const quarantinedRecord = (entry: SessionStore.QuarantinedRecord, options: Table.Options = {}): Array<string> => {
  const style = options.style ?? Style.plain
  return [
    style.bold(`Quarantined record #${entry.id} of session ${inline(entry.sessionId)}`),
    style.dim(`version ${entry.version} · kept ${time(entry.at)} · ${count(Buffer.byteLength(entry.raw), "byte")}`),
    `reason: ${inline(entry.reason)}`,
    "",
    style.bold("Record as stored"),
    ...safe(entry.raw).split("\n")
  ]
}

/** @since 0.2.0 @category printing */
export const released = (quarantineId: number, state: SessionState.SessionState): Array<string> => [
  `Released quarantined record #${quarantineId} of session ${inline(state.sessionId)}: it is now ${summary(state)}.`
]

/** @since 0.2.0 @category printing */
export const dropped = (sessionId: string, quarantineId: number): Array<string> => [
  `Dropped quarantined record #${quarantineId} of session ${inline(sessionId)}: it is gone for good.`
]

/** @since 0.1.0 @category models */
export interface Sides {
  /** How the two branches are named in the output. */
  readonly a: string
  readonly b: string
}

/**
 * The merge: what it committed, where each branch's messages went, and every
 * conflict with both values and the one kept.
 *
 * @since 0.1.0 @category printing
 */
export const merged = (result: SessionManager.MergeResult, sides: Sides, options: Table.Options = {}): Array<string> => {
  const style = options.style ?? Style.plain
  const a = inline(sides.a)
  const b = inline(sides.b)
  const winner = result.winner === "a" ? a : b
  const head = [
    `Merged ${b} into ${a}: session ${inline(result.state.sessionId)} is now version ${result.state.version}, ` +
    `${count(result.state.context.history.length, "message")} (${result.added.fromA} from ${a}, ` +
    `${result.added.fromB} from ${b}, ${result.duplicates} in both kept once).`
  ]
  if (result.conflicts.length === 0) return [...head, style.green("No conflicts.")]
  const valueWidth = 40
  return [
    ...head,
    style.yellow(
      `${result.conflicts.length} conflict${result.conflicts.length === 1 ? "" : "s"}: ` +
        `${winner} was active last, so its values were kept (last writer wins).`
    ),
    ...Table.render(
      ["PATH", "KEPT", `VALUE IN ${a}`, `VALUE IN ${b}`],
      result.conflicts.map((conflict) => [
        inline(conflict.path),
        conflict.kept === "a" ? a : b,
        cut(json(conflict.a), valueWidth),
        cut(json(conflict.b), valueWidth)
      ]),
      options
    )
  ]
}
