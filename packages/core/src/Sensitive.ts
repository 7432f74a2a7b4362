/**
 * Payment card data must never reach a store, a log or a terminal. Every
 * `SessionStore` passes what it persists through these functions, and the
 * CLI what it prints: card numbers keep only their last four digits, and card
 * verification codes (`cvv`, `cvc` fields, or "CVV 123" in text) are replaced
 * outright.
 *
 * A card number is found the way people write one: decimal digits in any
 * script (ASCII, full-width `４１１１`, Arabic-Indic `٤١١١`… every Unicode
 * `Nd` digit, read for its value), in groups of any size, with up to four
 * group separators between groups: spaces of any kind but line breaks,
 * dashes, dots, slashes, underscores, middle dots and bullets, and invisible
 * marks and format characters (a zero-width space cannot hide a number).
 * Anything else ends a run of groups: a letter, and the punctuation that
 * separates the items of a list or a field from its value — commas,
 * semicolons, colons, line breaks, brackets, currency signs — since a list
 * of ports or prices is not a card number, whatever its digits. Consecutive
 * groups holding 13 to 19 digits (the lengths of ISO/IEC 7812 card numbers)
 * whose Luhn check passes are a card number. Luhn, because every card number
 * carries that check digit and nine in ten other digit strings fail it: order
 * numbers, phone numbers and references of the right length stay readable.
 * More than 19 digits without a separator are one number, never part of a
 * card. Each of a card number's digits but
 * the last four becomes `*` and its separators stay, so text keeps its shape.
 * Masking errs on the safe side: figures whose digits happen to pass Luhn (a
 * date and time written with separators, one time in ten) are masked too.
 * A verification code after its label ("CVV 123", "cvc: ١٢٣") may be written
 * in any script's digits as well.
 *
 * Identifiers, versions and timestamps are left alone: the redaction of a
 * state or an event never touches its ids, versions and times (a session id
 * made of digits is still the same session).
 *
 * Clean text is cheap: text with fewer than 13 digits costs one scan and
 * nothing more (fewer than 3 digits: not even the search for a verification
 * code).
 *
 * @example
 * import { Sensitive } from "@baton/core"
 *
 * Sensitive.maskText("Pay with 4111.1111.1111.1111, CVV 123")
 * // "Pay with ****.****.****.1111, CVV ***"
 * Sensitive.maskText("４１１１ １１１１ １１１１ １１１１")
 * // "**** **** **** １１１１"
 *
 * @since 0.1.0
 */
import type { BatonEvent } from "./BatonEvent.js"
import type { Message } from "./Message.js"
import type { SessionState } from "./SessionState.js"

/** @since 0.1.0 @category constants */
export const MASK = "***"

// ISO/IEC 7812 card numbers have 13 to 19 digits.
const MIN_CARD_DIGITS = 13
const MAX_CARD_DIGITS = 19
// "4111 - 1111" has three characters between groups, "4111 -- 1111" four.
const MAX_GAP = 4
const VISIBLE_DIGITS = 4

// The labels are looked for first, without Unicode classes: a search with
// them is some forty times slower on a reply of a few hundred characters,
// and most text has no label at all.
const CVV_LABEL = /cvv|cvc|csc|security code/i
const CVV_IN_TEXT = /\b(cvv2?|cvc2?|csc|security code)([^\p{L}\p{N}]{0,3}(?:is\s+)?)\p{Nd}{3,4}(?![\p{L}\p{N}])/giu
const MIN_CVV_DIGITS = 3
const CVV_KEY = /^(?:cvv2?|cvc2?|csc|card_?(?:cvv|cvc)|card_?verification(?:_?(?:code|value))?|security_?code)$/i
const CARD_KEY = /^(?:card_?(?:number|no|num)?|pan|primary_?account_?number)$/i

