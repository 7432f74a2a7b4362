import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import * as Ids from "../src/Ids.js"
import * as Message from "../src/Message.js"
import * as Sensitive from "../src/Sensitive.js"
import { luhnValid } from "./luhn.js"

// Unicode decimal digits come in runs of ten, 0 to 9: each script is its zero.
const SCRIPTS = {
  ascii: 0x30,
  fullWidth: 0xff10,
  arabicIndic: 0x660,
  persian: 0x6f0,
  devanagari: 0x966,
  bengali: 0x9e6,
  thai: 0xe50,
  myanmar: 0x1040,
  osmanya: 0x104a0,
  mathBold: 0x1d7ce,
  mathMonospace: 0x1d7f6,
  adlam: 0x1e950
} as const
const ZEROS: ReadonlyArray<number> = Object.values(SCRIPTS)
const digitIn = (zero: number, value: number) => String.fromCodePoint(zero + value)
const written = (zero: number, digits: string) => [...digits].map((d) => digitIn(zero, Number(d))).join("")

// What may stand between the digit groups of a card number written by hand.
const SEPARATORS = [" ", ".", "-", "/", "_", "\u00a0", "\u202f", "\u2007", "\u3000", "\u2013", "\u2014", "·", "•", "\t", "\u200b", "\u0301"]
// Free text around a number: words (no "cvv"/"cvc"/"csc" can be spelt without "c"), punctuation, a few digits.
const TEXT_CHARS = [..."abdefghijklmnopqrtuwxyz ABDEFXYZ éжא中.,;:!?()-'\"", ..."0123456789", "٣", "７"]

const withCheckDigit = (body: ReadonlyArray<number>, valid: boolean): Array<number> => {
  const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((d) => luhnValid([...body, d]))!
  return [...body, valid ? check : (check + 1) % 10]
}

/** 13 to 19 digits whose Luhn check passes (`valid`) or fails. */
const cardDigits = (valid: boolean) =>
  fc.integer({ min: 13, max: 19 }).chain((length) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 })
      .map((body) => withCheckDigit(body, valid))
  )

interface Rendered {
  /** The number as written, one entry per code point. */
  readonly chars: ReadonlyArray<string>
  /** Which of those code points are the number's digits, in order. */
  readonly digitAt: ReadonlyArray<number>
}

/**
 * The digits written in one script or a mix of scripts, cut into groups of
 * any size, with one to four separator characters between groups.
 */
const rendered = (digits: ReadonlyArray<number>): fc.Arbitrary<Rendered> =>
  fc.record({
    zeros: fc.oneof(
      fc.constantFrom(...ZEROS).map((zero) => digits.map(() => zero)),
      fc.array(fc.constantFrom(...ZEROS), { minLength: digits.length, maxLength: digits.length })
    ),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: digits.length - 1 }), { maxLength: digits.length - 1 }),
    gaps: fc.array(fc.string({ unit: fc.constantFrom(...SEPARATORS), minLength: 1, maxLength: 4 }), {
      minLength: digits.length,
      maxLength: digits.length
    })
  }).map(({ cuts, gaps, zeros }) => {
    const chars: Array<string> = []
    const digitAt: Array<number> = []
    digits.forEach((digit, i) => {
      if (cuts.includes(i)) chars.push(...gaps[i]!)
      digitAt.push(chars.length)
      chars.push(digitIn(zeros[i]!, digit))
    })
    return { chars, digitAt }
  })

const freeText = fc.string({ unit: fc.constantFrom(...TEXT_CHARS), maxLength: 24 })

/**
 * An independent reading of "a card number in text": runs of digits with at
 * most four group separators between groups, and any consecutive groups of
 * 13 to 19 digits in a run that pass Luhn.
 */
