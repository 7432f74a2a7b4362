/**
 * Tag templates (`"availability:{offer_id}"`, `"{result.reservation.offer_id}"`)
 * compiled once per tool into a function from a call's arguments and result
 * to its tags.
 */

type Part = string | { readonly fromResult: boolean; readonly path: ReadonlyArray<string> }

const placeholder = /\{([^{}]+)\}/g

const parse = (template: string): ReadonlyArray<Part> => {
  const parts: Array<Part> = []
  let last = 0
  for (const match of template.matchAll(placeholder)) {
    if (match.index > last) parts.push(template.slice(last, match.index))
    const path = match[1]!.split(".")
    const fromResult = path[0] === "result"
    parts.push({ fromResult, path: fromResult ? path.slice(1) : path })
    last = match.index + match[0].length
  }
  if (last < template.length) parts.push(template.slice(last))
  return parts
}

const at = (value: unknown, path: ReadonlyArray<string>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** A call's tags, from its arguments and (when known) its result. */
export type Tagger = (args: unknown, result: unknown) => ReadonlyArray<string>

export const none: Tagger = () => []

/**
 * Compiles templates. A template with a placeholder whose value is missing
 * or not a scalar gives no tag: a wrong tag would drop the wrong entries, a
 * missing one only leaves an entry to its expiry.
 */
export const compile = (templates: ReadonlyArray<string> | undefined): Tagger => {
  if (templates === undefined || templates.length === 0) return none
  const compiled = templates.map(parse)
  return (args, result) => {
    const tags: Array<string> = []
    for (const parts of compiled) {
      let tag = ""
      let complete = true
      for (const part of parts) {
        if (typeof part === "string") {
          tag += part
          continue
        }
        const value = at(part.fromResult ? result : args, part.path)
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          complete = false
          break
        }
        tag += String(value)
      }
      if (complete && !tags.includes(tag)) tags.push(tag)
    }
    return tags
  }
}
