/**
 * The chat as plain lines, for stdin that is not a terminal: `Agent: reply`
 * (continuation lines indented), one line per handoff, `⚠ note` for a
 * degradation note, command output as it is, `error: …` for what went wrong.
 *
 * Everything the chat shows came from the store, the app or its services
 * (messages, agent names, handoff reasons, notes, error reasons), so every
 * line is written through `TerminalText`: an escape sequence, a NUL or a
 * bidi override in a stored message is shown as a visible escape, never
 * replayed to the terminal. The ink UI renders its text through the same
 * functions.
 *
 * @since 0.1.0
 */
import * as TerminalText from "../TerminalText.js"
import * as Transcript from "../Transcript.js"
import type { Entry, State } from "./ChatState.js"

/**
 * Agent names by id; an id without a name labels itself. Made safe for one
 * line of a terminal.
 *
 * @since 0.1.0 @category accessors
 */
export const nameOf = (state: Pick<State, "agents">, id: string): string =>
  TerminalText.inline(state.agents.find((agent) => agent.id === id)?.name ?? id)

/**
 * A text of several lines (a message, an error) as lines safe for a terminal.
 *
 * @since 0.2.0 @category printing
 */
export const textLines = (text: string): Array<string> => TerminalText.safe(text).split("\n")

const labelled = (label: string, text: string) => {
  const [first = "", ...rest] = textLines(text)
  return [`${label}: ${first}`, ...rest.map((line) => `  ${line}`)]
}

/**
 * The handoff as `Transcript` prints it, without its indent.
 *
 * @since 0.1.0 @category printing
 */
export const handoff = (entry: Extract<Entry, { _tag: "Handoff" }>): string =>
  TerminalText.inline(Transcript.handoffLine(entry.handoff).trimStart())

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
      return [`⚠ ${TerminalText.inline(entry.text)}`]
    case "Info":
      return entry.lines.map(TerminalText.inline)
    case "Error":
      return labelled("error", entry.text)
  }
}

/** @since 0.1.0 @category printing */
export const header = (state: State): string =>
  TerminalText.inline(`${state.appName} chat · session ${state.sessionId} · user ${state.userId} · ${state.store}`)
