import { Agent, AgentRegistry, Ids } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ToolCatalogue } from "../src/index.js"

const agent = (id: string, requiredServices: ReadonlyArray<string>) =>
  Agent.make({
    id: Ids.agentId(id),
    description: id,
    capabilities: [],
    requiredServices,
    handle: () => Effect.succeed(Agent.reply("ok"))
  })

const catalogue = (service: string, tools: ReadonlyArray<string>): ToolCatalogue.ToolCatalogue => ({
  service,
  refreshedAt: 0,
  tools: tools.map((name) => ({ name, inputSchema: { type: "object" }, readOnly: false }))
})

describe("ToolCatalogue.missingRequirements", () => {
  const registry = AgentRegistry.make([
    agent("triage", []),
    agent("flights", ["flights"]),
    agent("booking", ["payments", "flights"])
  ])
  const catalogues = new Map([["flights", catalogue("flights", ["search_flights"])]])

  it("lists agents whose services are unreachable or whose tools are missing", () => {
    const missing = ToolCatalogue.missingRequirements(registry, catalogues, {
      [Ids.agentId("flights")]: [{ service: "flights", tool: "search_flights" }, { service: "flights", tool: "seat_map" }],
      [Ids.agentId("triage")]: [{ service: "weather", tool: "forecast" }]
    })
    expect(missing).toEqual([
      { agent: "triage", services: ["weather"], tools: [] },
      { agent: "flights", services: [], tools: ["flights.seat_map"] },
      { agent: "booking", services: ["payments"], tools: [] }
    ])
  })

  it("is empty when everything is there", () => {
    const everything = new Map([...catalogues, ["payments", catalogue("payments", ["charge"])]])
    expect(ToolCatalogue.missingRequirements(registry, everything)).toEqual([])
  })
})
