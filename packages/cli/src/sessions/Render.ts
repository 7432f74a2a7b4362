/**
 * How `baton sessions` prints sessions, snapshots and merges. Every function
 * returns lines, so the printing is tested on strings and the command decides
 * where they go. Times are UTC, to the second.
 *
 * @since 0.1.0
 */
import type { SessionState, SessionStore } from "@baton/core"
import type { SessionManager } from "@baton/session"
import * as Style from "../Style.js"
import * as Table from "../Table.js"

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

const json = (value: unknown): string => JSON.stringify(value) ?? "undefined"

const cut = (text: string, room: number) => (text.length <= room ? text : `${text.slice(0, room - 1)}…`)

/** @since 0.1.0 @category printing */
export const list = (userId: string, sessions: ReadonlyArray<Listed>, options: Table.Options = {}): Array<string> => {
  if (sessions.length === 0) return [`No sessions for user "${userId}" in this store.`]
  const style = options.style ?? Style.plain
  const rows = sessions.map((session) =>
    session.status === "corrupted"
      ? [session.sessionId, style.red("corrupted"), "-", "-", "- (restore it from a snapshot)"]
      : [
        session.sessionId,
        session.agent ?? "-",
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

const record = (value: unknown): Array<string> => JSON.stringify(value, null, 2).split("\n")

/**
 * The session: who and where it is, every message labelled with its
 * writer's name, the application state, and the workflow runs it records.
 *
 * @since 0.1.0 @category printing
 */
export const show = (state: SessionState.SessionState, options: ShowOptions = {}): Array<string> => {
  const style = options.style ?? Style.plain
  const names = options.agentNames ?? new Map<string, string>()
  const nameOf = (id: string | undefined) => (id === undefined ? "agent" : names.get(id) ?? id)
  const history = state.context.history
  const labelOf = (message: SessionState.SessionState["context"]["history"][number]) =>
    message.role === "user" ? "you" : message.role === "system" ? "system" : nameOf(message.agent)
  const labelWidth = Math.max(3, ...history.map((message) => labelOf(message).length))
  const messages = history.flatMap((message) => {
    const [first = "", ...rest] = message.content.split("\n")
    const label = labelOf(message).padEnd(labelWidth)
    const colour = message.role === "user" ? (text: string) => style.bold(style.cyan(text)) : style.magenta
    const prefix = `${style.dim(time(message.time).slice(11))}  ${colour(label)}  `
    const hang = " ".repeat(8 + 2 + labelWidth + 2)
    return [`${prefix}${first}`, ...rest.map((line) => `${hang}${line}`)]
  })
  const agent = state.currentAgent === null ? "none yet" : `${nameOf(state.currentAgent)} (${state.currentAgent})`
  const stack = state.agentStack.length === 0 ? "" : ` · waiting: ${state.agentStack.map(nameOf).join(" → ")}`
  const workflows = state.activeWorkflows.length === 0
    ? ["  none"]
    : indent(Table.render(
      ["RUN", "WORKFLOW", "STATUS", "STEPS", "STARTED"],
      state.activeWorkflows.map((workflow) => {
        const steps = Object.values(workflow.steps ?? {})
        const done = steps.filter((step) => step._tag === "Completed").length
        return [workflow.id, workflow.name, workflow.status, `${done}/${steps.length} completed`, time(workflow.startedAt)]
      }),
      { style }
    ))
  const extras = (title: string, value: Record<string, unknown>) =>
    Object.keys(value).length === 0 ? [] : ["", style.bold(title), ...indent(record(value))]
  return [
    style.bold(`Session ${state.sessionId}`),
    style.dim(
      `user ${state.userId} · version ${state.version} · ${count(turnsOf(state), "turn")}, ${count(history.length, "message")} · ` +
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
    ? [`Session "${sessionId}" has no snapshots (one is taken with every turn that hands over).`]
    : Table.render(
      ["ID", "VERSION", "LABEL", "TAKEN"],
      taken.map((snapshot) => [String(snapshot.id), String(snapshot.version), snapshot.label, time(snapshot.createdAt)]),
      options
    )

/** @since 0.1.0 @category printing */
export const restored = (snapshot: number, state: SessionState.SessionState): Array<string> => [
  `Restored session ${state.sessionId} to snapshot #${snapshot}: now version ${state.version}, ` +
  `agent ${state.currentAgent ?? "none"}, ${count(turnsOf(state), "turn")}, ${count(state.context.history.length, "message")}.`
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
  const winner = result.winner === "a" ? sides.a : sides.b
  const head = [
    `Merged ${sides.b} into ${sides.a}: session ${result.state.sessionId} is now version ${result.state.version}, ` +
    `${count(result.state.context.history.length, "message")} (${result.added.fromA} from ${sides.a}, ` +
    `${result.added.fromB} from ${sides.b}, ${result.duplicates} in both kept once).`
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
      ["PATH", "KEPT", `VALUE IN ${sides.a}`, `VALUE IN ${sides.b}`],
      result.conflicts.map((conflict) => [
        conflict.path,
        conflict.kept === "a" ? sides.a : sides.b,
        cut(json(conflict.a), valueWidth),
        cut(json(conflict.b), valueWidth)
      ]),
      options
    )
  ]
}
