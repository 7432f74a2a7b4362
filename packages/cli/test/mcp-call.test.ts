import { MockServer, MockServices } from "@baton/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
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
      new RegExp(`^error: Invalid MCP configuration \\(${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): it is not valid JSON at line 4, column 3: `)
    )
    const wrong = writeConfig({ mcpServers: { weather: { url: "ftp://example.com" } } })
    const invalid = await baton(["mcp", "list", "--config", wrong])
    expect(invalid.code).toBe(2)
    expect(oneLine(invalid.stderr)).toBe(
      `error: Invalid MCP configuration (${wrong}): mcpServers.weather.url: must be an http:// or https:// URL`
    )
  })

  it("exits 2 on arguments nested 50,000 levels deep, with one line, instead of crashing", async () => {
    const deep = `{"location":"Lisbon","start_date":"2026-12-10","end_date":"2026-12-12","x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`
    const { code, stderr, stdout } = await baton(["mcp", "call", "weather", "forecast", deep, "--config", weather])
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(oneLine(stderr)).toBe(
      "error: the tool's arguments must be a JSON object, like '{\"city\":\"Lisbon\"}': " +
        "it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed"
    )
  })

  it("exits 2 on a config file nested 200,000 levels deep, naming the file", async () => {
    const deep = writeConfig(`{"mcpServers": {"weather": {"command": "x", "env": {"K": ${"[".repeat(200_000)}${"]".repeat(200_000)}}}}}`)
    const { code, stderr } = await baton(["mcp", "call", "weather", "forecast", "--config", deep])
    expect(code).toBe(2)
    expect(oneLine(stderr)).toBe(
      `error: Invalid MCP configuration (${deep}): it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed`
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

const password = "pw-7Hq2xZ"
const apiKey = "key-9Lm4"
const basic = `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`
const withCredentials = (port: number) => `http://alice:${password}@127.0.0.1:${port}/mcp?api_key=${apiKey}`

describe("baton mcp call to a URL with credentials", () => {
  const forecast = JSON.stringify({ location: "Lisbon", start_date: "2026-12-10", end_date: "2026-12-11" })

  it.scoped("sends the URL's userinfo as Basic authorization and gets the tool's answer", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.weather, { authorization: basic })
      const config = writeConfig({ mcpServers: { weather: { url: withCredentials(server.port) } } })
      const { code, stderr, stdout } = yield* Effect.promise(() => baton(["mcp", "call", "weather", "forecast", forecast, "--config", config]))
      expect(stderr).toBe("")
      expect(code).toBe(0)
      expect(JSON.parse(stdout).days).toHaveLength(2)
    }))

  it.scoped("says why it cannot reach the server without showing its credentials", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = Http.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo
            server.close(() => resolve(port))
          })
        })
      )
      const config = writeConfig({ mcpServers: { weather: { url: withCredentials(port) } } })
      const { code, stderr } = yield* Effect.promise(() => baton(["mcp", "call", "weather", "forecast", forecast, "--config", config]))
      expect(code).toBe(1)
      expect(stderr).toMatch(
        new RegExp(`^error: cannot reach the MCP server "weather": http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/mcp\\?api_key=\\*\\*\\*: `)
      )
      for (const secret of ["alice", password, apiKey]) expect(stderr).not.toContain(secret)
    }))
})
