import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpConfig } from "../src/index.js"

const directory = mkdtempSync(Path.join(tmpdir(), "baton-mcp-config-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let files = 0
const file = (text: string) => {
  const path = Path.join(directory, `config-${files++}.json`)
  writeFileSync(path, text)
  return path
}

const reasonOf = (path: string) => Effect.map(Effect.flip(McpConfig.load(path)), (error) => error.reason)

describe("McpConfig", () => {
  it.effect("loads the ecosystem's shape with Baton's extensions", () =>
    Effect.gen(function*() {
      const path = file(JSON.stringify({
        mcpServers: {
          flights: {
            command: "node",
            args: ["flights.js"],
            env: { API_KEY: "x" },
            cwd: "servers",
            instances: 3,
            policy: {
              timeoutMs: 5_000,
              retry: { maxRetries: 3 },
              breaker: { trip: { _tag: "ConsecutiveFailures", threshold: 5 } },
              bulkhead: { maxConcurrent: 8 }
            },
            fallback: ["hotels"],
            readOnlyTools: ["search_flights"],
            cacheTtlMs: 30_000,
            loadBalancing: "power-of-two"
          },
          hotels: { url: "http://127.0.0.1:9000/mcp", instances: ["http://127.0.0.1:9000/mcp", "http://127.0.0.1:9001/mcp"] }
        }
      }))
      const config = yield* McpConfig.load(path)
      expect(config.mcpServers.flights).toMatchObject({
        command: "node",
        instances: 3,
        cwd: Path.join(directory, "servers"),
        policy: { timeoutMs: 5_000 },
        loadBalancing: "power-of-two"
      })
      expect(config.mcpServers.hotels).toMatchObject({ url: "http://127.0.0.1:9000/mcp" })
    }))

  it.effect("reads per-tool caching and names a malformed tag template", () =>
    Effect.gen(function*() {
      const tools = {
        check_availability: { cacheTtlMs: 30_000, tags: ["availability:{offer_id}"], warm: [{ offer_id: "off_1" }] },
        reserve: { invalidates: ["availability:{offer_id}", "availability:{result.reservation.offer_id}"] }
      }
      const config = yield* McpConfig.decode({ mcpServers: { flights: { command: "flights", tools } } })
      expect(config.mcpServers.flights!.tools).toEqual(tools)
      const error = yield* Effect.flip(McpConfig.decode({
        mcpServers: { flights: { command: "flights", tools: { reserve: { invalidates: ["availability:{offer_id"] } } } }
      }))
      expect(error.reason).toContain("mcpServers.flights.tools.reserve.invalidates.0: must be a tag template")
      const unknown = yield* Effect.flip(McpConfig.decode({
        mcpServers: { flights: { command: "flights", tools: { reserve: { ttl: 5 } } } }
      }))
      expect(unknown.reason).toContain("mcpServers.flights.tools.reserve.ttl: unknown key")
    }))

  it.effect("names a missing file", () =>
    Effect.gen(function*() {
      const path = Path.join(directory, "absent.json")
      const error = yield* Effect.flip(McpConfig.load(path))
      expect(error).toMatchObject({ _tag: "McpConfigError", path, reason: "file not found" })
      expect(error.message).toBe(`Invalid MCP configuration (${path}): file not found`)
    }))

  it.effect("gives the line and column of bad JSON", () =>
    Effect.gen(function*() {
      expect(yield* reasonOf(file(`{\n  "mcpServers": {\n    "a": { "command": "x", }\n  }\n}`))).toMatch(
        /^it is not valid JSON at line 3, column 28: /
      )
      // V8 states no position for this one; it is found anyway.
      expect(yield* reasonOf(file(`{"mcpServers": }`))).toMatch(/^it is not valid JSON at line 1, column 16: /)
      expect(yield* reasonOf(file(`{"mcpServers": {`))).toMatch(/^it is not valid JSON at line 1, column 17: /)
    }))

  it.effect("names the field of each schema issue", () =>
    Effect.gen(function*() {
      const reason = yield* reasonOf(file(JSON.stringify({
        mcpServers: {
          a: { command: "x", instances: 0 },
          b: { url: "ftp://example.com" },
          c: { command: "x", policy: { timeoutMs: "fast" } },
          d: { args: ["x"] },
          e: { command: "x", instanse: 2 },
          f: { command: "x", url: "http://example.com" },
          g: { command: "x", fallback: ["nobody", "g"] }
        }
      })))
      const issues = reason.split("; ")
      expect(issues).toContain("mcpServers.a.instances: Expected a number greater than or equal to 1, actual 0")
      expect(issues).toContain("mcpServers.b.url: must be an http:// or https:// URL")
      expect(issues).toContain(`mcpServers.c.policy.timeoutMs: Expected number, actual "fast"`)
      expect(issues).toContain(
        `mcpServers.d: needs "command" (a process to spawn over stdio) or "url" (a Streamable HTTP endpoint)`
      )
      expect(issues).toContain("mcpServers.e.instanse: unknown key")
      expect(issues).toContain(`mcpServers.f: has both "command" and "url", but a server is one or the other`)
      expect(issues).toContain(`mcpServers.g.fallback: no server is named "nobody"`)
      expect(issues).toContain("mcpServers.g.fallback: a server cannot fall back to itself")
      expect(issues).toHaveLength(8)
    }))

  it.effect("refuses JSON nested 200,000 levels deep with McpConfigError naming the file, in a file or in a value", () =>
    Effect.gen(function*() {
      const deep = "[".repeat(200_000) + "]".repeat(200_000)
      const path = file(`{"mcpServers": {"a": {"command": "x", "env": {"K": ${deep}}}}}`)
      const error = yield* Effect.flip(McpConfig.load(path))
      expect(error).toMatchObject({ _tag: "McpConfigError", path })
      expect(error.reason).toMatch(/^it nests more than 100 levels deep/)
      const value = JSON.parse(`{"mcpServers": {"a": {"command": "x", "env": {"K": ${deep}}}}}`) as unknown
      const decoded = yield* Effect.flip(McpConfig.decode(value, "inline.json"))
      expect(decoded).toMatchObject({ _tag: "McpConfigError", path: "inline.json" })
      expect(decoded.reason).toBe("mcpServers.a.env.K: it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed")
    }))

  it.effect("never repeats the value of an env variable, a header, an argument or a URL in its issues", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(McpConfig.decode({
        mcpServers: {
          a: { command: "x", env: { API_KEY: 12345678 }, args: ["--token", 87654321] },
          b: { url: "http://127.0.0.1:1/mcp", headers: { Authorization: 11223344 }, instances: [44332211] },
          c: { url: 55667788 }
        }
      }))
      for (const secret of ["12345678", "87654321", "11223344", "44332211", "55667788"]) expect(error.reason).not.toContain(secret)
      expect(error.reason.split("; ")).toEqual(expect.arrayContaining([
        "mcpServers.a.env.API_KEY: Expected string",
        "mcpServers.a.args.1: Expected string",
        "mcpServers.b.headers.Authorization: Expected string"
      ]))
    }))

  it.effect("keeps V8's excerpt of the text, which may hold a secret, out of a JSON syntax error", () =>
    Effect.gen(function*() {
      const reason = yield* reasonOf(file(`{"mcpServers": {"a": {"command": "x", "env": {"TOKEN": sk-live-abc}}}}`))
      expect(reason).toMatch(/^it is not valid JSON at line 1, column \d+: /)
      expect(reason).not.toContain("sk-live")
    }))

  it.effect("wants an object of servers", () =>
    Effect.gen(function*() {
      expect(yield* reasonOf(file(`{"servers": {}}`))).toBe(`expected an object with "mcpServers"`)
      expect(yield* reasonOf(file(`{"mcpServers": []}`))).toBe("mcpServers: must be an object of servers by name")
    }))
})
