/**
 * The confirmed stays of each listing, for the accommodations mock's
 * availability checks. A stay holds the nights from its check-in date up to
 * its check-out date (ISO `YYYY-MM-DD`, which sort as text); a listing's
 * stays never overlap, since only a free range is booked, so kept in
 * check-in order their check-out dates are in order too, and a range is free
 * when the last stay that starts before it ends has ended by its start. One
 * binary search per check: a listing booked thousands of times answers as
 * fast as one booked once.
 */

interface Stay {
  readonly checkIn: string
  readonly checkOut: string
}

export interface StayCalendar {
  /** No confirmed stay of the listing shares a night with `checkIn`…`checkOut`. */
  readonly isFree: (listingId: string, checkIn: string, checkOut: string) => boolean
  /** Books a range that `isFree` accepted. */
  readonly book: (listingId: string, checkIn: string, checkOut: string) => void
  /** Frees a booked range (a cancellation). */
  readonly release: (listingId: string, checkIn: string) => void
}

/** The index of the first stay that starts on or after `date`. */
const firstFrom = (stays: ReadonlyArray<Stay>, date: string) => {
  let low = 0
  let high = stays.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (stays[middle]!.checkIn < date) low = middle + 1
    else high = middle
  }
  return low
}

export const make = (): StayCalendar => {
  const byListing = new Map<string, Array<Stay>>()
  return {
    isFree: (listingId, checkIn, checkOut) => {
      const stays = byListing.get(listingId)
      if (stays === undefined) return true
      const before = stays[firstFrom(stays, checkOut) - 1]
      return before === undefined || before.checkOut <= checkIn
    },
    book: (listingId, checkIn, checkOut) => {
      const stays = byListing.get(listingId)
      if (stays === undefined) byListing.set(listingId, [{ checkIn, checkOut }])
      else stays.splice(firstFrom(stays, checkIn), 0, { checkIn, checkOut })
    },
    release: (listingId, checkIn) => {
      const stays = byListing.get(listingId)
      if (stays === undefined) return
      const at = firstFrom(stays, checkIn)
      if (stays[at]?.checkIn === checkIn) stays.splice(at, 1)
    }
  }
}
