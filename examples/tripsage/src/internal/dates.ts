/** Calendar dates as ISO `YYYY-MM-DD` strings, computed in UTC so no time zone shifts them. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const DAY_MS = 86_400_000

const toUtc = (iso: string): number => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)))

/** Whether `iso` names a real calendar day (2026-02-30 does not). */
export const isValid = (iso: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(iso) && new Date(toUtc(iso)).toISOString().slice(0, 10) === iso

export const addDays = (iso: string, days: number): string => new Date(toUtc(iso) + days * DAY_MS).toISOString().slice(0, 10)

export const nightsBetween = (from: string, to: string): number => Math.round((toUtc(to) - toUtc(from)) / DAY_MS)

/** 1 for January … 12 for December. */
export const monthOf = (iso: string): number => Number(iso.slice(5, 7))

/** "10 Dec 2026". */
export const display = (iso: string): string => `${Number(iso.slice(8, 10))} ${MONTHS[monthOf(iso) - 1]} ${iso.slice(0, 4)}`
