/**
 * A full garbage collection for memory figures, without asking the user to
 * start Node with `--expose-gc`: the flag is set at run time and `gc` is
 * taken from a fresh context, where V8 installs it once the flag is on.
 *
 * @since 0.1.0
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * The collector, or undefined when this runtime does not offer one.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (): (() => void) | undefined => {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === "function") return exposed
  try {
    setFlagsFromString("--expose-gc")
    const gc: unknown = runInNewContext("gc")
    return typeof gc === "function" ? () => void gc() : undefined
  } catch {
    return undefined
  }
}
