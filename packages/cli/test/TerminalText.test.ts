import { describe, expect, it } from "@effect/vitest"
import * as TerminalText from "../src/TerminalText.js"

describe("TerminalText", () => {
  it("writes escape sequences, NUL, carriage returns and bidi overrides as visible escapes", () => {
    expect(TerminalText.safe("red\u001b[31m alert\u0000 \r\u202egnp.exe\u2066")).toBe(
      "red\\x1b[31m alert\\x00 \\x0d\\u202egnp.exe\\u2066"
    )
    expect(TerminalText.safe("C1 \u009b2J and DEL \u007f")).toBe("C1 \\x9b2J and DEL \\x7f")
  })

  it("keeps newlines and tabs in multi-line text, and escapes newlines in one-line text", () => {
    expect(TerminalText.safe("line one\n\tline two")).toBe("line one\n\tline two")
    expect(TerminalText.inline("line one\nline two")).toBe("line one\\x0aline two")
  })

  it("leaves ordinary text, accents and emoji alone", () => {
    const text = "Olá! Lisbon → Porto, 3 nights ☀️ €420"
    expect(TerminalText.safe(text)).toBe(text)
    expect(TerminalText.inline(text)).toBe(text)
  })

  it("masks card data as well", () => {
    expect(TerminalText.safe("card 4111 1111 1111 1111, CVV 123")).toBe("card **** **** **** 1111, CVV ***")
  })
})
