import { Ids, Sensitive, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"

describe("Sensitive (redaction before persistence)", () => {
  it("masks card numbers (13 to 19 digits passing the Luhn check), with or without spaces or dashes, keeping the last four", () => {
    expect(Sensitive.maskText("card 4111 1111 1111 1111 ok")).toBe("card **** **** **** 1111 ok")
    expect(Sensitive.maskText("5500-0000-0000-0004")).toBe("****-****-****-0004")
    expect(Sensitive.maskText("4012888888881881")).toBe("************1881")
    expect(Sensitive.maskText("amex 378282246310005.")).toBe("amex ***********0005.")
    expect(Sensitive.maskText("19 digits 6011000990139424124")).toBe("19 digits ***************4124")
  })

  it("leaves shorter and longer digit runs, runs failing the Luhn check, dates and prices alone", () => {
    for (const text of ["call 555 0100", "order 123456789012", "2026-12-10", "€1,234.50", "12345678901234567890", "4111 1111 1111 1112"]) {
      expect(Sensitive.maskText(text)).toBe(text)
    }
  })

  it("masks verification codes in text and in cvv/cvc fields", () => {
    expect(Sensitive.maskText("CVV 123, cvc: 4567, the cvv is 999")).toBe("CVV ***, cvc: ***, the cvv is ***")
    expect(Sensitive.redact({ cvv: "123", CVC: 456, card_cvv: "789", nested: [{ securityCode: "321" }] })).toEqual({
      cvv: "***",
      CVC: "***",
      card_cvv: "***",
      nested: [{ securityCode: "***" }]
    })
  })

  it("masks numeric card-number fields", () => {
    expect(Sensitive.redact({ cardNumber: 4111111111111111, pan: 42, price: 4111111111111111 })).toEqual({
      cardNumber: "************1111",
      pan: 42,
      price: 4111111111111111
    })
  })

  it("returns clean values as they are, without copying", () => {
    const value = { a: ["x", { b: "y" }], n: 1 }
    expect(Sensitive.redact(value)).toBe(value)
    const state = SessionState.empty({ sessionId: Ids.sessionId("s"), userId: Ids.userId("u"), state: value, now: 0 })
    expect(Sensitive.redactState(state)).toBe(state)
  })

  it("redacts a state's words and data, never its ids", () => {
    const sessionId = Ids.sessionId("4111111111111111")
    const state = {
      ...SessionState.empty({ sessionId, userId: Ids.userId("4012888888881881"), state: { card: "4111 1111 1111 1111" }, now: 0 }),
      version: 1
    }
    const redacted = Sensitive.redactState(state)
    expect(redacted.sessionId).toBe(sessionId)
    expect(redacted.userId).toBe(state.userId)
    expect(redacted.context.state).toEqual({ card: "**** **** **** 1111" })
  })

  it("redacts an event's text, never its ids", () => {
    const event = Sensitive.redactEvent({
      _tag: "TurnStarted",
      sessionId: Ids.sessionId("4111111111111111"),
      userId: Ids.userId("u"),
      text: "pay with 4111111111111111",
      at: 1_700_000_000_000
    })
    expect(event).toEqual({
      _tag: "TurnStarted",
      sessionId: "4111111111111111",
      userId: "u",
      text: "pay with ************1111",
      at: 1_700_000_000_000
    })
  })
})
