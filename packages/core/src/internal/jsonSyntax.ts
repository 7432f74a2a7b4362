/**
 * Why JSON text does not parse, in words that quote none of it. V8's
 * messages quote the text around a mistake (`Unexpected token 's', ..."TOKEN":
 * sk-live-ab"... is not valid JSON`), and the text may hold a secret or a card
 * number: the line and column say where instead.
 */

const statedPosition = (message: string) => {
  const stated = /at position (\d+)/.exec(message)
  return stated === null ? undefined : Number(stated[1])
}

// Whether `text` is valid JSON so far: it parses, or fails only at its end.
const endsEarly = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch (error) {
    const message = (error as Error).message
    return /end of JSON input/.test(message) || (statedPosition(message) ?? -1) >= text.length
  }
}

// V8 gives no position for some mistakes ("Unexpected token '}', … is not
// valid JSON"). The first offending character is then found by bisecting
// over prefixes: up to it, a prefix is valid JSON so far.
const positionOf = (text: string, message: string): number | undefined => {
  const stated = statedPosition(message)
  if (stated !== undefined) return stated
  if (/end of JSON input/.test(message)) return text.length
  let low = 0
  let high = text.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (endsEarly(text.slice(0, mid + 1))) low = mid + 1
    else high = mid
  }
  return low < text.length ? low : undefined
}

const lineAndColumn = (text: string, position: number) => {
  const before = text.slice(0, position).split("\n")
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`
}

const withoutExcerpt = (message: string) =>
  message
    .replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, "")
    .replace(/ in JSON at position \d+.*$/, "")

/** The reason `text` failed to parse with `error`: where, and what V8 said without its excerpt. */
export const describe = (text: string, error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error)
  const position = positionOf(text, message)
  const where = position === undefined ? "" : ` at ${lineAndColumn(text, position)}`
  return `it is not valid JSON${where}: ${withoutExcerpt(message)}`
}
