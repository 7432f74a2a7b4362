import type { LoadBalancing } from "../McpConfig.js"

/** What a balancer needs to know about an instance. */
export interface Candidate {
  readonly connected: boolean
  readonly outstanding: number
  /** 0..1, see `HealthStats.score`. */
  readonly health: () => number
}

/** Picks a connected candidate, or none when all are down. */
export type Balancer = <C extends Candidate>(candidates: ReadonlyArray<C>) => C | undefined

// Called on every tool call: no allocation, one pass at most.

const roundRobin = (): Balancer => {
  let next = 0
  return (candidates) => {
    const n = candidates.length
    for (let i = 0; i < n; i++) {
      const candidate = candidates[(next + i) % n]!
      if (candidate.connected) {
        next = (next + i + 1) % n
        return candidate
      }
    }
    return undefined
  }
}

const leastOutstanding = (): Balancer => {
  // Ties go round robin, so an idle pool still spreads its calls.
  let start = 0
  return (candidates) => {
    const n = candidates.length
    let best: (typeof candidates)[number] | undefined
    for (let i = 0; i < n; i++) {
      const candidate = candidates[(start + i) % n]!
      if (candidate.connected && (best === undefined || candidate.outstanding < best.outstanding)) best = candidate
    }
    start = (start + 1) % Math.max(n, 1)
    return best
  }
}

const worth = (candidate: Candidate) => candidate.health() / (1 + candidate.outstanding)

const powerOfTwo = (random: () => number): Balancer => {
  const scan = roundRobin()
  return (candidates) => {
    const n = candidates.length
    if (n < 2) return scan(candidates)
    const i = Math.floor(random() * n)
    const j = (i + 1 + Math.floor(random() * (n - 1))) % n
    const a = candidates[i]!
    const b = candidates[j]!
    if (a.connected && b.connected) return worth(b) > worth(a) ? b : a
    if (a.connected) return a
    if (b.connected) return b
    return scan(candidates)
  }
}

export const make = (strategy: LoadBalancing, random: () => number = Math.random): Balancer => {
  switch (strategy) {
    case "round-robin":
      return roundRobin()
    case "least-outstanding":
      return leastOutstanding()
    case "power-of-two":
      return powerOfTwo(random)
  }
}
