/**
 * The chat on a terminal: renders `ChatApp` with ink until `/quit`, or
 * Ctrl+C while no turn runs (Ctrl+C during a turn interrupts the turn).
 *
 * @since 0.1.0
 */
import { render } from "ink"
import type { Engine } from "./ChatEngine.js"
import { ChatApp } from "./components/ChatApp.js"

/** @since 0.1.0 @category running */
export const run = async (engine: Engine): Promise<void> => {
  const instance = render(<ChatApp engine={engine} />, { exitOnCtrlC: false })
  await instance.waitUntilExit()
}
