import { JsonInput } from "@baton/core"

/**
 * Where a value from outside (a decoded config, a tool call's arguments)
 * nests deeper than `JsonInput` lets JSON text nest, found without
 * recursion: everything that walks the value afterwards (Schema decoding,
 * `JSON.stringify`, argument checks) recurses, and a value from code may
 * even be cyclic. `undefined` when it is within the bound; otherwise the
 * keys leading to it, up to the first array and at most `shownSteps` of
 * them: enough to find the field.
 */
export const tooDeep = (
  value: unknown,
  maxDepth = JsonInput.DEFAULT_MAX_DEPTH,
  shownSteps = 4
): ReadonlyArray<string> | undefined => {
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

/** What is wrong, for an issue that names where. */
export const tooDeepReason = (maxDepth = JsonInput.DEFAULT_MAX_DEPTH): string =>
  `nests more than ${maxDepth} levels deep (arrays and objects inside each other)`
