/**
 * The app's services as its events describe them: recent success rate, the
 * `ServiceHealth` score when the app exposes that port, the breaker state
 * (read from that port after each turn, moved by each transition), and the last call's outcome and
 * latency. A service appears with its first call.
 *
 * @since 0.1.0
 */
import { Box, Text } from "ink"
import * as TerminalText from "../../TerminalText.js"
import type { ServiceStatus, State } from "../ChatState.js"

const healthOf = (status: ServiceStatus) => {
  if (status.health !== undefined) return status.health.toFixed(2)
  const ok = status.recent.filter(Boolean).length
  return `${ok}/${status.recent.length}`
}

const colourOf = (status: ServiceStatus) => {
  const failing = status.breaker === "open" || (status.recent.length > 0 && status.recent.every((ok) => !ok))
  if (failing) return "red"
  return status.breaker === "half-open" || status.recent.some((ok) => !ok) ? "yellow" : "green"
}

/** @since 0.1.0 @category components */
export const ServicesPanel = ({ state }: { readonly state: State }) => (
  <Box flexDirection="column" borderStyle="round" paddingX={1}>
    <Text bold>Services</Text>
    {state.services.length === 0
      ? <Text dimColor>no tool calls yet</Text>
      : (
        <>
          <Text dimColor>{"service".padEnd(15)}{"ok".padEnd(6)}{"breaker".padEnd(10)}last</Text>
          {state.services.map((status) => (
            <Text key={status.name} wrap="truncate-end">
              <Text color={colourOf(status)}>{TerminalText.inline(status.name).padEnd(15)}</Text>
              {healthOf(status).padEnd(6)}
              {(status.breaker ?? "—").padEnd(10)}
              {`${TerminalText.inline(status.lastOutcome)} ${Math.round(status.lastMs)} ms`}
            </Text>
          ))}
          <Text dimColor>ok: health 0–1, else recent calls that succeeded{"\n"}breaker: — for a service without one</Text>
        </>
      )}
  </Box>
)
