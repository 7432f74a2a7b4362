import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import * as JsonInput from "../src/JsonInput.js"

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

const depthOfValue = (value: unknown): number =>
  typeof value === "object" && value !== null
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOfValue))
    : 0

describe("JsonInput", () => {
  it("refuses 200,000 levels of nesting in words, without overflowing the stack", () => {
    const parsed = JsonInput.parse(`{"turns":${nested(200_000)}}`)
    expect(Either.isLeft(parsed) && parsed.left).toBe(
      "it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed"
    )
  })

  it("parses values up to the bound and refuses one level more", () => {
    expect(JsonInput.parse(nested(100))).toEqual(Either.right(JSON.parse(nested(100))))
    expect(Either.isLeft(JsonInput.parse(nested(101)))).toBe(true)
    expect(Either.isRight(JsonInput.parse(nested(101), { maxDepth: 101 }))).toBe(true)
  })

  it("does not count brackets inside strings", () => {
    const text = JSON.stringify({ text: `a \\" quote and ${"[{".repeat(500)}` })
    expect(Either.isRight(JsonInput.parse(text, { maxDepth: 1 }))).toBe(true)
  })

  it("says where text that is not JSON goes wrong, quoting none of it", () => {
    const parsed = JsonInput.parse(`{\n  "token": sk-live-123456\n}`)
    expect(Either.isLeft(parsed) && parsed.left).toBe("it is not valid JSON at line 2, column 12: Unexpected token 's'")
    const cut = JsonInput.parse(`{"card": "4111 1111 1111 1111", "cvv": 123`)
    expect(Either.isLeft(cut) && cut.left).toMatch(/^it is not valid JSON at line 1, column \d+: /)
    expect(Either.isLeft(cut) && cut.left).not.toMatch(/4111|123/)
  })

  it("bounds values walked without recursion, cycles included", () => {
    const cyclic: Record<string, unknown> = { name: "loop" }
    cyclic["self"] = cyclic
    expect(JsonInput.nestsWithin(cyclic)).toBe(false)
    expect(JsonInput.nestsWithin(JSON.parse(nested(200_000)))).toBe(false)
    expect(JsonInput.nestsWithin("text", 0)).toBe(true)
  })

  it("names the keys that lead to where a value nests too deep", () => {
    const value = { mcpServers: { weather: { env: { KEY: JSON.parse(nested(200)) } } } }
    expect(JsonInput.pathTooDeep(value)).toEqual(["mcpServers", "weather", "env", "KEY"])
    expect(JsonInput.pathTooDeep({ a: [1, 2] })).toBeUndefined()
  })

  it("agrees with the depth of the value (property)", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, bound) => {
      expect(JsonInput.nestsWithin(value, bound)).toBe(depthOfValue(value) <= bound)
      expect(Either.isRight(JsonInput.parse(JSON.stringify(value), { maxDepth: bound }))).toBe(depthOfValue(value) <= bound)
    }))
  })
})
