/**
 * The conversation: the user's and the agents' messages labelled with the
 * agent's name, each handoff where it happened, degradation notes, and the
 * output of slash commands. Only the newest entries that fit are shown.
 *
 * @since 0.1.0
 */
import { Box, Text } from "ink"
import * as ChatLines from "../ChatLines.js"
import type { Entry, State } from "../ChatState.js"

/**
 * The newest entries whose lines, wrapped at `width`, fit in `height`.
 *
 * @since 0.1.0 @category layout
 */
export const fitting = (state: State, height: number, width: number): ReadonlyArray<Entry> => {
  const shown: Array<Entry> = []
  let used = 0
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const entry = state.entries[i]!
    const lines = ChatLines.entry(state, entry)
      .reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / Math.max(10, width))), 0)
    if (used + lines > height && shown.length > 0) break
    used += lines
    shown.unshift(entry)
  }
  return shown
}

// Every text goes through ChatLines, which makes it safe for a terminal.
const EntryView = ({ state, entry }: { readonly state: State; readonly entry: Entry }) => {
  switch (entry._tag) {
    case "User":
      return (
        <Text>
          <Text bold color="cyan">you</Text>: {ChatLines.textLines(entry.text).join("\n")}
        </Text>
      )
    case "Agent":
      return (
        <Text>
          <Text bold color="magenta">{ChatLines.nameOf(state, entry.agent)}</Text>: {ChatLines.textLines(entry.text).join("\n")}
        </Text>
      )
    case "Handoff":
      return <Text color={entry.handoff.success && entry.handoff.contextPreserved ? "yellow" : "red"}>{ChatLines.handoff(entry)}</Text>
    case "Note":
    case "Info":
    case "Error":
      return (
        <Text {...(entry._tag === "Info" ? { dimColor: true } : { color: entry._tag === "Note" ? "yellow" : "red" })}>
          {ChatLines.entry(state, entry).join("\n")}
        </Text>
      )
  }
}

/** @since 0.1.0 @category components */
export const ConversationPane = (
  { state, height, width }: { readonly state: State; readonly height: number; readonly width: number }
) => (
  <Box flexDirection="column" height={height} overflow="hidden" justifyContent="flex-end">
    {fitting(state, height, width).map((entry, i) => <EntryView key={i} state={state} entry={entry} />)}
  </Box>
)
