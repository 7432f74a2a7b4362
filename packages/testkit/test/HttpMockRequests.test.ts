/**
 * What the HTTP mock accepts before any MCP or control logic runs: requests
 * addressed to it on loopback (DNS-rebinding protection, as the Streamable
 * HTTP transport requires of servers), JSON it can parse, and, when told, a
 * required Authorization header.
 */
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data } from "./support.js"

interface Answer {
  readonly status: number
  readonly body: any
}

/** A raw POST, so that Host and Origin are exactly what the test says. */
const post = (port: number, path: string, body: string, headers: Readonly<Record<string, string>> = {}) =>
  Effect.promise(() =>
    new Promise<Answer>((resolve, reject) => {
      const request = Http.request({
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: {
          host: `127.0.0.1:${port}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers
        }
      }, (response) => {
        let text = ""
        response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
        response.on("end", () => {
          const json = text.startsWith("event:") ? JSON.parse(/^data: (.*)$/m.exec(text)![1]!) : JSON.parse(text)
          resolve({ status: response.statusCode!, body: json })
        })
      })
      request.on("error", reject)
      request.end(body)
    })
  )

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } }
})
const stats = JSON.stringify({ action: "stats" })
const deep = "[".repeat(200_000) + "]".repeat(200_000)

const forbidden = (answer: Answer) => {
  expect(answer.status).toBe(403)
  expect(answer.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32000 } })
  return answer.body.error.message as string
}

const parseError = (answer: Answer) => {
  expect(answer.status).toBe(400)
  expect(answer.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } })
  return answer.body.error.message as string
}

describe("the HTTP mock's request checks", () => {
  it.scoped("answers 403 to a Host that is not its loopback name and port, on /mcp and /control", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.weather)
      const port = server.port
      for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1:${port + 1}`, "127.0.0.1", `192.168.1.1:${port}`]) {
        expect(forbidden(yield* post(port, "/mcp", initialize, { host }))).toContain("Host")
        expect(forbidden(yield* post(port, "/control", stats, { host }))).toContain("Host")
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        expect((yield* post(port, "/mcp", initialize, { host })).status).toBe(200)
        expect((yield* post(port, "/control", stats, { host })).status).toBe(200)
      }
      // Refused requests never reached the mock: only the accepted initializations opened sessions.
      expect((yield* server.stats).connections).toBe(3)
    }))

  it.scoped("answers 403 to an Origin that is not a loopback origin; none, or a loopback one, is served", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.weather)
      for (const origin of ["http://evil.example", "https://127.0.0.1.evil.example", "null", "file://", "not a url"]) {
        expect(forbidden(yield* post(server.port, "/mcp", initialize, { origin }))).toContain("Origin")
        expect(forbidden(yield* post(server.port, "/control", stats, { origin }))).toContain("Origin")
      }
      for (const origin of ["http://localhost:5173", "http://127.0.0.1:8080", "https://localhost", "http://[::1]:3000"]) {
        expect((yield* post(server.port, "/mcp", initialize, { origin })).status).toBe(200)
        expect((yield* post(server.port, "/control", stats, { origin })).status).toBe(200)
      }
    }))

  it.scoped("answers malformed or too deeply nested JSON with a -32700 parse error on both endpoints, and keeps serving", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.weather)
      expect(parseError(yield* post(server.port, "/mcp", "{not json"))).toMatch(/^Parse error/)
      expect(parseError(yield* post(server.port, "/control", "{not json"))).toMatch(/^Parse error/)
      expect(parseError(yield* post(server.port, "/mcp", deep))).toContain("levels deep")
      expect(parseError(yield* post(server.port, "/control", `{"action":"set_faults","faults":${deep}}`))).toContain(
        "levels deep"
      )
      const client = yield* connect(new StreamableHTTPClientTransport(new URL(server.url)))
      const forecast = yield* call(client, "forecast", { location: "Lisbon", start_date: "2026-12-10", end_date: "2026-12-11" })
      expect(data(forecast).days).toHaveLength(2)
    }))

  it.scoped("with an authorization option, answers 401 to requests without that header and serves those with it", () =>
    Effect.gen(function*() {
      const authorization = `Basic ${Buffer.from("alice:s3cret").toString("base64")}`
      const server = yield* MockServer.serveHttp(MockServices.weather, { authorization })
      const refused = yield* post(server.port, "/mcp", initialize)
      expect(refused.status).toBe(401)
      expect(refused.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32000 } })
      expect((yield* post(server.port, "/control", stats, { authorization: "Basic d3Jvbmc=" })).status).toBe(401)
      expect((yield* post(server.port, "/mcp", initialize, { authorization })).status).toBe(200)
      expect((yield* post(server.port, "/control", stats, { authorization })).status).toBe(200)
    }))
})