// What a character is to the search for card numbers: a decimal digit (its
// value, 0 to 9), a group separator (it may stand between two groups of one
// number), or anything else (it ends a run of digit groups).
const BREAK = 10
const SEPARATOR = 11
const UNKNOWN = 0xff
const IS_DIGIT = /^\p{Nd}$/u
const IS_SEPARATOR = /^[\p{Zs}\t\p{Pd}\p{Pc}\p{M}\p{Cf}./\\\u00b7\u2022\u2219\u22c5]$/u
// U+0660 ARABIC-INDIC DIGIT ZERO: no decimal digit lies between ASCII's and it.
const FIRST_NON_ASCII_DIGIT = 0x660

// Unicode encodes decimal digits in runs of ten, zero to nine, so a digit's
// value is its distance from the start of its block of digits, modulo ten.
const learnKind = (code: number): number => {
  const char = String.fromCodePoint(code)
  if (!IS_DIGIT.test(char)) return IS_SEPARATOR.test(char) ? SEPARATOR : BREAK
  let zero = code
  while (IS_DIGIT.test(String.fromCodePoint(zero - 1))) zero--
  return (code - zero) % 10
}

// The kinds of characters met so far, learnt once each (a Unicode property
// test costs far more than a table lookup): a table for the Basic
// Multilingual Plane, a bounded map for the rest.
const bmpKinds = new Uint8Array(0x10000).fill(UNKNOWN)
const astralKinds = new Map<number, number>()
const ASTRAL_KINDS_KEPT = 4096

const kindOf = (code: number): number => {
  if (code <= 0xffff) {
    let kind = bmpKinds[code]!
    if (kind === UNKNOWN) bmpKinds[code] = kind = learnKind(code)
    return kind
  }
  let kind = astralKinds.get(code)
  if (kind === undefined) {
    kind = learnKind(code)
    if (astralKinds.size < ASTRAL_KINDS_KEPT) astralKinds.set(code, kind)
  }
  return kind
}

// An ASCII digit, or a character from U+0660 on, where the other scripts'
// digits are. Text up to the first such character is searched by the
// regular expression engine's fast loop (without Unicode classes, which
// would slow it down); from there on it is read character by character.
const DIGIT_CANDIDATE = /[0-9\u0660-\uffff]/g

/** How many decimal digits `text` holds, counting no further than `enough`. */
const countDigits = (text: string, enough: number): number => {
  let count = 0
  DIGIT_CANDIDATE.lastIndex = 0
  while (count < enough && DIGIT_CANDIDATE.test(text)) {
    const index = DIGIT_CANDIDATE.lastIndex - 1
    if (text.charCodeAt(index) > 57) return countDigitsFrom(text, index, count, enough)
    count++
  }
  return count
}

const countDigitsFrom = (text: string, from: number, counted: number, enough: number): number => {
  let count = counted
  for (let i = from; i < text.length && count < enough; i++) {
    const unit = text.charCodeAt(i)
    if (unit < FIRST_NON_ASCII_DIGIT) {
      if (unit >= 48 && unit <= 57) count++
      continue
    }
    const code = text.codePointAt(i)!
    if (kindOf(code) < BREAK) count++
    if (code > 0xffff) i++
  }
  return count
}

// A digit's contribution to a Luhn sum at a doubled place: 2d, less 9 above 9.
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]

/**
 * A run of digit groups being read: where each digit is, where each group
 * starts, and running Luhn sums, so that the check of any span of the run is
 * one subtraction (a long run costs time in proportion to its length). The
 * arrays are reused from run to run: `digits` and `groupCount` say how much
 * of them is the current run.
 */
class Run {
  /** Where each digit is in the text. */
  private readonly at: Array<number> = []
  /** The index (into `at`) of each group's first digit. */
  private readonly groups: Array<number> = []
  // The sums of the digits before each index: with even indexes plain and odd
  // ones doubled, and the other way round.
  private readonly evenPlain: Array<number> = [0]
  private readonly evenDoubled: Array<number> = [0]
  private digits = 0
  private groupCount = 0

