import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FaultProfile from "../../src/load/FaultProfile.js"

describe("FaultProfile", () => {
  it("reads service=spec lists, keeping commas inside a spec's parentheses", () => {
    expect(FaultProfile.parseList("weather=error:rpc(-32050)@0.1, flights=latency:normal(50,10);hang@0.01,weather=crash@0.01"))
      .toEqual(Either.right({ weather: "error:rpc(-32050)@0.1;crash@0.01", flights: "latency:normal(50,10);hang@0.01" }))
  })

  it("refuses entries that are not service=spec and specs that do not parse", () => {
    const missing = FaultProfile.parseList("weather")
    expect(Either.isLeft(missing) && missing.left.message).toContain('"weather" is not service=spec')
    const bad = FaultProfile.parseList("weather=explode")
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/^invalid fault profile "weather=explode": weather: Invalid fault spec/)
  })

  it("turns a duration or a distribution into a latency spec", () => {
    expect(FaultProfile.latencySpec("5ms")).toEqual(Either.right("latency:fixed(5ms)"))
    expect(FaultProfile.latencySpec("normal(20,5)")).toEqual(Either.right("latency:normal(20,5)"))
    expect(Either.isLeft(FaultProfile.latencySpec("soon"))).toBe(true)
  })

  it("gives each service its faults and the common latency, seeded by the run", () => {
    expect(FaultProfile.resolve({
      services: ["flights", "weather"],
      faults: { weather: "error:rpc(-32050)@0.1;hang@0.01#7" },
      latency: "latency:fixed(5ms)",
      seed: 3
    })).toEqual({
      flights: "latency:fixed(5ms)#3",
      weather: "error:rpc(-32050)@0.1#3;hang@0.01#7;latency:fixed(5ms)#3"
    })
    expect(FaultProfile.resolve({ services: [], faults: {}, seed: 1 })).toEqual({})
  })
})
