/**
 * Card numbers and verification codes in generated formats, for property
 * tests that search what Baton wrote or printed for them: 13–19 digits whose
 * Luhn check passes, in any grouping, with group separators, in ASCII or other
 * Unicode digits, and every form in which they could sit in bytes.
 */
import fc from "fast-check"
import { luhnValid } from "../../../core/test/luhn.js"

// Each script's zero: Unicode decimal digits come in runs of ten.
const ZEROS = [0x30, 0xff10, 0x660, 0x6f0, 0x966, 0xe50, 0x1d7ce, 0x1e950]
const SEPARATORS = [" ", ".", "-", "/", "_", "\u00a0", "\u202f", "\u3000", "\u2013", "·", "\t"]
const TEXT_CHARS = [..."abdefghijkmnopqrtuwxyz ABDEF éжא中.,;:!?()-", ..."0123456789", "٣"]

export interface Written {
  /** The number's digits. */
  readonly digits: ReadonlyArray<number>
  /** The number as written: digit characters and separators. */
  readonly chars: ReadonlyArray<string>
  /** Whether each of those characters is a digit. */
  readonly isDigit: ReadonlyArray<boolean>
}

export const card: fc.Arbitrary<Written> = fc.integer({ min: 13, max: 19 }).chain((length) =>
  fc.record({
    body: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 }),
    zeros: fc.oneof(
      fc.constantFrom(...ZEROS).map((zero) => Array.from({ length }, () => zero)),
      fc.array(fc.constantFrom(...ZEROS), { minLength: length, maxLength: length })
    ),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: length - 1 }),
    gaps: fc.array(fc.string({ unit: fc.constantFrom(...SEPARATORS), minLength: 1, maxLength: 4 }), {
      minLength: length,
      maxLength: length
    })
  }).map(({ body, cuts, gaps, zeros }) => {
    const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((d) => luhnValid([...body, d]))!
    const digits = [...body, check]
    const chars: Array<string> = []
    const isDigit: Array<boolean> = []
    digits.forEach((digit, i) => {
      if (cuts.includes(i)) {
        for (const char of gaps[i]!) {
          chars.push(char)
          isDigit.push(false)
        }
      }
      chars.push(String.fromCodePoint(zeros[i]! + digit))
      isDigit.push(true)
    })
    return { digits, chars, isDigit }
  })
)

export const code = fc.record({
  digits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 4 }),
  zero: fc.constantFrom(...ZEROS)
}).map(({ digits, zero }) => ({ digits, written: digits.map((d) => String.fromCodePoint(zero + d)).join("") }))

export const freeText = fc.string({ unit: fc.constantFrom(...TEXT_CHARS), maxLength: 20 })

/**
 * Every way the number and the code may sit in bytes: the number's digits in
 * ASCII with and without its separators, as written, and its written digits
 * alone; the code after its label, as written and in ASCII. Each also as JSON
 * writes it, and with every character beyond ASCII as a `\u` escape (records
 * are stored that way).
 */
export const forms = (written: Written, cvv: { readonly digits: ReadonlyArray<number>; readonly written: string }) => {
  let digit = 0
  const inAscii = written.chars.map((char, i) => (written.isDigit[i] ? String(written.digits[digit++]) : char))
  const plain = [
    written.digits.join(""),
    inAscii.join(""),
    written.chars.join(""),
    written.chars.filter((_, i) => written.isDigit[i]).join(""),
    `CVV ${cvv.written}`,
    `CVV ${cvv.digits.join("")}`
  ]
  const json = plain.map((text) => JSON.stringify(text).slice(1, -1))
  const escaped = (hex: (unit: number) => string) =>
    json.map((text) => text.replace(/[^\x00-\x7f]/g, (char) => `\\u${hex(char.charCodeAt(0)).padStart(4, "0")}`))
  return [
    ...new Set([...plain, ...json, ...escaped((unit) => unit.toString(16)), ...escaped((unit) => unit.toString(16).toUpperCase())])
  ]
}
