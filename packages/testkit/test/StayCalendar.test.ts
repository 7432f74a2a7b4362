import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import * as StayCalendar from "../src/services/stayCalendar.js"

const date = (day: number) => new Date(Date.UTC(2026, 6, 1 + day)).toISOString().slice(0, 10)
const days = (iso: string) => Math.round((Date.parse(`${iso}T00:00:00Z`) - Date.UTC(2026, 6, 1)) / 86_400_000)

// Few listings, few units and a short month, so ranges meet, touch, overlap
// and fill a listing often.
const units: Record<string, number> = { lst_a: 1, lst_b: 2, lst_c: 3 }
const range = fc.record({
  listing: fc.constantFrom("lst_a", "lst_b", "lst_c"),
  from: fc.integer({ min: 0, max: 20 }),
  nights: fc.integer({ min: 1, max: 6 })
}).map(({ from, listing, nights }) => ({ listing, checkIn: date(from), checkOut: date(from + nights) }))

const step = fc.oneof(
  range.map((r) => ({ kind: "check" as const, ...r })),
  range.map((r) => ({ kind: "book" as const, ...r })),
  fc.nat().map((pick) => ({ kind: "release" as const, pick }))
)

interface Stay {
  readonly listing: string
  readonly checkIn: string
  readonly checkOut: string
}

describe("StayCalendar", () => {
  it("answers as a count of every booked stay on each night would, through bookings and releases (property)", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const calendar = StayCalendar.make()
        const booked: Array<Stay> = []
        // Free when no night of the range has as many stays as the listing has units.
        const scanFree = ({ checkIn, checkOut, listing }: Stay) => {
          for (let night = checkIn; night < checkOut; night = date(days(night) + 1)) {
            const taken = booked.filter((s) => s.listing === listing && s.checkIn <= night && night < s.checkOut).length
            if (taken >= units[listing]!) return false
          }
          return true
        }
        for (const s of steps) {
          switch (s.kind) {
            case "check":
              expect(calendar.isFree(s.listing, units[s.listing]!, s.checkIn, s.checkOut)).toBe(scanFree(s))
              break
            case "book":
              // As the service does: a range is booked only when it is free.
              expect(calendar.isFree(s.listing, units[s.listing]!, s.checkIn, s.checkOut)).toBe(scanFree(s))
              if (scanFree(s)) {
                calendar.book(s.listing, s.checkIn, s.checkOut)
                booked.push(s)
              }
              break
            case "release": {
              if (booked.length === 0) break
              const [gone] = booked.splice(s.pick % booked.length, 1)
              calendar.release(gone!.listing, gone!.checkIn, gone!.checkOut)
              break
            }
          }
        }
        // Every night of every listing, at the end.
        for (const listing of ["lst_a", "lst_b", "lst_c"]) {
          for (let day = 0; day < 27; day++) {
            const night = { listing, checkIn: date(day), checkOut: date(day + 1) }
            expect(calendar.isFree(listing, units[listing]!, night.checkIn, night.checkOut)).toBe(scanFree(night))
          }
        }
      }),
      { numRuns: 500 }
    )
  })
})
