import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FaultSpec from "../src/FaultSpec.js"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { binArgs, exitCode, isAlive, repoRoot, spawnHttpMock } from "./processes.js"
import { call, connect, data, flightSearch, twoAdults, waitUntil } from "./support.js"

const stdioTransport = (args: ReadonlyArray<string>) =>
  new StdioClientTransport({ command: process.execPath, args: binArgs(args), cwd: repoRoot, stderr: "pipe" })

const inProcessSearch = (seed: number) =>
  Effect.scoped(Effect.gen(function*() {
    const mock = yield* MockServer.make(MockServices.flights, { seed })
    const client = yield* connect(yield* mock.connect)
    return data(yield* call(client, "search_flights", flightSearch))
  }))

const mcpError = (result: Either.Either<unknown, Error>) => {
  if (Either.isRight(result) || !(result.left instanceof McpError)) throw new Error(`expected an McpError, got ${String(result)}`)
  return result.left
}

const postControl = (url: string, body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url.replace(/\/mcp$/, "/control"), { method: "POST", body: JSON.stringify(body) })
    return { status: response.status, body: (await response.json()) as any }
  })

describe("mock servers out of process", () => {
  it.scoped("over stdio: same data as in process for the same seed, steered by _control, gone after close", () =>
    Effect.gen(function*() {
      const transport = stdioTransport(["flights", "--stdio", "--seed", "7"])
      const client = yield* connect(transport)
      const pid = transport.pid!
      expect(data(yield* call(client, "search_flights", flightSearch))).toEqual(yield* inProcessSearch(7))

      yield* call(client, "_control", { action: "set_faults", faults: "tool=search_flights:error:rpc(-32099)" })
      expect(mcpError(yield* Effect.either(call(client, "search_flights", flightSearch))).code).toBe(-32099)

      // A hang is ended by cancelling the call.
      yield* call(client, "_control", { action: "set_faults", faults: "hang" })
      const abort = new AbortController()
      const hung = yield* Effect.fork(Effect.either(call(client, "check_availability", { offer_id: "x" }, { signal: abort.signal })))
      const stats = Effect.map(call(client, "_control", { action: "stats" }), data)
      yield* waitUntil(stats, (s) => s.inFlight === 1, "the hung call")
      abort.abort("cancelled by test")
      expect(mcpError(yield* Fiber.join(hung)).message).toContain("cancelled by test")
      yield* waitUntil(stats, (s) => s.inFlight === 0, "the mock to drop the cancelled call")

      yield* Effect.promise(() => client.close())
      expect(isAlive(pid)).toBe(false)
    }))

  it.scoped("over stdio: a crash ends the process mid-call and the client sees the connection close", () =>
    Effect.gen(function*() {
      const transport = stdioTransport(["flights", "--stdio", "--faults", "tool=reserve:crash"])
      const client = yield* connect(transport)
      const pid = transport.pid!
      const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
      const crashed = yield* Effect.either(
        call(client, "reserve", { offer_id: offer.id, passengers: twoAdults, idempotency_key: "stdio-crash" })
      )
      expect(mcpError(crashed).code).toBe(-32000)
      yield* waitUntil(Effect.sync(() => isAlive(pid)), (alive) => !alive, "the crashed process to be gone")
    }))

  it.scoped("over HTTP: announces its port, takes POST /control, and exits with the crash code mid-call", () =>
    Effect.gen(function*() {
      const { child, url } = yield* spawnHttpMock(["flights", "--seed", "7"])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
      const client = yield* connect(new StreamableHTTPClientTransport(new URL(url)))
      expect(data(yield* call(client, "search_flights", flightSearch))).toEqual(yield* inProcessSearch(7))

      const set = yield* postControl(url, { action: "set_faults", faults: "tool=reserve:crash" })
      expect(set).toEqual({ status: 200, body: { faults: "tool=reserve:crash", rules: [{ fault: { _tag: "Crash" }, tool: "reserve", rate: 1 }] } })
      expect((yield* postControl(url, { action: "stats" })).body.tools.search_flights.calls).toBe(1)

      const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
      const exited = Effect.promise(() => exitCode(child))
      const reserving = yield* Effect.fork(
        Effect.either(call(client, "reserve", { offer_id: offer.id, passengers: twoAdults, idempotency_key: "http-crash" }))
      )
      expect(yield* exited).toBe(FaultSpec.crashExitCode)
      yield* Fiber.interrupt(reserving)
    }))
})

describe("MockServer.serveHttp in process", () => {
  it.scoped("binds 127.0.0.1 on a free port, serves MCP and /control, and frees the port on close", () =>
    Effect.gen(function*() {
      const { url, port } = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* MockServer.serveHttp(MockServices.payments, { seed: 2 })
        expect(server.url).toBe(`http://127.0.0.1:${server.port}/mcp`)
        const client = yield* connect(new StreamableHTTPClientTransport(new URL(server.url)))
        const charge = { amount: 10, currency: "EUR", card_token: "tok_visa", idempotency_key: "http-00001" }
        expect(data(yield* call(client, "process", charge)).payment.status).toBe("succeeded")

        expect((yield* postControl(server.url, { action: "set_faults", faults: "error:rpc(-32011)" })).status).toBe(200)
        expect(mcpError(yield* Effect.either(call(client, "process", charge))).code).toBe(-32011)
        expect((yield* server.faults)).toHaveLength(1)

        const state = yield* postControl(server.url, { action: "state" })
        expect(state.body.state.payments).toHaveLength(1)
        const bad = yield* postControl(server.url, { action: "set_faults", faults: "crash@3" })
        expect(bad.status).toBe(400)
        expect(bad.body.error).toContain("Invalid fault spec")
        const notFound = yield* Effect.promise(() => fetch(server.url.replace(/mcp$/, "nope")))
        expect(notFound.status).toBe(404)
        const noSession = yield* Effect.promise(() =>
          fetch(server.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) })
        )
        expect(noSession.status).toBe(400)
        expect((yield* server.stats).connections).toBe(1)
        return { url: server.url, port: server.port }
      }))
      expect(port).toBeGreaterThan(0)
      const after = yield* Effect.either(Effect.tryPromise(() => fetch(url, { method: "POST", body: "{}" })))
      expect(Either.isLeft(after)).toBe(true)
    }))

  it.scoped("a crash in process closes the session; a new session works and sees the state", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.serveHttp(MockServices.flights, { faults: "tool=reserve:crash" })
      const client = yield* connect(new StreamableHTTPClientTransport(new URL(server.url)))
      const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
      const request = { offer_id: offer.id, passengers: twoAdults, idempotency_key: "http-crash-2" }
      const crashing = yield* Effect.fork(Effect.either(call(client, "reserve", request)))
      yield* waitUntil(server.state, (s) => s.reservations.length === 1, "the reservation to be made")
      yield* waitUntil(server.stats, (s) => s.inFlight === 0, "the crash")
      yield* Fiber.interrupt(crashing)
      yield* server.clearFaults
      const fresh = yield* connect(new StreamableHTTPClientTransport(new URL(server.url)))
      expect(data(yield* call(fresh, "reserve", request)).reservation.id).toBe((yield* server.state).reservations[0]!.id)
      expect((yield* server.stats).connections).toBe(2)
    }))

  it.effect("reports a port in use as ServeFailed", () =>
    Effect.scoped(Effect.gen(function*() {
      const first = yield* MockServer.serveHttp(MockServices.weather)
      const error = yield* Effect.flip(MockServer.serveHttp(MockServices.weather, { port: first.port }))
      expect(error._tag).toBe("ServeFailed")
      expect(error.message).toContain("EADDRINUSE")
    })))
})
