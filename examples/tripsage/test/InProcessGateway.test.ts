import { ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as InProcessGateway from "../src/InProcessGateway.js"
import * as Tools from "../src/Tools.js"

const invoke = (call: ToolGateway.ToolCall) =>
  Effect.flatMap(ToolGateway.ToolGateway, (gateway) => gateway.invoke(call)).pipe(Effect.provide(InProcessGateway.layer))

describe("InProcessGateway", () => {
  it.effect("fails an unknown service with core's UnknownService, naming the known ones", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoke({ service: "maps", tool: "route", args: {} }))
      expect(error).toBeInstanceOf(ToolGateway.UnknownService)
      expect(error.message).toBe(
        "Unknown service \"maps\". Configured services: flights, accommodations, weather, activities, payments."
      )
    }))

  it.effect("fails an unknown tool with core's UnknownTool", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoke({ service: "flights", tool: "cancel", args: {} }))
      expect(error).toBeInstanceOf(ToolGateway.UnknownTool)
      expect(error.message).toBe("Service \"flights\" has no tool \"cancel\". Its tools: search_flights, reserve.")
    }))

  it.effect("rejects arguments that do not match the tool's schema", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoke({ service: "weather", tool: "forecast", args: { city: "Lisbon", from: "10/12/2026" } }))
      expect(error).toBeInstanceOf(ToolGateway.InvalidToolArguments)
      expect(error.message).toContain("from: a date like 2026-12-10")
    }))

  it.effect("reports a city it has no data for as a tool error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoke({ service: "activities", tool: "search", args: { city: "Atlantis" } }))
      expect(error).toBeInstanceOf(ToolGateway.ToolResultError)
    }))

  it.effect("answers the same query the same way every time", () =>
    Effect.gen(function*() {
      const args = { origin: "LHR", destination: "LIS", departDate: "2026-12-10", passengers: 2 }
      const first = yield* Tools.call(Tools.searchFlights, args)
      const second = yield* Tools.call(Tools.searchFlights, args)
      expect(second).toEqual(first)
      expect(first.options).toHaveLength(3)
    }).pipe(Effect.provide(InProcessGateway.layer)))
})
