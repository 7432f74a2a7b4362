/**
 * The chat without a terminal: one input line at a time from a stream
 * (slash commands included), the conversation written as plain lines
 * (`ChatLines`), until `/quit` or the end of the input. SIGINT (Ctrl-C)
 * interrupts the turn under way; with none, it ends the chat.
 *
 * @since 0.1.0
 */
import * as Readline from "node:readline"
import type { Engine } from "./ChatEngine.js"
import * as ChatLines from "./ChatLines.js"
import type { Entry } from "./ChatState.js"

// The user's own lines are their input; only restored ones are news.
const printable = (entry: Entry) => entry._tag !== "User" || entry.past

/**
 * Writes the header and what the session already holds, then plays `input`.
 *
 * @since 0.1.0 @category running
 */
export const run = async (engine: Engine, input: NodeJS.ReadableStream, write: (text: string) => void): Promise<void> => {
  let printed = 0
  const print = () => {
    const state = engine.getState()
    const lines = state.entries.slice(printed).filter(printable).flatMap((entry) => ChatLines.entry(state, entry))
    printed = state.entries.length
    if (lines.length > 0) write(`${lines.join("\n")}\n`)
  }
  write(`${ChatLines.header(engine.getState())}\n`)
  print()
  const unsubscribe = engine.subscribe((_, action) => {
    // A switch of session replaces the conversation: print it from the start.
    if (action._tag === "Restored") printed = 0
    print()
  })
  const lines = Readline.createInterface({ input, crlfDelay: Infinity, terminal: false })
  const interrupt = () => {
    if (!engine.interrupt()) lines.close()
  }
  process.on("SIGINT", interrupt)
  try {
    for await (const line of lines) {
      if ((await engine.submit(line)) === "quit") break
    }
  } finally {
    process.removeListener("SIGINT", interrupt)
    unsubscribe()
    lines.close()
  }
}
