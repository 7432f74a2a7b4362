/**
 * The chat on a terminal: renders `ChatApp` with ink until `/quit` or
 * Ctrl+C.
 *
 * @since 0.1.0
 */
import { render } from "ink"
import type { Engine } from "./ChatEngine.js"
import { ChatApp } from "./components/ChatApp.js"

/** @since 0.1.0 @category running */
export const run = async (engine: Engine): Promise<void> => {
  const instance = render(<ChatApp engine={engine} />, { exitOnCtrlC: true })
  await instance.waitUntilExit()
}
