interface Entry<A> {
  readonly value: A
  readonly storedAt: number
  readonly expiresAt: number
  /** Until when the entry may still be served stale, when the service fails. */
  readonly staleUntil: number
  readonly tags: ReadonlyArray<string>
}

/** A stale hit: the value and how old it is. */
export interface Stale<A> {
  readonly value: A
  readonly ageMs: number
}

/**
 * Results of read-only calls across services, by call key (service, tool,
 * canonical arguments), until they expire (fresh) and then until their
 * stale window ends (served only when the service fails). Times come from
 * the caller (Effect's `Clock`), so tests drive expiry with `TestClock`.
 * Bounded: past `maxEntries` the oldest entry goes.
 *
 * Entries carry tags; `invalidate(tag)` drops every entry with it, stale
 * window included (a result known to be wrong is never served). A result
 * fetched while one of its tags was invalidated is not stored: it may
 * predate the change (`begin` marks when a fetch started).
 */
export class ToolCache<A> {
  private readonly entries = new Map<string, Entry<A>>()
  private readonly byTag = new Map<string, Set<string>>()
  /** The sequence number of each tag's last invalidation. */
  private readonly invalidated = new Map<string, number>()
  private sequence = 0

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): A | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry.value
    if (entry.staleUntil <= now) this.drop(key)
    return undefined
  }

  /** An entry past its expiry but within its stale window. */
  stale(key: string, now: number): Stale<A> | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.staleUntil <= now) {
      this.drop(key)
      return undefined
    }
    return { value: entry.value, ageMs: now - entry.storedAt }
  }

  /** Marks the start of a fetch, for `set`. */
  begin(): number {
    return this.sequence
  }

  /** Stores a result, unless one of its tags was invalidated since its fetch `began`. */
  set(key: string, value: A, now: number, ttlMs: number, staleMs: number, tags: ReadonlyArray<string>, began: number): boolean {
    for (const tag of tags) {
      if ((this.invalidated.get(tag) ?? -1) >= began) return false
    }
    // Re-inserting moves the key to the end, so the first key is the oldest.
    this.drop(key)
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs, staleUntil: now + ttlMs + staleMs, tags })
    for (const tag of tags) {
      let keys = this.byTag.get(tag)
      if (keys === undefined) this.byTag.set(tag, keys = new Set())
      keys.add(key)
    }
    if (this.entries.size > this.maxEntries) this.drop(this.entries.keys().next().value!)
    return true
  }

  /** Drops every entry tagged `tag`; answers their keys. */
  invalidate(tag: string): ReadonlyArray<string> {
    // Only the latest invalidations matter to fetches in flight; the oldest go first.
    this.invalidated.delete(tag)
    this.invalidated.set(tag, this.sequence++)
    if (this.invalidated.size > this.maxEntries * 4) this.invalidated.delete(this.invalidated.keys().next().value!)
    const keys = this.byTag.get(tag)
    if (keys === undefined) return []
    const dropped = [...keys]
    for (const key of dropped) this.drop(key)
    return dropped
  }

  private drop(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag)
      if (keys === undefined) continue
      keys.delete(key)
      if (keys.size === 0) this.byTag.delete(tag)
    }
  }
}
