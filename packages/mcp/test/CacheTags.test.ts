import { describe, expect, it } from "@effect/vitest"
import * as tags from "../src/internal/tags.js"
import { ToolCache } from "../src/internal/toolCache.js"

describe("tag templates", () => {
  it("fill placeholders from the arguments, or from the result with result.", () => {
    const tagger = tags.compile(["availability:{offer_id}", "booking:{result.reservation.id}", "all-flights"])
    expect(tagger({ offer_id: "off_1" }, { reservation: { id: "rsv_2" } })).toEqual([
      "availability:off_1",
      "booking:rsv_2",
      "all-flights"
    ])
  })

  it("give no tag when a placeholder's value is missing or not a scalar", () => {
    const tagger = tags.compile(["availability:{offer_id}", "seat:{seat.row}-{seat.letter}"])
    expect(tagger({}, undefined)).toEqual([])
    expect(tagger({ offer_id: { nested: true }, seat: { row: 12, letter: "C" } }, undefined)).toEqual(["seat:12-C"])
  })
})

describe("ToolCache", () => {
  it("drops every entry of an invalidated tag, stale window included, and only those", () => {
    const cache = new ToolCache<string>(10)
    cache.set("a", "A", 0, 1_000, 10_000, ["availability:1"], cache.begin())
    cache.set("b", "B", 0, 1_000, 10_000, ["availability:2"], cache.begin())
    expect(cache.invalidate("availability:1")).toEqual(["a"])
    expect(cache.get("a", 1)).toBeUndefined()
    expect(cache.stale("a", 2_000)).toBeUndefined()
    expect(cache.get("b", 1)).toBe("B")
  })

  it("does not store a result fetched while one of its tags was invalidated", () => {
    const cache = new ToolCache<string>(10)
    const began = cache.begin()
    cache.invalidate("availability:1")
    expect(cache.set("a", "old", 0, 1_000, 0, ["availability:1"], began)).toBe(false)
    expect(cache.get("a", 1)).toBeUndefined()
    expect(cache.set("a", "new", 0, 1_000, 0, ["availability:1"], cache.begin())).toBe(true)
    expect(cache.get("a", 1)).toBe("new")
  })

  it("forgets the tags of entries it evicts", () => {
    const cache = new ToolCache<string>(1)
    cache.set("a", "A", 0, 1_000, 0, ["t"], cache.begin())
    cache.set("b", "B", 0, 1_000, 0, ["t"], cache.begin())
    expect(cache.invalidate("t")).toEqual(["b"])
  })
})
