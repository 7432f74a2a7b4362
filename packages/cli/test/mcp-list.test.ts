import { MockServer, MockServices } from "@baton/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
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
  })

  it("says so when the config has no servers", async () => {
    const { code, stdout } = await baton(["mcp", "list", "--config", writeConfig({ mcpServers: {} })])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^No MCP servers are configured in .*baton\.config\.json \("mcpServers" is empty\)\.\n$/)
  })
})

// Credentials of every kind a config may hold; none may be printed.
const password = "pw-7Hq2xZ"
const apiKey = "key-9Lm4"
const argSecret = "arg-3Kd8"
const envSecret = "env-5Rt1"
const secrets = ["alice", password, apiKey, argSecret, envSecret]
const basic = `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`
const withCredentials = (port: number) => `http://alice:${password}@127.0.0.1:${port}/mcp?api_key=${apiKey}`
const shown = (port: number) => `http://***@127.0.0.1:${port}/mcp?api_key=***`

/** A port nothing listens on. */
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = Http.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
)

const expectNoSecret = (output: string) => {
  for (const secret of secrets) expect(output).not.toContain(secret)
}

describe("baton mcp list with credentials in the config", () => {
  it.scoped("connects to a URL with userinfo (sent as Basic authorization) and shows it without credentials, as a table and as JSON", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.weather, { authorization: basic })
      const config = writeConfig({ mcpServers: { weather: { url: withCredentials(server.port) } } })
      const table = yield* Effect.promise(() => baton(["mcp", "list", "--config", config]))
      expect(table.stderr).toBe("")
      expect(table.code).toBe(0)
      expect(table.stdout.split("\n")[1]!.split(/ {2,}/)).toEqual(["weather", "1.00", `${shown(server.port)} up`, "1"])
      expectNoSecret(table.stdout)
      const json = yield* Effect.promise(() => baton(["mcp", "list", "--json", "--config", config]))
      expect(json.code).toBe(0)
      const [weather] = JSON.parse(json.stdout).servers
      expect(weather).toMatchObject({ name: "weather", reachable: true, address: shown(server.port) })
      expect(weather.instances[0].id).toBe(shown(server.port))
      expectNoSecret(json.stdout)
    }))

  it.scoped("shows neither URL credentials, secret-looking arguments nor environment values of servers it cannot reach", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const config = writeConfig({
        mcpServers: {
          remote: { url: withCredentials(port) },
          local: { command: "baton-no-such-command", args: ["--api-key", argSecret, "--verbose"], env: { API_KEY: envSecret } }
        }
      })
      const table = yield* Effect.promise(() => baton(["mcp", "list", "--config", config]))
      expect(table.code).toBe(1)
      expect(table.stdout).toContain(`✗ ${shown(port)}: `)
      expectNoSecret(table.stdout + table.stderr)
      const json = yield* Effect.promise(() => baton(["mcp", "list", "--json", "--config", config]))
      expect(json.code).toBe(1)
      const [remote, local] = JSON.parse(json.stdout).servers
      expect(remote).toMatchObject({ address: shown(port), reachable: false })
      expect(local).toMatchObject({ address: "baton-no-such-command --api-key *** --verbose (env: API_KEY)", reachable: false })
      expectNoSecret(json.stdout + json.stderr)
    }))
})

