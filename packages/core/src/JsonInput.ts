/**
 * JSON from outside (a file a user names, an import, a request body, a stored
 * record, a value handed in by code) checked before anything walks it.
 *
 * - **Nesting is bounded.** `JSON.parse` builds a value of any depth without
 *   recursing, but everything that walks the value afterwards — Schema
 *   decoding and its error messages, `JSON.stringify`, redaction, argument
 *   checks — recurses, and a value nested a few thousand levels deep ends the
 *   process's stack: "Maximum call stack size exceeded" instead of a readable
 *   refusal. The depth is measured on the parsed value with a stack of its
 *   own, which is also how a cyclic value from code is stopped.
 * - **Syntax errors quote nothing.** V8's messages quote the text around a
 *   mistake, and that text may hold a secret or a card number: the reason
 *   gives the line and column instead.
 *
 * @example
 * import { JsonInput } from "@baton/core"
 * import * as Either from "effect/Either"
 *
 * const deep = "[".repeat(10_000) + "]".repeat(10_000)
 * JsonInput.parse(deep) // Left: "it nests more than 100 levels deep (…); at most 100 are allowed"
 * JsonInput.parse('{"token": sk-live-123}') // Left: "it is not valid JSON at line 1, column 11: Unexpected token 's'"
 * Either.isRight(JsonInput.parse('{"city": "Lisbon"}')) // true
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import * as JsonSyntax from "./internal/jsonSyntax.js"

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
 * Whether a value nests at most `maxDepth` arrays and objects deep (a scalar
 * is 0 deep). Walked with a stack of its own, not recursion, and stopped at
 * the bound, so any depth and any cycle is answered.
 *
 * @since 0.2.0 @category predicates
 */
export const nestsWithin = (value: unknown, maxDepth: number = DEFAULT_MAX_DEPTH): boolean => {
  const nodes: Array<unknown> = [value]
  const depths: Array<number> = [0]
  while (nodes.length > 0) {
    const node = nodes.pop()
    const depth = depths.pop()!
    if (typeof node !== "object" || node === null) continue
    if (depth >= maxDepth) return false
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        nodes.push(node[i])
        depths.push(depth + 1)
      }
    } else {
      for (const key in node) {
        nodes.push((node as Record<string, unknown>)[key])
        depths.push(depth + 1)
      }
    }
  }
  return true
}

/**
 * Where a value nests deeper than `maxDepth`: the keys leading to the first
 * place found, up to the first array and at most `shownSteps` of them —
 * enough to name the field. Undefined when the value is within the bound.
 *
 * @since 0.2.0 @category accessors
 */
export const pathTooDeep = (
  value: unknown,
  maxDepth: number = DEFAULT_MAX_DEPTH,
  shownSteps = 4
): ReadonlyArray<string> | undefined => {
  if (nestsWithin(value, maxDepth)) return undefined
  interface Step {
    readonly value: unknown
    readonly depth: number
    readonly path: ReadonlyArray<string>
    /** The path stops growing at an array or after `shownSteps` keys. */
    readonly named: boolean
  }
  const stack: Array<Step> = [{ value, depth: 0, path: [], named: true }]
  while (stack.length > 0) {
    const { depth, named, path, value: current } = stack.pop()!
    if (typeof current !== "object" || current === null) continue
    if (depth >= maxDepth) return path
    const growing = named && !Array.isArray(current) && path.length < shownSteps
    for (const [key, child] of Object.entries(current)) {
      stack.push({ value: child, depth: depth + 1, path: growing ? [...path, key] : path, named: growing })
    }
  }
  return undefined
}

/**
 * The words for a value nested deeper than `maxDepth`, for a message such as
 * `scenario.json: ${reason}`.
 *
 * @since 0.2.0 @category accessors
 */
export const tooDeep = (maxDepth: number = DEFAULT_MAX_DEPTH): string =>
  `it nests more than ${maxDepth} levels deep (arrays and objects inside each other); at most ${maxDepth} are allowed`

/**
 * Parses JSON text whose nesting stays within `maxDepth`. A Left says in
 * words why the text was refused, quoting none of it, for a message such as
 * `scenario.json: ${reason}`.
 *
 * @since 0.2.0 @category parsing
 */
export const parse = (text: string, options: Options = {}): Either.Either<unknown, string> => {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return Either.left(JsonSyntax.describe(text, error))
  }
  return nestsWithin(value, maxDepth) ? Either.right(value) : Either.left(tooDeep(maxDepth))
}
