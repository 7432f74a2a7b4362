import { Degradation, ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Destination from "../src/agents/Destination.js"
import { arrivedFrom, handle, inputFor, lisbonTrip, recordingGateway, services } from "./fixtures.js"

/** The in-process services, but `down` answers every call with a JSON-RPC error. */
const withDown = (down: string) =>
  Layer.effect(
    ToolGateway.ToolGateway,
    Effect.map(ToolGateway.ToolGateway, (inner) => ({
      invoke: (call: ToolGateway.ToolCall) =>
        call.service === down
          ? Effect.fail(new ToolGateway.ToolProtocolError({ service: down, tool: call.tool, code: -32050, detail: "overloaded" }))
          : inner.invoke(call)
    }))
  ).pipe(Layer.provide(services))

describe("Destination", () => {
  it.effect("answers with the forecast for the dates and things to do", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(
        Destination.agent,
        inputFor("Hi!", lisbonTrip, { arrival: arrivedFrom("triage", "destination", lisbonTrip) })
      )
      expect(outcome._tag).toBe("Reply")
      expect(outcome).toHaveProperty(
        "text",
        expect.stringMatching(/^Lisbon \(LIS\), 10 Dec 2026 to 17 Dec 2026: highs of \d+–\d+°C, lows of \d+–\d+°C, rain on \d of 8 days\./)
      )
      expect(outcome).toHaveProperty("text", expect.stringContaining("Things to do:\n1) Day hike near Lisbon — outdoor, "))
    }))

  it.effect("asks the weather for at most the days one forecast covers", () =>
    Effect.gen(function*() {
      const gateway = recordingGateway()
      const month = { ...lisbonTrip, returnDate: "2027-01-10" }
      yield* Destination.agent.handle(inputFor("Tell me about Lisbon", month)).pipe(Effect.provide(gateway.layer))
      expect(gateway.calls.find((call) => call.service === "weather")?.args).toEqual({
        location: "Lisbon",
        start_date: "2026-12-10",
        end_date: "2026-12-25",
        units: "metric"
      })
    }))

  it.effect("lists things to do and asks for dates when there are none", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Destination.agent, inputFor("Tell me about Tokyo", { travellers: 1 }))
      expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining("tell me your dates") })
      expect(outcome).toHaveProperty("text", expect.stringMatching(/Things to do:\n1\) .+\n2\) .+\n3\) .+/))
    }))

  it.effect("answers without a part whose service is down, says so in plain words, and records what was left out", () =>
    Effect.gen(function*() {
      for (const [down, said, kept] of [
        ["weather", "the weather service is unavailable right now, so there is no forecast here", "Things to do:\n1) "],
        ["activities", "Things to do: the activities service is unavailable right now", "Lisbon (LIS), 10 Dec 2026 to 17 Dec 2026: highs"]
      ] as const) {
        const [outcome, notes] = yield* Degradation.collect(
          Destination.agent.handle(inputFor("What's the weather like?", lisbonTrip)).pipe(Effect.provide(withDown(down)))
        )
        expect(outcome).toMatchObject({ _tag: "Reply", text: expect.stringContaining(said) })
        expect(outcome).toHaveProperty("text", expect.stringContaining(kept))
        expect(notes).toMatchObject([{ kind: "omitted", service: down }])
        // The reply says it already: nothing is appended at the end of the turn.
        expect(Degradation.untold(notes, (outcome as { text: string }).text)).toEqual([])
      }
    }))

  it.effect("passes a flight request on to Flights", () =>
    Effect.gen(function*() {
      const outcome = yield* handle(Destination.agent, inputFor("Can we fly there?", lisbonTrip))
      expect(outcome).toMatchObject({ _tag: "Handoff", to: "flights", mode: "transfer" })
    }))
})
