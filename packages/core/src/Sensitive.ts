/**
 * Payment card data must never reach a store. Every `SessionStore` passes
 * what it persists through these functions: card-like numbers (13 to 19
 * digits, with or without spaces or dashes) keep only their last four digits,
 * and card verification codes (`cvv`, `cvc` fields, or "CVV 123" in text) are
 * replaced outright.
 *
 * Identifiers, versions and timestamps are left alone: a session id made of
 * digits is still the same session.
 *
 * @example
 * import { Sensitive } from "@baton/core"
 *
 * Sensitive.maskText("Pay with 4111 1111 1111 1111, CVV 123")
 * // "Pay with **** **** **** 1111, CVV ***"
 *
 * @since 0.1.0
 */
import type { BatonEvent } from "./BatonEvent.js"
import type { Message } from "./Message.js"
import type { SessionState } from "./SessionState.js"

/** @since 0.1.0 @category constants */
export const MASK = "***"

// A digit, then 12 to 18 more, each optionally after one space or dash; not
// inside a longer run of digits.
const CARD = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g
const CVV_IN_TEXT = /\b(cvv2?|cvc2?|csc|security code)(\W{0,3}(?:is\s+)?)\d{3,4}\b/gi
const CVV_KEY = /^(?:cvv2?|cvc2?|csc|card_?(?:cvv|cvc)|card_?verification(?:_?(?:code|value))?|security_?code)$/i
const CARD_KEY = /^(?:card_?(?:number|no|num)?|pan|primary_?account_?number)$/i

const maskDigits = (match: string): string => {
  let keep = 4
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
 * Masks card-like numbers (all but the last four digits) and verification
 * codes written in free text.
 *
 * @since 0.1.0 @category redaction
 */
export const maskText = (text: string): string => {
  CARD.lastIndex = 0
  CVV_IN_TEXT.lastIndex = 0
  const hasCard = CARD.test(text)
  const hasCvv = CVV_IN_TEXT.test(text)
  if (!hasCard && !hasCvv) return text
  let out = hasCard ? text.replace(CARD, maskDigits) : text
  if (hasCvv) out = out.replace(CVV_IN_TEXT, (_, label: string, gap: string) => `${label}${gap}${MASK}`)
  return out
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
