/**
 * The input line: typed characters (pasted text too), Backspace, and Enter
 * to submit. Lines submitted while a turn runs wait for it, in order.
 *
 * @since 0.1.0
 */
import { Box, Text, useInput } from "ink"
import { useRef, useState } from "react"
import * as TerminalText from "../../TerminalText.js"

/** @since 0.1.0 @category components */
export const InputLine = (
  { busy, onSubmit }: { readonly busy: boolean; readonly onSubmit: (line: string) => void }
) => {
  const [text, setText] = useState("")
  // Keys can arrive faster than React re-subscribes this handler, so the
  // handler reads and writes the line through a ref, never a stale closure.
  const line = useRef("")
  const change = (next: string) => {
    line.current = next
    setText(next)
  }
  const submit = () => {
    if (line.current.trim().length === 0) return
    const submitted = line.current
    change("")
    onSubmit(submitted)
  }
  useInput((input, key) => {
    if (key.return) {
      submit()
    } else if (key.backspace || key.delete) {
      change(line.current.slice(0, -1))
    } else if (!key.ctrl && !key.meta && input.length > 0) {
      // Text typed before the UI took the keyboard arrives in one chunk,
      // with the line breaks the terminal kept: each one is an Enter.
      const [first = "", ...rest] = input.split(/\r\n|\r|\n/)
      change(line.current + first)
      for (const next of rest) {
        submit()
        change(next)
      }
    }
  })
  return (
    <Box flexDirection="column">
      <Text dimColor>{busy ? "… the agents are working · Ctrl+C interrupts" : "Enter sends · /help lists the commands · /quit leaves"}</Text>
      <Text>
        <Text color="cyan" bold>{"› "}</Text>
        {TerminalText.inline(text)}
        <Text inverse> </Text>
      </Text>
    </Box>
  )
}
