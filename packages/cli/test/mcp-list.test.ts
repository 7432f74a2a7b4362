import { describe, expect, it } from "@effect/vitest"
import { baton, stdioMock, writeConfig } from "./support.js"

const flightTools = ["search_flights", "get_offer_details", "check_availability", "reserve", "cancel_reservation"]

// Two instances of one mock, and a server that cannot start.
const mixed = writeConfig({
  mcpServers: {
    flights: stdioMock("flights", { instances: 2 }),
    ghost: { command: "baton-no-such-command" }
  }
})

describe("baton mcp list", () => {
  it("prints each server's instances and health, its tools without _control, and why a server is down; exits 1", async () => {
    const { code, stderr, stdout } = await baton(["mcp", "list", "--config", mixed])
    expect(stderr).toBe("")
    expect(code).toBe(1)
    const lines = stdout.split("\n")
    expect(lines[0]).toMatch(/^SERVER +HEALTH +INSTANCES +TOOLS$/)
    expect(lines[1]).toMatch(/^flights +1\.00 +flights#0 up, pid \d+; flights#1 up, pid \d+ +5$/)
    expect(lines[2]).toMatch(/^ghost +0\.00 +ghost#0 down +-$/)
    expect(lines[3]).toBe("  ✗ ghost#0: spawn baton-no-such-command ENOENT")
    expect(lines).toContain("")
    expect(lines.filter((line) => line.startsWith("flights.")).map((line) => line.split(/ +/)[0])).toEqual(
      flightTools.map((tool) => `flights.${tool}`)
    )
    expect(stdout).toMatch(/^flights\.search_flights +yes +Search flight offers between two airports/m)
    expect(stdout).toMatch(/^flights\.reserve +no +Reserve an offer/m)
    expect(stdout).not.toContain("_control")
    expect(lines.at(-2)).toBe(`2 servers in ${mixed}, 1 could not be reached.`)
  })

  it("prints the same as JSON with --json, with each tool's input schema", async () => {
    const { code, stdout } = await baton(["mcp", "list", "--json", "--config", mixed])
    expect(code).toBe(1)
    const listing = JSON.parse(stdout)
    expect(listing.config).toBe(mixed)
    const [flights, ghost] = listing.servers
    expect(flights).toMatchObject({ name: "flights", health: 1, reachable: true })
    expect(flights.instances.map((instance: { id: string; connected: boolean }) => [instance.id, instance.connected])).toEqual([
      ["flights#0", true],
      ["flights#1", true]
    ])
    expect(flights.tools.map((tool: { name: string }) => tool.name)).toEqual(flightTools)
    expect(flights.tools[0].inputSchema.required).toEqual(expect.arrayContaining(["origin", "destination", "departure_date"]))
    expect(ghost).toMatchObject({ name: "ghost", health: 0, reachable: false, tools: null })
    expect(ghost.instances[0].lastError).toContain("ENOENT")
  })

  it("lists the repository's six mock services from its baton.config.json, out of the box", async () => {
    const { code, stderr, stdout } = await baton(["mcp", "list", "--json"], { timeoutMs: 60_000 })
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const listing = JSON.parse(stdout)
    expect(listing.servers.map((server: { name: string; reachable: boolean }) => [server.name, server.reachable])).toEqual([
      ["flights", true],
      ["accommodations", true],
      ["weather", true],
      ["maps", true],
      ["activities", true],
      ["payments", true]
    ])
  }, 60_000)

  it("says so when the config has no servers", async () => {
    const { code, stdout } = await baton(["mcp", "list", "--config", writeConfig({ mcpServers: {} })])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^No MCP servers are configured in .*baton\.config\.json \("mcpServers" is empty\)\.\n$/)
  })
})
