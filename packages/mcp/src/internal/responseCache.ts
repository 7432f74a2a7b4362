interface Entry<A> {
  readonly value: A
  readonly storedAt: number
  readonly expiresAt: number
  /** Until when the entry may still be served stale, when the service fails. */
  readonly staleUntil: number
}

/** A stale hit: the value and how old it is. */
export interface Stale<A> {
  readonly value: A
  readonly ageMs: number
}

/**
 * Results of read-only calls by call key, until they expire (fresh) and then
 * until their stale window ends (served only when the service fails). Times
 * come from the caller (Effect's `Clock`), so tests drive expiry with
 * `TestClock`. Bounded: past `maxEntries` the oldest entry goes.
 */
export class ResponseCache<A> {
  private readonly entries = new Map<string, Entry<A>>()

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): A | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry.value
    if (entry.staleUntil <= now) this.entries.delete(key)
    return undefined
  }

  /** An entry past its expiry but within its stale window. */
  stale(key: string, now: number): Stale<A> | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.staleUntil <= now) {
      this.entries.delete(key)
      return undefined
    }
    return { value: entry.value, ageMs: now - entry.storedAt }
  }

  set(key: string, value: A, now: number, ttlMs: number, staleMs = 0): void {
    // Re-inserting moves the key to the end, so the first key is the oldest.
    this.entries.delete(key)
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs, staleUntil: now + ttlMs + staleMs })
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
