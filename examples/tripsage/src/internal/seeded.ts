/**
 * Deterministic pseudo-randomness for the interim services: the same query
 * always yields the same prices, times and codes, so the demo and its tests
 * can assert on what the services answer.
 */

// FNV-1a, 32-bit.
const hash32 = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A mulberry32 generator seeded from `key`, yielding numbers in [0, 1). */
export const seeded = (key: string): () => number => {
  let state = hash32(key)
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

/** A short upper-case code derived from `key`, for reservation and payment ids. */
export const codeOf = (key: string, length: number): string => {
  const next = seeded(key)
  let out = ""
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)]
  return out
}
