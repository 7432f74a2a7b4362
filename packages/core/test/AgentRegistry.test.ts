import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as AgentRegistry from "../src/AgentRegistry.js"
import * as Ids from "../src/Ids.js"
import { agent, flights, hotels, triage } from "./fixtures.js"

const registry = AgentRegistry.make([
  agent(triage, ["help"]),
  agent(flights, ["flight", "airline"], { requiredServices: ["amadeus", "seatmap"] }),
  agent(hotels, ["hotel"], { requiredServices: ["hotelbeds"] })
])

describe("AgentRegistry", () => {
  it("refuses two agents with the same id", () => {
    expect(() => AgentRegistry.make([agent(triage, []), agent(triage, [])])).toThrow(
      `Two agents are registered with the id "triage"`
    )
  })

  it("keeps registration order and looks agents up by id", () => {
    expect(registry.ids).toEqual([triage, flights, hotels])
    expect(registry.lookup(hotels)?.id).toBe(hotels)
    expect(registry.lookup(Ids.agentId("nobody"))).toBeUndefined()
    expect(registry.profiles.map((profile) => profile.id)).toEqual([triage, flights, hotels])
  })

  it.effect("get fails with UnknownAgent naming the registered agents", () =>
    Effect.gen(function*() {
      expect((yield* registry.get(flights)).id).toBe(flights)
      const error = yield* Effect.flip(registry.get(Ids.agentId("nobody")))
      expect(error.message).toBe(`Unknown agent "nobody". Registered agents: triage, flights, hotels.`)
    }))

  it("scores only the agents whose document shares words with the text, stemming plurals", () => {
    const [help, flight, hotel] = registry.relevance("Two flights on one airline")
    expect(help).toBe(0)
    expect(hotel).toBe(0)
    expect(flight).toBeGreaterThan(0)
    expect(registry.relevance("nothing relevant")).toEqual([0, 0, 0])
  })

  it("finds agents by intent", () => {
    expect(registry.withIntent("flights").map((a) => a.id)).toEqual([flights])
    expect(registry.withIntent("cruises")).toEqual([])
  })

  it("lists the agents whose services are missing, with the missing services", () => {
    expect(registry.missingServices(new Set(["amadeus", "hotelbeds"]))).toEqual([
      { agent: flights, missing: ["seatmap"] }
    ])
    expect(registry.missingServices(new Set(["amadeus", "seatmap", "hotelbeds"]))).toEqual([])
  })
})
