/**
 * The chat as plain lines, for stdin that is not a terminal: `Agent: reply`
 * (continuation lines indented), one line per handoff, `⚠ note` for a
 * degradation note, command output as it is, `error: …` for what went wrong.
 *
 * @since 0.1.0
 */
import * as Transcript from "../Transcript.js"
import type { Entry, State } from "./ChatState.js"

/**
 * Agent names by id; an id without a name labels itself.
 *
 * @since 0.1.0 @category accessors
 */
export const nameOf = (state: Pick<State, "agents">, id: string): string =>
  state.agents.find((agent) => agent.id === id)?.name ?? id

const labelled = (label: string, text: string) => {
  const [first = "", ...rest] = text.split("\n")
  return [`${label}: ${first}`, ...rest.map((line) => `  ${line}`)]
}

/**
 * The handoff as `Transcript` prints it, without its indent.
 *
 * @since 0.1.0 @category printing
 */
export const handoff = (entry: Extract<Entry, { _tag: "Handoff" }>): string =>
  Transcript.handoffLine(entry.handoff).trimStart()

/** @since 0.1.0 @category printing */
export const entry = (state: Pick<State, "agents">, entry: Entry): Array<string> => {
  switch (entry._tag) {
    case "User":
      return labelled("you", entry.text)
    case "Agent":
      return labelled(nameOf(state, entry.agent), entry.text)
    case "Handoff":
      return [handoff(entry)]
    case "Note":
      return [`⚠ ${entry.text}`]
    case "Info":
      return [...entry.lines]
    case "Error":
      return [`error: ${entry.text}`]
  }
}

/** @since 0.1.0 @category printing */
export const header = (state: State): string =>
  `${state.appName} chat · session ${state.sessionId} · user ${state.userId} · ${state.store}`
