import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as FaultSpec from "../src/FaultSpec.js"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText, flightSearch, settle, twoAdults, waitUntil } from "./support.js"

const weatherArgs = { location: "Paris", start_date: "2026-06-01", end_date: "2026-06-02" }

const setup = (faults: string, seed = 1) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.make(MockServices.weather, { faults, seed })
    const client = yield* connect(yield* mock.connect)
    return { mock, client }
  })

const rpcError = (result: Either.Either<unknown, Error>) => {
  if (Either.isRight(result) || !(result.left instanceof McpError)) throw new Error(`expected an McpError, got ${String(result)}`)
  return result.left
}

/** Starts a call in the background and waits until the mock has it. */
const inFlight = (mock: MockServer.MockServer<unknown>, client: Client, tool: string, args: Record<string, unknown>) =>
  Effect.gen(function*() {
    const before = (yield* mock.stats).calls
    const fiber = yield* Effect.fork(Effect.either(call(client, tool, args)))
    yield* waitUntil(mock.stats, (s) => s.calls > before, "the call to reach the mock")
    return fiber
  })

describe("fault injection, observed by an SDK client", () => {
  it.scoped("latency holds the answer until the clock has moved by the delay", () =>
    Effect.gen(function*() {
      const { mock, client } = yield* setup("latency:fixed(500)")
      const fiber = yield* inFlight(mock, client, "forecast", weatherArgs)
      yield* TestClock.adjust("499 millis")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect((yield* mock.stats).tools["forecast"]).toEqual({ calls: 1, inFlight: 0, faults: { latency: 1 } })
    }))

  it.scoped("sampled latencies follow their distribution's bounds", () =>
    Effect.gen(function*() {
      const { mock, client } = yield* setup("latency:uniform(100,200)")
      for (let i = 0; i < 5; i++) {
        const fiber = yield* inFlight(mock, client, "forecast", weatherArgs)
        yield* TestClock.adjust("99 millis")
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("101 millis")
        expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      }
    }))

  it.scoped("a JSON-RPC error arrives with its code", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("error:rpc(-32042)")
      const error = rpcError(yield* Effect.either(call(client, "forecast", weatherArgs)))
      expect(error.code).toBe(-32042)
      expect(error.message).toContain("Injected fault")
    }))

  it.scoped("a tool error is an isError result", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("error:tool")
      expect(errorText(yield* call(client, "forecast", weatherArgs))).toContain("Injected fault")
    }))

  it.scoped("rate limiting carries retryAfterMs in the error data or in the result's _meta", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* setup("error:rate-limit(2000)")
      const error = rpcError(yield* Effect.either(call(client, "forecast", weatherArgs)))
      expect(error.code).toBe(FaultSpec.FaultCodes.rateLimited)
      expect(error.data).toEqual({ retryAfterMs: 2000 })
      yield* mock.setFaults("error:rate-limit(1500,result)")
      const result = yield* call(client, "forecast", weatherArgs)
      expect(result.isError).toBe(true)
      expect(result._meta).toEqual({ retryAfterMs: 1500 })
    }))

  it.scoped("a hang never answers; cancelling the call ends it on both sides", () =>
    Effect.gen(function*() {
      const { mock, client } = yield* setup("hang")
      const abort = new AbortController()
      const fiber = yield* Effect.fork(Effect.either(call(client, "forecast", weatherArgs, { signal: abort.signal })))
      yield* waitUntil(mock.stats, (s) => s.inFlight === 1, "the hung call")
      yield* TestClock.adjust("1 hour")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      abort.abort("test gave up")
      const error = rpcError(yield* Fiber.join(fiber))
      expect(error.message).toContain("test gave up")
      yield* waitUntil(mock.stats, (s) => s.inFlight === 0, "the mock to drop the cancelled call")
    }))

  it.scoped("a late answer comes only after the deadline has passed", () =>
    Effect.gen(function*() {
      const { mock, client } = yield* setup("late(1000,50)")
      const fiber = yield* inFlight(mock, client, "forecast", weatherArgs)
      yield* TestClock.adjust("1000 millis")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("50 millis")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
    }))

  it.scoped("a crash does the work, then closes the connection instead of answering", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.flights, { faults: "tool=reserve:crash" })
      const client = yield* connect(yield* mock.connect)
      let closed = false
      client.onclose = () => void (closed = true)
      const offer = data(yield* call(client, "search_flights", flightSearch)).offers[0]
      const request = { offer_id: offer.id, passengers: twoAdults, idempotency_key: "crash-test-1" }
      const error = rpcError(yield* Effect.either(call(client, "reserve", request)))
      expect(error.code).toBe(-32000)
      expect(closed).toBe(true)
      expect((yield* mock.state).reservations).toHaveLength(1)
      // The retry over a new connection replays the reservation instead of booking twice.
      yield* mock.clearFaults
      const retry = yield* connect(yield* mock.connect)
      const replayed = data(yield* call(retry, "reserve", request)).reservation
      expect((yield* mock.state).reservations).toEqual([replayed])
    }))

  it.scoped("flapping alternates up and down on its schedule, with the time left down as retryAfterMs", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("flap(100,50)")
      const outcome = Effect.map(Effect.either(call(client, "forecast", weatherArgs)), (r) =>
        Either.isRight(r) ? "up" : `down ${JSON.stringify(rpcError(r).data)} ${rpcError(r).code}`)
      const seen: Array<string> = []
      for (const step of [0, 99, 1, 49, 1, 99, 1]) {
        yield* TestClock.adjust(`${step} millis`)
        seen.push(yield* outcome)
      }
      const down = (ms: number) => `down {"retryAfterMs":${ms}} ${FaultSpec.FaultCodes.unavailable}`
      // t = 0, 99, 100, 149, 150, 249, 250
      expect(seen).toEqual(["up", "up", down(50), down(1), "up", "up", down(50)])
    }))

  it.scoped("a result that breaks its output schema is caught by the client's validation", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("malformed(schema)")
      yield* Effect.promise(() => client.listTools())
      const error = rpcError(yield* Effect.either(call(client, "forecast", weatherArgs)))
      expect(error.message).toContain("does not match the tool's output schema")
    }))

  it.scoped("invalid content fails the client's result parsing", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("malformed(content)")
      const result = yield* Effect.either(call(client, "forecast", weatherArgs))
      expect(Either.isLeft(result)).toBe(true)
    }))

  it.scoped("a truncated result has cut text and no structured content", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* setup("truncate(0.5)")
      const cut = yield* call(client, "forecast", weatherArgs)
      expect(cut.structuredContent).toBeUndefined()
      const text = (cut.content[0] as { text: string }).text
      expect(() => JSON.parse(text)).toThrow()
      yield* mock.clearFaults
      const whole = (yield* call(client, "forecast", weatherArgs)).content[0] as { text: string }
      expect(text).toBe(whole.text.slice(0, Math.floor(whole.text.length / 2)))
      yield* Effect.promise(() => client.listTools())
      yield* mock.setFaults("truncate")
      expect(rpcError(yield* Effect.either(call(client, "forecast", weatherArgs))).message).toContain(
        "did not return structured content"
      )
    }))

  it.scoped("a slow start holds the initialize until its time has passed", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.make(MockServices.weather, { faults: "slow-start(3000)" })
      const fiber = yield* Effect.fork(connect(yield* mock.connect))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("3 seconds")
      const client = yield* Fiber.join(fiber)
      // Connections after the start-up time are not held.
      expect(Either.isRight(yield* Effect.either(call(client, "forecast", weatherArgs)))).toBe(true)
      yield* connect(yield* mock.connect)
    }))

  it.scoped("rates fire a reproducible pattern for a seed, and only on the selected tool", () =>
    Effect.gen(function*() {
      const pattern = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const mock = yield* MockServer.make(MockServices.maps, { seed, faults: "tool=geocode:error:tool@0.5" })
          const client = yield* connect(yield* mock.connect)
          let fired = ""
          for (let i = 0; i < 24; i++) fired += (yield* call(client, "geocode", { query: "Paris" })).isError ? "x" : "."
          const route = yield* call(client, "route", { origin: "Paris", destination: "Amsterdam" })
          expect(route.isError).toBeUndefined()
          expect((yield* mock.stats).tools["geocode"]!.faults["tool-error"]).toBe(fired.split("x").length - 1)
          return fired
        }))
      const first = yield* pattern(11)
      expect(yield* pattern(11)).toBe(first)
      expect(yield* pattern(12)).not.toBe(first)
      expect(first).toMatch(/x/)
      expect(first).toMatch(/\./)
    }))

  it.scoped("rules for another service are ignored", () =>
    Effect.gen(function*() {
      const { client } = yield* setup("service=payments:error:tool")
      expect(data(yield* call(client, "forecast", weatherArgs)).days).toHaveLength(2)
    }))
})
