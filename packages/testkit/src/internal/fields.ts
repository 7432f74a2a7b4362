/** Input fields the mock services share, validated as a real API would. */
import * as z from "zod"

const isCalendarDate = (text: string) => {
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text)
}

export const isoDate = z.string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD")
  .refine(isCalendarDate, "not a calendar date")

export const idempotencyKey = z.string().min(8).max(255)
  .describe("A unique key per logical request; retrying with the same key never repeats the side effect")

/** Whole days from `from` to `to` (dates as YYYY-MM-DD). */
export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)

/** `date` plus `days`, as YYYY-MM-DD. */
export const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

/** A reference like "K7QF2M" from a generator: letters and digits without look-alikes. */
export const reference = (next: () => number, length = 6) => {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("")
}

/** An instant as ISO 8601 UTC without milliseconds, as APIs usually print it. */
export const timestamp = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z")
