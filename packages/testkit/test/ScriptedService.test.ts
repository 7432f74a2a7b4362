import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as ScriptedService from "../src/ScriptedService.js"
import { call, connect, data, settle } from "./support.js"

describe("ScriptedService", () => {
  it.scoped("answers the expected calls in order, lists their tools and records the calls", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({
        name: "flights",
        steps: [
          { tool: "search_flights", args: { origin: "LHR" }, respond: { offers: [{ id: "off_1" }] } },
          { tool: "reserve", args: (args) => args["offer_id"] === "off_1", respond: { reservation: { id: "rsv_1" } } },
          { tool: "reserve", result: { content: [{ type: "text", text: "sold out" }], isError: true } }
        ],
        tools: [{ name: "cancel_reservation", description: "Cancel" }]
      })
      const client = yield* connect(yield* script.connect)
      const { tools } = yield* Effect.promise(() => client.listTools())
      expect(tools.map((t) => t.name)).toEqual(["search_flights", "reserve", "cancel_reservation"])
      expect(data(yield* call(client, "search_flights", { origin: "LHR", destination: "JFK" }))).toEqual({
        offers: [{ id: "off_1" }]
      })
      expect(data(yield* call(client, "reserve", { offer_id: "off_1" }))).toEqual({ reservation: { id: "rsv_1" } })
      expect((yield* call(client, "reserve", { offer_id: "off_2" })).isError).toBe(true)
      expect(yield* script.calls).toEqual([
        { tool: "search_flights", args: { origin: "LHR", destination: "JFK" } },
        { tool: "reserve", args: { offer_id: "off_1" } },
        { tool: "reserve", args: { offer_id: "off_2" } }
      ])
      yield* script.assertComplete
    }))

  it.scoped("fails an unexpected call, and assertComplete reports it", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({ steps: [{ tool: "search", args: { location: "Paris" } }] })
      const client = yield* connect(yield* script.connect)
      const wrong = yield* Effect.either(call(client, "search", { location: "Rome" }))
      expect(Either.isLeft(wrong) && wrong.left instanceof McpError && wrong.left.code).toBe(
        ScriptedService.unexpectedCallCode
      )
      expect(data(yield* call(client, "search", { location: "Paris" }))).toEqual({})
      const extra = yield* Effect.either(call(client, "search", { location: "Paris" }))
      expect(Either.isLeft(extra) && extra.left.message).toContain("after its script was exhausted")
      const verdict = yield* Effect.flip(script.assertComplete)
      expect(verdict._tag).toBe("UnexpectedCall")
      expect(verdict.message).toBe(
        `Scripted service "scripted" got search({"location":"Rome"}) but expected search({"location":"Paris"}).`
      )
    }))

  it.scoped("assertComplete fails while steps are left", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({ steps: [{ tool: "geocode" }, { tool: "route", args: { mode: "walking" } }] })
      const client = yield* connect(yield* script.connect)
      yield* call(client, "geocode", { query: "Paris" })
      const verdict = yield* Effect.flip(script.assertComplete)
      expect(verdict).toMatchObject({ _tag: "ScriptIncomplete", remaining: [`route({"mode":"walking"})`] })
      expect(verdict.message).toContain("has 1 step(s) left")
    }))

  it.scoped("plays faults as steps: errors, latency on the test clock, hangs", () =>
    Effect.gen(function*() {
      const script = yield* ScriptedService.make({
        steps: [
          { tool: "process", fault: "error:rate-limit(750)" },
          { tool: "process", fault: { _tag: "Latency", distribution: { _tag: "Fixed", ms: 200 } }, respond: { ok: true } },
          { tool: "process", fault: "hang" }
        ]
      })
      const client = yield* connect(yield* script.connect)
      const limited = yield* Effect.either(call(client, "process"))
      expect(Either.isLeft(limited) && (limited.left as McpError).data).toEqual({ retryAfterMs: 750 })
      const slow = yield* Effect.fork(call(client, "process"))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(slow))).toBe(true)
      yield* TestClock.adjust("200 millis")
      expect(data(yield* Fiber.join(slow))).toEqual({ ok: true })
      const abort = new AbortController()
      const hung = yield* Effect.fork(Effect.either(call(client, "process", {}, { signal: abort.signal })))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(hung))).toBe(true)
      abort.abort()
      expect(Either.isLeft(yield* Fiber.join(hung))).toBe(true)
      yield* script.assertComplete
    }))

  it.effect("refuses a step whose fault does not parse", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(ScriptedService.make({ steps: [{ tool: "x", fault: "hang@0.5" }] })))
      expect(error.message).toContain("expected exactly one fault")
    }))
})
