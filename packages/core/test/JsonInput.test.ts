import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import * as JsonInput from "../src/JsonInput.js"

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

describe("JsonInput", () => {
  it("refuses 200,000 levels of nesting in words, without overflowing the stack", () => {
    const parsed = JsonInput.parse(`{"turns":${nested(200_000)}}`)
    expect(Either.isLeft(parsed) && parsed.left).toMatch(/nests more than 100 levels deep/)
  })

  it("parses values up to the bound and refuses one level more", () => {
    expect(JsonInput.parse(nested(100))).toEqual(Either.right(JSON.parse(nested(100))))
    expect(Either.isLeft(JsonInput.parse(nested(101)))).toBe(true)
    expect(Either.isRight(JsonInput.parse(nested(101), { maxDepth: 101 }))).toBe(true)
  })

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ text: `a \\" quote and ${"[{".repeat(500)}` })
    expect(JsonInput.depthOf(text)).toBe(1)
    expect(Either.isRight(JsonInput.parse(text))).toBe(true)
  })

  it("says why text that is not JSON was refused", () => {
    const parsed = JsonInput.parse("{\"a\": ")
    expect(Either.isLeft(parsed) && parsed.left).toMatch(/^it is not valid JSON \(/)
  })

  it("measures the same depth as the parsed value has (property)", () => {
    const depthOfValue = (value: unknown): number =>
      typeof value === "object" && value !== null
        ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOfValue))
        : 0
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
      const text = JSON.stringify(value)
      expect(JsonInput.depthOf(text)).toBe(depthOfValue(value))
    }))
  })
})
