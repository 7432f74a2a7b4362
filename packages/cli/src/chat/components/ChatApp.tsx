/**
 * The chat screen: header; the conversation on the left; the handoff trail
 * and the services panel on the right; degradation notes and the input line
 * at the bottom. It renders the engine's state and hands it the lines typed.
 *
 * @since 0.1.0
 */
import { Box, useApp, useInput, useStdout } from "ink"
import { useCallback, useSyncExternalStore } from "react"
import type { Engine } from "../ChatEngine.js"
import { ConversationPane } from "./ConversationPane.js"
import { HandoffTrail } from "./HandoffTrail.js"
import { Header } from "./Header.js"
import { InputLine } from "./InputLine.js"
import { NotesPanel } from "./NotesPanel.js"
import { ServicesPanel } from "./ServicesPanel.js"

const SIDE_WIDTH = 46
const NOTE_ROWS = 3

/** @since 0.1.0 @category components */
export const ChatApp = ({ engine }: { readonly engine: Engine }) => {
  const state = useSyncExternalStore(engine.subscribe, engine.getState)
  const { exit } = useApp()
  const { stdout } = useStdout()
  const columns = stdout.columns ?? 100
  const rows = stdout.rows ?? 30
  const submit = useCallback((line: string) => {
    void engine.submit(line).then((next) => {
      if (next === "quit") exit()
    })
  }, [engine, exit])
  // Ctrl+C interrupts the turn under way; with none, it leaves.
  useInput((input, key) => {
    if (key.ctrl && input === "c" && !engine.interrupt()) exit()
  })
  const notes = Math.min(NOTE_ROWS, state.notes.length)
  // Header, input and status lines, the notes and their title, and a margin.
  const height = Math.max(5, rows - 5 - (notes > 0 ? notes + 1 : 0) - (Object.keys(state.faults).length > 0 ? 1 : 0))
  const wide = columns >= 90
  return (
    <Box flexDirection="column" width={columns}>
      <Header state={state} />
      <Box flexDirection="row">
        <Box flexGrow={1} flexShrink={1} paddingRight={1}>
          <ConversationPane state={state} height={height} width={wide ? columns - SIDE_WIDTH - 1 : columns} />
        </Box>
        {wide && (
          <Box flexDirection="column" width={SIDE_WIDTH} flexShrink={0}>
            <HandoffTrail state={state} rows={Math.max(1, Math.floor((height - 12) / 2))} />
            <ServicesPanel state={state} />
          </Box>
        )}
      </Box>
      <NotesPanel state={state} rows={NOTE_ROWS} />
      <InputLine busy={state.busy} onSubmit={submit} />
    </Box>
  )
}
