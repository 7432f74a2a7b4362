/**
 * The newest degradation notes: answers that are partial, from a fallback,
 * or given up on.
 *
 * @since 0.1.0
 */
import { Box, Text } from "ink"
import * as TerminalText from "../../TerminalText.js"
import type { State } from "../ChatState.js"

/** @since 0.1.0 @category components */
export const NotesPanel = ({ state, rows }: { readonly state: State; readonly rows: number }) =>
  state.notes.length === 0 ? null : (
    <Box flexDirection="column">
      <Text bold color="yellow">Degradation notes ({state.notes.length})</Text>
      {state.notes.slice(-rows).map((note, i) => <Text key={i} color="yellow" wrap="truncate-end">⚠ {TerminalText.inline(note)}</Text>)}
    </Box>
  )