  add(index: number, value: number, startsGroup: boolean): void {
    const n = this.digits++
    if (startsGroup) this.groups[this.groupCount++] = n
    this.at[n] = index
    const even = n % 2 === 0
    this.evenPlain[n + 1] = this.evenPlain[n]! + (even ? value : LUHN_DOUBLED[value]!)
    this.evenDoubled[n + 1] = this.evenDoubled[n]! + (even ? LUHN_DOUBLED[value]! : value)
  }

  /**
   * Adds to `hidden` where the digits to mask are (all but the last four of
   * every card number in the run), in order, and empties the run.
   */
  close(hidden: Array<number>): void {
    const { at, digits, groupCount, groups } = this
    let hiddenUpTo = 0
    for (let g = 0; g < groupCount && digits >= MIN_CARD_DIGITS; g++) {
      const from = groups[g]!
      for (let h = g + 1; h <= groupCount; h++) {
        const to = h < groupCount ? groups[h]! : digits
        if (to - from > MAX_CARD_DIGITS) break
        if (to - from >= MIN_CARD_DIGITS && this.passesLuhn(from, to)) {
          // Spans come in the order of their first digit: only what is new is added.
          for (let d = Math.max(from, hiddenUpTo); d < to - VISIBLE_DIGITS; d++) hidden.push(at[d]!)
          hiddenUpTo = Math.max(hiddenUpTo, to - VISIBLE_DIGITS)
        }
      }
    }
    this.digits = 0
    this.groupCount = 0
  }

  /** Whether digits `from` to `to` (exclusive) pass Luhn: the last one plain, every other one before it doubled. */
  private passesLuhn(from: number, to: number): boolean {
    const sums = (to - 1) % 2 === 0 ? this.evenPlain : this.evenDoubled
    return (sums[to]! - sums[from]!) % 10 === 0
  }
}

/** Replaces all but the last four digits of every card number in `text` with `*`. */
const maskCards = (text: string): string => {
  const run = new Run()
  const hidden: Array<number> = []
  // Characters since the run's last digit; -1 when no run is open.
  let gap = -1
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!
    const kind = kindOf(code)
    if (kind < BREAK) {
      run.add(i, kind, gap !== 0)
      gap = 0
    } else if (gap >= 0 && (kind === BREAK || ++gap > MAX_GAP)) {
      run.close(hidden)
      gap = -1
    }
    i += code > 0xffff ? 2 : 1
  }
  run.close(hidden)
  if (hidden.length === 0) return text
  let out = ""
  let from = 0
  for (const index of hidden) {
    out += text.slice(from, index) + "*"
    from = index + (text.codePointAt(index)! > 0xffff ? 2 : 1)
  }
  return out + text.slice(from)
}

const maskDigits = (match: string): string => {
  let keep = VISIBLE_DIGITS
  let out = ""
  for (let i = match.length - 1; i >= 0; i--) {
    const char = match[i]!
    if (char >= "0" && char <= "9") {
      out = (keep > 0 ? char : "*") + out
      keep--
    } else {
      out = char + out
    }
  }
  return out
}

/**
 * Masks card numbers (all but the last four digits) and verification codes
 * written in free text, in any script and format (see the module's doc).
 *
 * @since 0.1.0 @category redaction
 */
export const maskText = (text: string): string => {
  const digits = countDigits(text, MIN_CARD_DIGITS)
  if (digits < MIN_CVV_DIGITS) return text
  const masked = digits < MIN_CARD_DIGITS ? text : maskCards(text)
  return CVV_LABEL.test(masked)
    ? masked.replace(CVV_IN_TEXT, (_, label: string, gap: string) => `${label}${gap}${MASK}`)
    : masked
}

/**
 * Whether a field of this name holds a card verification code.
 *
 * @since 0.1.0 @category redaction
 */
