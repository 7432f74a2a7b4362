/**
 * JSON text from outside (a file a user names, an import, a request body, a
 * stored record) parsed with a bound on its nesting. `JSON.parse` itself
 * copes with any depth, but everything that walks the value afterwards —
 * Schema decoding, `JSON.stringify`, redaction — recurses, and a value
 * nested a few thousand levels deep ends the process's stack: "Maximum call
 * stack size exceeded" instead of a readable refusal. The depth is measured
 * on the text, without recursion, before anything is built.
 *
 * @example
 * import { JsonInput } from "@baton/core"
 * import * as Either from "effect/Either"
 *
 * const deep = "[".repeat(10_000) + "]".repeat(10_000)
 * const parsed = JsonInput.parse(deep)
 * Either.isLeft(parsed) // true: "it nests 10000 levels deep; at most 100 are allowed"
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"

/**
 * How deep values from outside may nest unless told otherwise: far beyond
 * any configuration, scenario or session Baton reads, far below what the
 * recursive walks after parsing can take.
 *
 * @since 0.2.0 @category constants
 */
export const DEFAULT_MAX_DEPTH = 100

/** @since 0.2.0 @category models */
export interface Options {
  /** The deepest nesting of arrays and objects allowed. Default `DEFAULT_MAX_DEPTH`. */
  readonly maxDepth?: number
}

/**
 * How deeply the arrays and objects of a JSON text nest (0 for a scalar),
 * counted without parsing; brackets inside strings do not count. Stops
 * counting once `limit` is passed and returns the depth reached so far.
 *
 * @since 0.2.0 @category accessors
 */
export const depthOf = (text: string, limit = Number.POSITIVE_INFINITY): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92 /* \ */) i++
      else if (code === 34 /* " */) inString = false
    } else if (code === 34) {
      inString = true
    } else if (code === 91 /* [ */ || code === 123 /* { */) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > limit) return deepest
      }
    } else if (code === 93 /* ] */ || code === 125 /* } */) {
      depth--
    }
  }
  return deepest
}

/**
 * Parses JSON text whose nesting stays within `maxDepth`. A Left says in
 * words why the text was refused, for a message such as
 * `scenario.json: ${reason}`.
 *
 * @since 0.2.0 @category parsing
 */
export const parse = (text: string, options: Options = {}): Either.Either<unknown, string> => {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const depth = depthOf(text, maxDepth)
  if (depth > maxDepth) {
    return Either.left(`it nests more than ${maxDepth} levels deep (arrays and objects inside each other); at most ${maxDepth} are allowed`)
  }
  try {
    return Either.right(JSON.parse(text))
  } catch (error) {
    return Either.left(`it is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}
