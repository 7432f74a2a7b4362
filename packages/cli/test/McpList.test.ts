import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as McpCall from "../src/commands/McpCall.js"
import * as McpList from "../src/commands/McpList.js"

const instance = (id: string, connected: boolean, extra: object = {}) => ({
  id,
  connected,
  outstanding: 0,
  health: connected ? 1 : 0,
  errorRate: 0,
  latencyMs: 0,
  connects: connected ? 1 : 0,
  ...extra
})

const listing: McpList.Listing = {
  config: "/repo/baton.config.json",
  servers: [
    {
      name: "weather",
      health: 0.987,
      reachable: true,
      instances: [instance("weather#0", true, { pid: 42 })],
      tools: [{ name: "forecast", description: "Daily forecast\n  for a place.", inputSchema: {}, readOnly: true }]
    },
    { name: "ghost", health: 0, reachable: false, instances: [instance("ghost#0", false, { lastError: "spawn ghost ENOENT" })], tools: undefined }
  ]
}

describe("McpList.asText", () => {
  it("tables servers and tools, says why a server is down, and names the file relative to the working directory", () => {
    expect(McpList.asText(listing, { cwd: "/repo" })).toEqual([
      "SERVER   HEALTH  INSTANCES             TOOLS",
      "weather  0.99    weather#0 up, pid 42  1",
      "ghost    0.00    ghost#0 down          -",
      "  ✗ ghost#0: spawn ghost ENOENT",
      "",
      "TOOL              READ-ONLY  DESCRIPTION",
      "weather.forecast  yes        Daily forecast for a place.",
      "",
      "2 servers in baton.config.json, 1 could not be reached."
    ])
  })

  it("cuts table rows to the terminal's width, and names a file outside the working directory in full", () => {
    const lines = McpList.asText(listing, { cwd: "/elsewhere", width: 30 })
    expect(lines.slice(0, 3)).toEqual(["SERVER   HEALTH  INSTANCES   …", "weather  0.99    weather#0 up…", "ghost    0.00    ghost#0 down…"])
    expect(lines.at(-1)).toBe("2 servers in /repo/baton.config.json, 1 could not be reached.")
  })
})

describe("McpCall.parseArguments", () => {
  it("takes a JSON object and refuses anything else, saying why", () => {
    expect(McpCall.parseArguments("{\"city\":\"Lisbon\"}")).toEqual(Either.right({ city: "Lisbon" }))
    expect(Either.getLeft(McpCall.parseArguments("42")).pipe((left) => left._tag === "Some" && left.value.message)).toBe(
      "the tool's arguments must be a JSON object, like '{\"city\":\"Lisbon\"}': got 42"
    )
    expect(Either.isLeft(McpCall.parseArguments("{city: 'Lisbon'}"))).toBe(true)
  })
})
