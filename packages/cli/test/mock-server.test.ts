import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { baton, httpMock, nodeArgs, root, stdioMock, stop, writeConfig } from "./support.js"

const search = { origin: "LHR", destination: "LIS", departure_date: "2026-12-10", adults: 2, currency: "GBP" }

describe("baton mock-server --stdio", () => {
  it("is driven by baton mcp call through an mcpServers command entry", async () => {
    const config = writeConfig({ mcpServers: { flights: stdioMock("flights") } })
    const { code, stderr, stdout } = await baton(["mcp", "call", "flights", "search_flights", JSON.stringify(search), "--config", config])
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.currency).toBe("GBP")
    expect(result.passengers).toEqual({ adults: 2, children: 0, infants: 0 })
    expect(result.offers.length).toBeGreaterThanOrEqual(4)
    const prices = result.offers.map((offer: { price: { amount: number } }) => offer.price.amount)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))
    expect(result.offers[0].slices[0]).toMatchObject({ origin: "LHR", destination: "LIS" })
  })

  it("writes nothing but JSON-RPC messages to standard output", async () => {
    const child = spawn(process.execPath, nodeArgs(["mock-server", "flights", "--stdio"]), { cwd: root })
    let stdout = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`)
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } }
    })
    send({ jsonrpc: "2.0", method: "notifications/initialized" })
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" })
    await new Promise<void>((resolve) => {
      const done = () => (/"id":2\b/.test(stdout) ? resolve() : undefined)
      child.stdout.on("data", done)
    })
    child.stdin.end()
    expect(await exited).toBe(0)
    const messages = stdout.trimEnd().split("\n").map((line) => JSON.parse(line))
    expect(messages.every((message) => message.jsonrpc === "2.0")).toBe(true)
    expect(messages.map((message) => message.id)).toEqual([1, 2])
    expect(messages[1].result.tools.map((tool: { name: string }) => tool.name)).toContain("search_flights")
  })
})

describe("baton mock-server --http 0", () => {
  it("announces its URL, and baton mcp call reaches it through an mcpServers url entry", async () => {
    const { child, url } = await httpMock("weather")
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
      const config = writeConfig({ mcpServers: { weather: { url } } })
      const args = { location: "Reykjavik", start_date: "2027-01-10", end_date: "2027-01-12" }
      const { code, stderr, stdout } = await baton(["mcp", "call", "weather", "forecast", JSON.stringify(args), "--config", config])
      expect(stderr).toBe("")
      expect(code).toBe(0)
      const result = JSON.parse(stdout)
      expect(result.location).toMatchObject({ name: "Reykjavik", country: "IS" })
      expect(result.days.map((day: { date: string }) => day.date)).toEqual(["2027-01-10", "2027-01-11", "2027-01-12"])
    } finally {
      await stop(child)
    }
  })
})