export const isVerificationCodeKey = (key: string): boolean => CVV_KEY.test(key)

const redactField = (key: string | undefined, value: unknown): unknown => {
  if (key !== undefined && CVV_KEY.test(key) && value !== null && value !== undefined && typeof value !== "object") {
    return MASK
  }
  if (typeof value === "number" && key !== undefined && CARD_KEY.test(key) && Number.isInteger(value)) {
    const digits = String(Math.abs(value))
    return digits.length >= 13 && digits.length <= 19 ? maskDigits(digits) : value
  }
  return redact(value)
}

/**
 * Redacts a JSON-like value deeply: strings are masked with `maskText`, the
 * values of verification-code fields are replaced, numeric card-number fields
 * are masked. Unchanged parts are returned as they are (same references), so a
 * clean value costs one walk and no copy.
 *
 * @since 0.1.0 @category redaction
 */
export const redact = <A>(value: A): A => {
  if (typeof value === "string") return maskText(value) as A
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) {
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      const masked = redact(item)
      if (masked !== item) {
        out ??= value.slice()
        out[i] = masked
      }
    }
    return (out ?? value) as A
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const record = value as Record<string, unknown>
  let out: Record<string, unknown> | undefined
  for (const key in record) {
    const member = record[key]
    const masked = redactField(key, member)
    if (masked !== member) {
      out ??= { ...record }
      out[key] = masked
    }
  }
  return (out ?? value) as A
}

// Messages are immutable values: one found clean stays clean, so a history
// is walked once, not on every commit.
const cleanMessages = new WeakSet<Message>()

/**
 * Redacts a message's content and metadata.
 *
 * @since 0.1.0 @category redaction
 */
export const redactMessage = (message: Message): Message => {
  if (cleanMessages.has(message)) return message
  const content = maskText(message.content)
  const metadata = message.metadata === undefined ? undefined : redact(message.metadata)
  const clean = content === message.content && metadata === message.metadata
    ? message
    : { ...message, content, ...(metadata === undefined ? {} : { metadata }) }
  cleanMessages.add(clean)
  return clean
}

/**
 * Redacts what a session holds in words and data — the history's contents and
 * metadata, the application state, preferences, search context and cached
 * results — and leaves ids, versions and timestamps alone.
 *
 * @since 0.1.0 @category redaction
 */
export const redactState = (state: SessionState): SessionState => {
  const { context } = state
  let history: Array<Message> | undefined
  for (let i = 0; i < context.history.length; i++) {
    const message = context.history[i]!
    const masked = redactMessage(message)
    if (masked !== message) {
      history ??= context.history.slice()
      history[i] = masked
    }
  }
  const appState = redact(context.state)
  const preferences = redact(context.preferences)
  const searchContext = redact(context.searchContext)
  const cachedResults = redact(state.cachedResults)
  if (
    history === undefined && appState === context.state && preferences === context.preferences &&
    searchContext === context.searchContext && cachedResults === state.cachedResults
  ) {
    return state
  }
  return {
    ...state,
    context: { history: history ?? context.history, state: appState, preferences, searchContext },
    cachedResults
  }
}

const EVENT_IDS = new Set(["_tag", "sessionId", "userId", "agent", "from", "to", "handoffId"])

/**
 * Redacts an event's text fields (a turn's text, reasons, error messages),
 * leaving its tag and ids alone.
 *
 * @since 0.1.0 @category redaction
 */
export const redactEvent = <E extends BatonEvent>(event: E): E => {
  let out: Record<string, unknown> | undefined
  const record = event as unknown as Record<string, unknown>
  for (const key in record) {
    if (EVENT_IDS.has(key)) continue
    const member = record[key]
    const masked = redactField(key, member)
    if (masked !== member) {
      out ??= { ...record }
      out[key] = masked
    }
  }
  return (out ?? event) as E
}