const RUN = /\p{Nd}+(?:[\p{Zs}\t\p{Pd}\p{Pc}\p{M}\p{Cf}./\\\u00b7\u2022\u2219\u22c5]{1,4}\p{Nd}+)*/gu
const GROUP = /\p{Nd}+/gu
const valueOf = (char: string): number => {
  const code = char.codePointAt(0)!
  const zero = ZEROS.find((z) => code >= z && code <= z + 9)
  if (zero === undefined) throw new Error(`the generators wrote an unexpected digit ${char}`)
  return code - zero
}
const holdsCard = (text: string): boolean =>
  [...text.matchAll(RUN)].some(([run]) => {
    const groups = [...run.matchAll(GROUP)].map(([group]) => [...group].map(valueOf))
    return groups.some((_, start) => {
      const digits: Array<number> = []
      for (let end = start; end < groups.length && digits.length <= 19; end++) {
        digits.push(...groups[end]!)
        if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true
      }
      return false
    })
  })

describe("Sensitive: card numbers in text", () => {
  it("masks a card number whatever separates its digit groups, keeping the separators and the last four digits", () => {
    expect(Sensitive.maskText("pay 4111.1111.1111.1111 now")).toBe("pay ****.****.****.1111 now")
    expect(Sensitive.maskText("4111/1111/1111/1111")).toBe("****/****/****/1111")
    expect(Sensitive.maskText("4111_1111_1111_1111")).toBe("****_****_****_1111")
    expect(Sensitive.maskText("4111\u00a01111\u00a01111\u00a01111")).toBe("****\u00a0****\u00a0****\u00a01111")
    expect(Sensitive.maskText("4111\u202f1111\u30001111\u20071111")).toBe("****\u202f****\u3000****\u20071111")
    expect(Sensitive.maskText("4111   1111   1111   1111")).toBe("****   ****   ****   1111")
    expect(Sensitive.maskText("4111 - 1111.1111/1111")).toBe("**** - ****.****/1111")
    expect(Sensitive.maskText("card: 5500-0000 0000_0004.")).toBe("card: ****-**** ****_0004.")
    expect(Sensitive.maskText("401 288 888 888 1881")).toBe("*** *** *** *** 1881")
  })

  it("masks a card number written in full-width or other Unicode decimal digits", () => {
    expect(Sensitive.maskText("４１１１ １１１１ １１１１ １１１１")).toBe("**** **** **** １１１１")
    expect(Sensitive.maskText("٤١١١-١١١١-١١١١-١١١١")).toBe("****-****-****-١١١١")
    expect(Sensitive.maskText(written(SCRIPTS.devanagari, "4012888888881881"))).toBe(
      `************${written(SCRIPTS.devanagari, "1881")}`
    )
    // Digits outside the Basic Multilingual Plane: each becomes one "*".
    expect(Sensitive.maskText(`no ${written(SCRIPTS.mathBold, "378282246310005")}`)).toBe(
      `no ***********${written(SCRIPTS.mathBold, "0005")}`
    )
    // One number, several scripts.
    expect(Sensitive.maskText("4111 １１１１ ١١١١ 1111")).toBe("**** **** **** 1111")
  })

  it("finds the card number among the digits around it (an expiry date, a code, a count)", () => {
    expect(Sensitive.maskText("4111.1111.1111.1111 12/26")).toBe("****.****.****.1111 12/26")
    expect(Sensitive.maskText("2 cards: 4111.1111.1111.1111")).toBe("2 cards: ****.****.****.1111")
  })

  it("masks verification codes written in Unicode digits", () => {
    expect(Sensitive.maskText("cvc: ١٢٣")).toBe("cvc: ***")
    expect(Sensitive.maskText("CVV ４５６ and the security code is ۱۲۳۴")).toBe("CVV *** and the security code is ***")
    expect(Sensitive.maskText("cvv2 ١٢٣٤٥ is not a code")).toBe("cvv2 ١٢٣٤٥ is not a code")
  })

  it("leaves a digit run that fails the Luhn check alone: it is not a card number", () => {
    for (const text of ["4111 1111 1111 1112", "4111.1111.1111.1112", "order 1234567890123", "٤١١١ ١١١١ ١١١١ ١١١٢"]) {
      expect(Sensitive.maskText(text)).toBe(text)
    }
  })

  it("leaves lists of numbers alone: commas, colons, line breaks and currency signs end a run of digit groups", () => {
    // Each of these holds 15 digits whose Luhn check passes, one number per item.
    for (
      const text of [
        "ports 34073, 38149, 40735",
        "ports 34073; 38149; 40735",
        "34073\n38149\n40735",
        "from €120, €340, €560, €790, €995",
        "times 3407:3381:4940:735"
      ]
    ) {
      expect(Sensitive.maskText(text)).toBe(text)
    }
  })

  it("leaves identifiers, versions and timestamps alone", () => {
    for (
      const text of [
        "session 01HZX3K4B7Q9R2T5V8W1Y4Z6A0",
        "effect 3.22.4, node 20.20.2",
        "2026-12-10T14:30:00Z",
        "at 1700000000000",
        "12345678901234567890",
        "a uuid 1b4e28ba-2fa1-11d2-883f-0016d3cca427"
      ]
    ) {
      expect(Sensitive.maskText(text)).toBe(text)
    }
  })

  it("masks every Luhn-valid number of 13 to 19 digits, in any script, grouping and separators, in any text (property)", () => {
    fc.assert(
      fc.property(
        cardDigits(true).chain((digits) => fc.tuple(fc.constant(digits), rendered(digits), freeText, freeText)),
        ([digits, card, before, after]) => {
          const prefix = [...before, " "]
          const text = [...prefix, ...card.chars, " ", ...after].join("")
          const out = [...Sensitive.maskText(text)]
          // Every digit stays one character, so the card is where it was.
          expect(out).toHaveLength([...text].length)
          const shown = card.digitAt.map((at) => out[prefix.length + at]!)
          expect(shown.slice(0, digits.length - 4).every((char) => char === "*")).toBe(true)
          shown.slice(-4).forEach((char, i) => {
            expect(char === "*" || char === card.chars[card.digitAt[digits.length - 4 + i]!]).toBe(true)
          })
          // The separators are kept.
          card.chars.forEach((char, at) => {
            if (!card.digitAt.includes(at)) expect(out[prefix.length + at]).toBe(char)
          })
        }
      ),
      { numRuns: 500 }
    )
  })

  it("returns text holding no Luhn-valid run of 13 to 19 digits as it is, the same string (property)", () => {
    const piece = fc.oneof(
      freeText,
      cardDigits(false).chain(rendered).map((card) => card.chars.join("")),
      fc.constantFrom("v3.22.4", "2026-12-10 14:30", "1700000000000", "#42", "ref 9876543210")
    )
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 5 }).chain((pieces) =>
          fc.array(fc.constantFrom(" ", ", ", " - ", ".", "x"), { minLength: pieces.length, maxLength: pieces.length })
            .map((joins) => pieces.map((p, i) => p + joins[i]).join(""))
        ).filter((text) => !holdsCard(text)),
        (text) => {
          // A copy, so that "the same string" means the same reference, not equal contents.
          const input = [...text].join("")
          expect(Sensitive.maskText(input)).toBe(input)
          const value = { text: input, list: [input] }
          expect(Sensitive.redact(value)).toBe(value)
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe("Sensitive: values, messages and events", () => {
  it("masks card numbers in any format inside values, messages and events, never in ids", () => {
    const card = "４１１１.１１１１.１１１１.１１１１"
    expect(Sensitive.redact({ note: [card], cvc: "١٢٣" })).toEqual({ note: ["****.****.****.１１１１"], cvc: Sensitive.MASK })
    const message: Message.Message = { id: Message.idAt(Ids.sessionId("s"), 0), role: "user", content: `pay ${card}`, time: 0 }
    expect(Sensitive.redactMessage(message).content).toBe("pay ****.****.****.１１１１")
    const event = Sensitive.redactEvent({
      _tag: "TurnStarted",
      sessionId: Ids.sessionId("4111.1111.1111.1111"),
      userId: Ids.userId("u"),
      text: card,
      at: 0
    })
    expect(event).toMatchObject({ sessionId: "4111.1111.1111.1111", text: "****.****.****.１１１１" })
  })
})
