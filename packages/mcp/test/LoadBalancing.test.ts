import { describe, expect, it } from "@effect/vitest"
import * as Balancer from "../src/internal/balancer.js"

const candidate = (name: string, options: { connected?: boolean; outstanding?: number; health?: number } = {}) => ({
  name,
  connected: options.connected ?? true,
  outstanding: options.outstanding ?? 0,
  health: () => options.health ?? 1
})

const pickMany = (balance: Balancer.Balancer, candidates: ReadonlyArray<ReturnType<typeof candidate>>, n: number) =>
  Array.from({ length: n }, () => balance(candidates)?.name)

describe("load balancing", () => {
  it("round robin takes connected instances in turn and skips the others", () => {
    const balance = Balancer.make("round-robin")
    const all = [candidate("a"), candidate("b", { connected: false }), candidate("c")]
    expect(pickMany(balance, all, 4)).toEqual(["a", "c", "a", "c"])
  })

  it("least outstanding picks the idlest instance and spreads ties", () => {
    const balance = Balancer.make("least-outstanding")
    const busy = [candidate("a", { outstanding: 3 }), candidate("b", { outstanding: 1 }), candidate("c", { outstanding: 2 })]
    expect(balance(busy)?.name).toBe("b")
    const idle = [candidate("a"), candidate("b"), candidate("c")]
    expect(new Set(pickMany(balance, idle, 3))).toEqual(new Set(["a", "b", "c"]))
  })

  it("power of two prefers the healthier of its two choices, weighted by load", () => {
    // With two candidates both are always drawn, so the better one wins.
    const balance = Balancer.make("power-of-two")
    expect(balance([candidate("sick", { health: 0.2 }), candidate("well", { health: 0.9 })])?.name).toBe("well")
    expect(balance([candidate("loaded", { outstanding: 9 }), candidate("idle", { health: 0.5 })])?.name).toBe("idle")
    expect(balance([candidate("down", { connected: false }), candidate("up", { health: 0.1 })])?.name).toBe("up")
  })

  it("power of two spreads load over healthy instances", () => {
    const balance = Balancer.make("power-of-two")
    const all = ["a", "b", "c", "d"].map((name) => candidate(name))
    expect(new Set(pickMany(balance, all, 100))).toEqual(new Set(["a", "b", "c", "d"]))
  })

  it("finds nothing when no instance is connected", () => {
    for (const strategy of ["round-robin", "least-outstanding", "power-of-two"] as const) {
      expect(Balancer.make(strategy)([candidate("a", { connected: false }), candidate("b", { connected: false })]))
        .toBeUndefined()
    }
  })
})
