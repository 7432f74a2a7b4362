import { describe, expect, it } from "@effect/vitest"
import * as Prng from "../src/Prng.js"

describe("Prng", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const draw = (seed: number) => {
      const prng = Prng.make(seed)
      return Array.from({ length: 8 }, () => prng.next())
    }
    expect(draw(7)).toEqual(draw(7))
    expect(draw(7)).not.toEqual(draw(8))
  })

  it("keeps draws in their ranges", () => {
    const prng = Prng.make(1)
    for (let i = 0; i < 1000; i++) {
      const x = prng.next()
      const n = prng.int(3, 5)
      expect(x >= 0 && x < 1).toBe(true)
      expect([3, 4, 5]).toContain(n)
    }
  })

  it("derives generators from a seed and a key", () => {
    expect(Prng.derive(1, "LHR", "JFK").next()).toBe(Prng.derive(1, "LHR", "JFK").next())
    expect(Prng.hash(1, "LHR", "JFK")).not.toBe(Prng.hash(1, "LHRJ", "FK"))
    expect(Prng.hash(1, "1")).not.toBe(Prng.hash(1, 1))
  })
})
