/**
 * A small seeded pseudo-random generator (mulberry32). The mock services
 * derive their data from it and the fault injector rolls its dice with it,
 * so the same seed gives the same offers, the same latencies and the same
 * injected faults in every run and every process.
 *
 * @example
 * ```ts
 * import { Prng } from "@baton/testkit"
 *
 * const a = Prng.make(Prng.hash(7, "LHR", "JFK"))
 * const b = Prng.make(Prng.hash(7, "LHR", "JFK"))
 * a.int(1, 6) === b.int(1, 6) // true
 * ```
 *
 * @since 0.1.0
 */

/**
 * A generator's mutable cursor: every draw advances it.
 *
 * @since 0.1.0 @category models
 */
export interface Prng {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [min, max], both inclusive. */
  readonly int: (min: number, max: number) => number
  /** A float in [min, max). */
  readonly between: (min: number, max: number) => number
  /** True with probability `p`. */
  readonly chance: (p: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** A normally distributed float (Box–Muller). */
  readonly normal: (mean: number, stddev: number) => number
}

/**
 * A generator starting from `seed` (any number; it is folded to 32 bits).
 *
 * @since 0.1.0 @category constructors
 */
export const make = (seed: number): Prng => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError("Prng.pick needs at least one item")
      return items[Math.floor(next() * items.length)]!
    },
    normal: (mean, stddev) => {
      // 1 - next() keeps the logarithm's argument in (0, 1].
      const u = 1 - next()
      const v = next()
      return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    }
  }
}

/**
 * A 32-bit seed from any mix of numbers and strings (FNV-1a), so that a
 * generator can be keyed by what it generates: `hash(seed, "flights", query)`.
 *
 * @since 0.1.0 @category constructors
 */
export const hash = (...parts: ReadonlyArray<string | number>): number => {
  let h = 0x811c9dc5
  for (const part of parts) {
    const text = `${typeof part}:${part}|`
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
  }
  return h >>> 0
}

/**
 * A generator keyed by `parts` under `seed`.
 *
 * @since 0.1.0 @category constructors
 */
export const derive = (seed: number, ...parts: ReadonlyArray<string | number>): Prng => make(hash(seed, ...parts))
