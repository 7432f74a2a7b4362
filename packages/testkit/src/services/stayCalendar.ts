/**
 * How many units of each listing are taken each night, for the
 * accommodations mock's availability checks. A listing has `units` of its
 * kind (a hotel's rooms, a hostel's beds, 1 for a whole flat or villa); a
 * stay takes one unit for each night from its check-in date up to its
 * check-out date (ISO `YYYY-MM-DD`). A range is free when every night of it
 * has a unit left. Stays are at most 30 nights, so a check costs at most 30
 * lookups however often the listing was booked.
 */
import { addDays } from "../internal/fields.js"

export interface StayCalendar {
  /** Every night from `checkIn` up to `checkOut` has fewer than `units` stays. */
  readonly isFree: (listingId: string, units: number, checkIn: string, checkOut: string) => boolean
  /** Takes a unit for each night of a range that `isFree` accepted. */
  readonly book: (listingId: string, checkIn: string, checkOut: string) => void
  /** Gives back the units of a booked range (a cancellation). */
  readonly release: (listingId: string, checkIn: string, checkOut: string) => void
}

const nightsOf = (checkIn: string, checkOut: string): Array<string> => {
  const nights: Array<string> = []
  for (let night = checkIn; night < checkOut; night = addDays(night, 1)) nights.push(night)
  return nights
}

export const make = (): StayCalendar => {
  const taken = new Map<string, Map<string, number>>()
  const nightsTaken = (listingId: string) => {
    let nights = taken.get(listingId)
    if (nights === undefined) taken.set(listingId, nights = new Map())
    return nights
  }
  return {
    isFree: (listingId, units, checkIn, checkOut) => {
      const nights = taken.get(listingId)
      return nights === undefined || nightsOf(checkIn, checkOut).every((night) => (nights.get(night) ?? 0) < units)
    },
    book: (listingId, checkIn, checkOut) => {
      const nights = nightsTaken(listingId)
      for (const night of nightsOf(checkIn, checkOut)) nights.set(night, (nights.get(night) ?? 0) + 1)
    },
    release: (listingId, checkIn, checkOut) => {
      const nights = nightsTaken(listingId)
      for (const night of nightsOf(checkIn, checkOut)) {
        const left = (nights.get(night) ?? 0) - 1
        if (left > 0) nights.set(night, left)
        else nights.delete(night)
      }
    }
  }
}
