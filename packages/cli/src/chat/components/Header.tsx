/**
 * The chat's first line: the app, the session and the user, where sessions
 * are kept, and the faults injected now.
 *
 * @since 0.1.0
 */
import { Box, Text } from "ink"
import * as TerminalText from "../../TerminalText.js"
import type { State } from "../ChatState.js"

/** @since 0.1.0 @category components */
export const Header = ({ state }: { readonly state: State }) => {
  const faults = Object.entries(state.faults)
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{TerminalText.inline(state.appName)} chat</Text>
        <Text dimColor>{" · session "}</Text>
        <Text color="cyan">{TerminalText.inline(state.sessionId)}</Text>
        <Text dimColor>{" · user "}</Text>
        <Text color="cyan">{TerminalText.inline(state.userId)}</Text>
        <Text dimColor>{` · ${TerminalText.inline(state.store)}`}</Text>
      </Text>
      {faults.length > 0 && (
        <Text color="yellow">⚡ faults: {TerminalText.inline(faults.map(([service, spec]) => `${service}=${spec}`).join(", "))}</Text>
      )}
    </Box>
  )
}
