import { ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as McpCall from "../src/commands/McpCall.js"
import * as McpList from "../src/commands/McpList.js"
import * as McpServers from "../src/McpServers.js"

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
      address: "weather-mcp",
      health: 0.987,
      reachable: true,
      instances: [instance("weather#0", true, { pid: 42 })],
      tools: [{ name: "forecast", description: "Daily forecast\n  for a place.", inputSchema: {}, readOnly: true }]
    },
    { name: "ghost", address: "ghost", health: 0, reachable: false, instances: [instance("ghost#0", false, { lastError: "spawn ghost ENOENT" })], tools: undefined }
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

describe("remote text on the terminal", () => {
  it("escapes control characters in what servers say: tool names and descriptions, and why an instance is down", () => {
    const hostile: McpList.Listing = {
      config: "/repo/baton.config.json",
      servers: [
        {
          name: "evil",
          address: "evil-mcp",
          health: 1,
          reachable: true,
          instances: [instance("evil#0", true)],
          tools: [{ name: "look\u001b[2J", description: "Reads\u001b]0;pwned\u0007 \u202eeulav", inputSchema: {}, readOnly: true }]
        },
        { name: "gone", address: "gone-mcp", health: 0, reachable: false, instances: [instance("gone#0", false, { lastError: "closed\u001b[31m red\nsecond line" })], tools: undefined }
      ]
    }
    const text = McpList.asText(hostile, { cwd: "/repo" }).join("\n")
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
    expect(text).toContain("evil.look\\x1b[2J")
    expect(text).toContain("Reads\\x1b]0;pwned\\x07 \\u202eeulav")
    expect(text).toContain("  ✗ gone#0: closed\\x1b[31m red\\x0asecond line")
  })

  it("writes a failure as one line with its control characters escaped", () => {
    const written: Array<string> = []
    const io = { write: () => undefined, writeError: (text: string) => void written.push(text), cwd: "/", env: {}, isTTY: false, columns: undefined }
    const error = new ToolGateway.ToolResultError({ service: "evil", tool: "look", detail: "no\u001b[2J\nway\u202e" })
    expect(Effect.runSync(McpServers.report(io)(error))).toBe(1)
    expect(written).toEqual(["error: evil.look reported an error: no\\x1b[2J way\\u202e\n"])
  })
})

describe("McpServers.logs", () => {
  it("writes the gateway's errors to standard error with control characters escaped", () => {
    const written: Array<string> = []
    const io = { write: () => undefined, writeError: (text: string) => void written.push(text), cwd: "/", env: {}, isTTY: false, columns: undefined }
    Effect.runSync(Effect.provide(Effect.logError("closed\u001b[2J"), McpServers.logs(io)))
    expect(written).toHaveLength(1)
    expect(written[0]).toContain("closed\\x1b[2J")
    expect(written[0]!.slice(0, -1)).not.toMatch(/[\u0000-\u001f]/)
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
