/**
 * The values `baton load` takes on the command line, read with a one-line
 * reason when they are wrong: whole numbers, durations (`30s`, `500ms`,
 * `2m`; a bare number is seconds) and the fault and SLO lists.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"

/**
 * A positive whole number, or the reason it is not one.
 *
 * @since 0.1.0 @category parsing
 */
export const positiveInt = (option: string, text: string): Either.Either<number, string> => {
  const value = Number(text)
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(value) && value > 0
    ? Either.right(value)
    : Either.left(`${option} must be a positive whole number, got "${text}"`)
}

/**
 * A whole number (seeds may be zero or negative).
 *
 * @since 0.1.0 @category parsing
 */
export const integer = (option: string, text: string): Either.Either<number, string> => {
  const value = Number(text)
  return /^-?\d+$/.test(text.trim()) && Number.isSafeInteger(value)
    ? Either.right(value)
    : Either.left(`${option} must be a whole number, got "${text}"`)
}

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 }

/**
 * A duration in milliseconds from `500ms`, `30s`, `2m` or a bare number of seconds.
 *
 * @since 0.1.0 @category parsing
 */
export const duration = (option: string, text: string): Either.Either<number, string> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  return match === null
    ? Either.left(`${option} must be a duration such as 500ms, 30s or 2m, got "${text}"`)
    : Either.right(Number(match[1]) * units[match[2] ?? "s"]!)
}
