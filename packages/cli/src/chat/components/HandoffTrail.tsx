/**
 * The handoff trail: each handoff of the session, newest last — who handed
 * to whom, why, how long it took and whether the context arrived intact.
 *
 * @since 0.1.0
 */
import type { HandoffResult } from "@baton/core"
import { Box, Text } from "ink"
import * as TerminalText from "../../TerminalText.js"
import type { State } from "../ChatState.js"

const Row = ({ handoff }: { readonly handoff: HandoffResult.HandoffResult }) => (
  <Box flexDirection="column">
    <Text>
      <Text bold>{TerminalText.inline(`${handoff.from} → ${handoff.to}`)}</Text>{" "}
      {!handoff.success
        ? <Text color="red">refused ✗</Text>
        : handoff.contextPreserved
        ? <Text color="green">context ✓</Text>
        : <Text color="red">context ✗</Text>}
    </Text>
    <Text dimColor wrap="truncate-end">
      {`  ${handoff.mode} · ${handoff.executionTimeMs.toFixed(2)} ms · ` +
        `${handoff.initiator === "router" ? "router: " : ""}${TerminalText.inline(handoff.reason)}`}
    </Text>
  </Box>
)

/** @since 0.1.0 @category components */
export const HandoffTrail = ({ state, rows }: { readonly state: State; readonly rows: number }) => {
  const shown = state.trail.slice(-Math.max(1, rows))
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Handoff trail ({state.trail.length})</Text>
      {shown.length === 0
        ? <Text dimColor>no handoffs yet</Text>
        : shown.map((handoff, i) => <Row key={i} handoff={handoff} />)}
    </Box>
  )
}
