import { describe, expect, it } from "@effect/vitest"
import { baton, stdioMock, writeConfig } from "./support.js"

const weather = writeConfig({ mcpServers: { weather: stdioMock("weather") } })

describe("baton mcp call errors", () => {
  const oneLine = (stderr: string) => {
    expect(stderr.endsWith("\n")).toBe(true)
    expect(stderr.trimEnd().split("\n")).toHaveLength(1)
    return stderr.trimEnd()
  }

  it("exits 2 on an unknown server, naming the configured ones", async () => {
    const { code, stderr, stdout } = await baton(["mcp", "call", "wether", "forecast", "{}", "--config", weather])
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(oneLine(stderr)).toBe("error: Unknown service \"wether\". Configured services: weather.")
  })

  it("exits 2 on arguments that are not a JSON object", async () => {
    const { code, stderr } = await baton(["mcp", "call", "weather", "forecast", "{location:", "--config", weather])
    expect(code).toBe(2)
    expect(oneLine(stderr)).toMatch(/^error: the tool's arguments must be a JSON object, like '\{"city":"Lisbon"\}': /)
  })

  it("exits 2 on arguments that do not fit the tool's schema, naming each field, and on an unknown tool", async () => {
    const invalid = await baton(["mcp", "call", "weather", "forecast", "{\"location\":\"Lisbon\",\"start_date\":\"10/12/2026\"}", "--config", weather])
    expect(invalid.code).toBe(2)
    expect(oneLine(invalid.stderr)).toBe(
      "error: Invalid arguments for weather.forecast: end_date: is required; start_date: must match pattern \"^\\d{4}-\\d{2}-\\d{2}$\""
    )
    const unknown = await baton(["mcp", "call", "weather", "hourly", "{}", "--config", weather])
    expect(unknown.code).toBe(2)
    expect(oneLine(unknown.stderr)).toBe("error: Service \"weather\" has no tool \"hourly\". Its tools: forecast.")
  })

  it("exits 1 when the tool reports an error", async () => {
    const args = { location: "Lisbon", start_date: "2026-12-10", end_date: "2027-02-10" }
    const { code, stderr, stdout } = await baton(["mcp", "call", "weather", "forecast", JSON.stringify(args), "--config", weather])
    expect(code).toBe(1)
    expect(stdout).toBe("")
    expect(oneLine(stderr)).toBe("error: weather.forecast reported an error: a forecast covers at most 16 days; got 63")
  })

  it("exits 1 when the server cannot be reached, saying why", async () => {
    const config = writeConfig({ mcpServers: { ghost: { command: "baton-no-such-command" } } })
    const { code, stderr } = await baton(["mcp", "call", "ghost", "anything", "--config", config])
    expect(code).toBe(1)
    expect(oneLine(stderr)).toBe("error: cannot reach the MCP server \"ghost\": ghost#0: spawn baton-no-such-command ENOENT")
  })

  it("exits 2 on a bad config file, with its path and what is wrong", async () => {
    const broken = writeConfig("{\n  \"mcpServers\": {\n    \"weather\": { \"command\": \"node\" },\n  }\n}\n")
    const { code, stderr } = await baton(["mcp", "call", "weather", "forecast", "--config", broken])
    expect(code).toBe(2)
    expect(oneLine(stderr)).toMatch(
      new RegExp(`^error: Invalid MCP configuration \\(${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): invalid JSON at line 4, column 3: `)
    )
    const wrong = writeConfig({ mcpServers: { weather: { url: "ftp://example.com" } } })
    const invalid = await baton(["mcp", "list", "--config", wrong])
    expect(invalid.code).toBe(2)
    expect(oneLine(invalid.stderr)).toBe(
      `error: Invalid MCP configuration (${wrong}): mcpServers.weather.url: must be an http:// or https:// URL`
    )
  })

  it("shows examples and exit codes in its help", async () => {
    const { code, stdout } = await baton(["mcp", "call", "--help"])
    expect(code).toBe(0)
    expect(stdout).toContain("Usage: baton mcp call [options] <server> <tool> [json]")
    expect(stdout).toContain("Examples:\n  $ baton mcp call weather forecast ")
    expect(stdout).toContain("Exit codes: 0")
  })
})
