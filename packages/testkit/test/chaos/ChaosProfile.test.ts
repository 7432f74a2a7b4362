/** The shipped chaos profiles: their names, and timelines that the seed decides. */
import { describe, expect, it } from "@effect/vitest"
import * as ChaosProfile from "../../src/chaos/ChaosProfile.js"

describe("ChaosProfile", () => {
  it("ships the eight profiles, each with a description and at least one step mid-run", () => {
    expect(ChaosProfile.names).toEqual([
      "worker-crash",
      "redis-restart",
      "service-crash",
      "service-flap",
      "latency-spike",
      "all",
      "cluster-failover",
      "cluster-master-kill"
    ])
    for (const profile of ChaosProfile.profiles) {
      expect(profile.description.length).toBeGreaterThan(20)
      const steps = profile.steps({ seed: 1, workers: 2 })
      expect(steps.length).toBeGreaterThan(0)
      for (const step of steps) {
        expect(step.at).toBeGreaterThan(0.05)
        expect(step.at).toBeLessThan(0.95)
      }
    }
    expect(ChaosProfile.find("nope")).toBeUndefined()
  })

  it("the same seed gives the same timeline; the worker killed is one of the workers", () => {
    const crash = ChaosProfile.find("worker-crash")!
    expect(crash.steps({ seed: 7, workers: 3 })).toEqual(crash.steps({ seed: 7, workers: 3 }))
    const slots = new Set(
      Array.from({ length: 20 }, (_, seed) => crash.steps({ seed, workers: 3 })[0]!.action).map((action) =>
        action._tag === "KillWorker" ? action.slot : -1
      )
    )
    expect([...slots].every((slot) => slot >= 0 && slot < 3)).toBe(true)
    expect(slots.size).toBeGreaterThan(1)
  })

  it("the cluster profiles run on a Redis Cluster and fail its busiest master over, by hand or by SIGKILL", () => {
    const failover = ChaosProfile.find("cluster-failover")!
    const kill = ChaosProfile.find("cluster-master-kill")!
    expect([failover.store, kill.store]).toEqual(["redis-cluster", "redis-cluster"])
    expect(ChaosProfile.find("worker-crash")!.store).toBeUndefined()
    expect(failover.steps({ seed: 1, workers: 2 }).map((step) => step.action)).toEqual([{ _tag: "FailoverMaster" }])
    expect(kill.steps({ seed: 1, workers: 2 }).map((step) => step.action)).toEqual([{ _tag: "KillMaster" }])
  })

  it("`all` plays every kind of fault in turn, in order of when it fires", () => {
    const steps = ChaosProfile.find("all")!.steps({ seed: 1, workers: 2 })
    expect(steps.map((step) => ChaosProfile.describeAction(step.action))).toEqual([
      expect.stringMatching(/^SIGKILL worker [01]$/),
      "flights: flap(300,300)#1 for 2000 ms",
      "stop redis-server for 1500 ms",
      "weather: crash#1 for 2000 ms",
      "flights, accommodations: latency:fixed(400)#1 for 2000 ms"
    ])
    const at = steps.map((step) => step.at)
    expect(at).toEqual([...at].sort((a, b) => a - b))
  })
})
