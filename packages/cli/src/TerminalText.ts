/**
 * Text that came from a store or a remote party (messages, replies, tool
 * results, error reasons), made safe to write to a terminal. Such text is
 * not ours: an escape sequence in a stored message would recolour, move the
 * cursor or retitle the user's terminal when `sessions show` replays it, a
 * bidi override would make it read backwards, a NUL would cut it short. So
 * every control character is written as a visible escape (`\x1b`,
 * `\u202e`), and card data is masked (`Sensitive.maskText`) in case a store
 * or a server kept it raw.
 *
 * Only terminal output goes through here. `--json` keeps the text as it is
 * (JSON escapes control characters itself), with card data masked
 * (`Sensitive.redact`).
 *
 * @example
 * import { TerminalText } from "@baton/cli"
 *
 * TerminalText.safe("hi\u001b[2J there") // "hi\\x1b[2J there"
 *
 * @since 0.2.0
 */
import { Sensitive } from "@baton/core"

// C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding,
// override and isolate controls, plus the line and paragraph separators that
// terminals may treat as line breaks.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
// The same set with newline, for text that must stay on one line.
const UNSAFE_INLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const escape = (char: string): string => {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
}

/**
 * The text with card data masked and every control character but tab and
 * newline written as a visible escape.
 *
 * @since 0.2.0 @category sanitising
 */
export const safe = (text: string): string => Sensitive.maskText(text).replace(UNSAFE, escape)

/**
 * `safe`, with newlines escaped too: for a value shown on one line (a table
 * cell, an id, a one-line error).
 *
 * @since 0.2.0 @category sanitising
 */
export const inline = (text: string): string => Sensitive.maskText(text).replace(UNSAFE_INLINE, escape)
