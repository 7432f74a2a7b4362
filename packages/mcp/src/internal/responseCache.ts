interface Entry<A> {
  readonly value: A
  readonly expiresAt: number
}

/**
 * Results of read-only calls by call key, until they expire. Times come from
 * the caller (Effect's `Clock`), so tests drive expiry with `TestClock`.
 * Bounded: past `maxEntries` the oldest entry goes.
 */
export class ResponseCache<A> {
  private readonly entries = new Map<string, Entry<A>>()

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): A | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry.value
    this.entries.delete(key)
    return undefined
  }

  set(key: string, value: A, expiresAt: number): void {
    // Re-inserting moves the key to the end, so the first key is the oldest.
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt })
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
