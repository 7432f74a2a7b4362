import { BatonApp, Conversation, Ids, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ScenarioPlayer from "../src/ScenarioPlayer.js"
import { app } from "./fixtures/misjudgedApp.js"

const conversation = Layer.provide(app.layer({ transport: "in-process" }), SessionStore.layerMemory)

describe("ScenarioPlayer.play", () => {
  it.effect("checks every expectation and fails the play on a missed one", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const played = yield* ScenarioPlayer.play(app.demo!, { onTurn: (turn) => Effect.sync(() => void seen.push(turn.index)) })
      expect(seen).toEqual([1, 2])
      expect(played.turns[0]!.checks.every((check) => check.met)).toBe(true)
      expect(played.turns[1]!.checks).toEqual([
        { expectation: "agent", expected: "greeter", actual: "helper", met: false },
        { expectation: "handoffs", expected: "none", actual: "greeter->helper", met: false }
      ])
      expect(played.summary).toMatchObject({
        turns: 2,
        handoffs: 1,
        nested: 0,
        contextsPreserved: true,
        expectationsMet: 2,
        expectations: 4,
        passed: false
      })
      expect(played.agentNames.get("helper")).toBe("Helper")
    }).pipe(Effect.provide(conversation)))

  it.effect("stops at a failed turn and says which", () =>
    Effect.gen(function*() {
      // The session belongs to another user, so the first turn is refused.
      const service = yield* Conversation.Conversation
      yield* service.turn("taken", "owner", "hello")
      const played = yield* ScenarioPlayer.play({ name: "intruder", userId: "intruder", sessionId: "taken", turns: [{ text: "hello" }] })
      expect(Option.map(played.failure, (failure) => [failure.index, failure.error._tag])).toEqual(Option.some([1, "Forbidden"]))
      expect(played.summary.passed).toBe(false)
    }).pipe(Effect.provide(conversation)))
})

describe("ScenarioPlayer.play across sessions", () => {
  it.effect("sends a turn in the session it names, as the scenario's user, and back in the scenario's after", () =>
    Effect.gen(function*() {
      const played = yield* ScenarioPlayer.play({
        name: "two sessions",
        userId: "tester",
        sessionId: "first",
        turns: [{ text: "hello" }, { text: "hello again", sessionId: "second" }, { text: "hello once more" }]
      })
      expect(played.turns.map((turn) => [turn.sessionId, turn.userId, turn.newSession])).toEqual([
        ["first", "tester", false],
        ["second", "tester", true],
        ["first", "tester", true]
      ])
      expect(played.turns.map((turn) => turn.result.sessionId)).toEqual(["first", "second", "first"])
      const service = yield* Conversation.Conversation
      const histories = yield* Effect.forEach(["first", "second"], (id) => service.session(id, "tester"))
      expect(histories.map((session) => Option.map(session, (s) => s.context.history.filter((m) => m.role === "user").length)))
        .toEqual([Option.some(2), Option.some(1)])
    }).pipe(Effect.provide(conversation)))

  it.effect("a failed turn says which session it was sent in", () =>
    Effect.gen(function*() {
      const service = yield* Conversation.Conversation
      yield* service.turn("someone-elses", "owner", "hello")
      const played = yield* ScenarioPlayer.play({
        name: "intruder",
        userId: "tester",
        sessionId: "mine",
        turns: [{ text: "hello" }, { text: "hello", sessionId: "someone-elses" }]
      })
      expect(Option.map(played.failure, (failure) => [failure.index, failure.sessionId, failure.error._tag]))
        .toEqual(Option.some([2, "someone-elses", "Forbidden"]))
    }).pipe(Effect.provide(conversation)))
})

// An injector for weather and flights that takes any spec but "bad", logs what it is asked, and
// fails to set or clear the services it is told to.
const loggingInjector = (log: Array<string>, failing: { readonly set?: string; readonly clear?: string } = {}) =>
  Layer.succeed(BatonApp.FaultInjector, {
    services: ["weather", "flights"],
    validate: (service, spec) =>
      spec === "bad"
        ? Either.left(new BatonApp.InvalidFault({ service, spec, reason: `"bad" is no fault` }))
        : Either.void,
    set: (service, spec) =>
      service === failing.set
        ? Effect.fail(new Error(`${service} is not answering`))
        : Effect.sync(() => void log.push(`set ${service} ${spec}`)),
    clear: (service) =>
      service === failing.clear
        ? Effect.fail(new Error(`${service} is not answering`))
        : Effect.sync(() => void log.push(`clear ${service}`))
  })

describe("ScenarioPlayer.play with faults", () => {
  it.effect("sets a turn's faults through the app's injector before the turn and clears them after it", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const injector = loggingInjector(log)
      const played = yield* ScenarioPlayer.play({
        name: "degraded",
        userId: "u",
        sessionId: "degraded",
        turns: [
          { text: "hello" },
          { text: "hello again", faults: { weather: "error:rpc(-32050)@1", flights: "latency:fixed(5)" } },
          { text: "and again" }
        ]
      }, { onTurn: (turn) => Effect.sync(() => void log.push(`turn ${turn.index}`)) }).pipe(Effect.provide(injector))
      expect(log).toEqual([
        "turn 1",
        "set weather error:rpc(-32050)@1",
        "set flights latency:fixed(5)",
        "clear weather",
        "clear flights",
        "turn 2",
        "turn 3"
      ])
      expect(played.turns.map((turn) => turn.faults)).toEqual([
        undefined,
        { weather: "error:rpc(-32050)@1", flights: "latency:fixed(5)" },
        undefined
      ])
    }).pipe(Effect.provide(conversation)))

  it.effect("plays a turn's faults as no faults when the app provides no injector", () =>
    Effect.gen(function*() {
      const played = yield* ScenarioPlayer.play({
        name: "no injector",
        userId: "u",
        sessionId: "no-injector",
        turns: [{ text: "hello", faults: { weather: "crash" } }]
      })
      expect(played.turns[0]!.faults).toBeUndefined()
      expect(Option.isNone(played.failure)).toBe(true)
    }).pipe(Effect.provide(conversation)))

  it.effect("fails a turn whose fault the app does not inject, without sending it, and clears what was set", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const played = yield* ScenarioPlayer.play({
        name: "injection fails",
        userId: "u",
        sessionId: "not-injected",
        turns: [
          { text: "hello" },
          { text: "hello again", faults: { weather: "hang", flights: "crash" } },
          { text: "and again" }
        ]
      }).pipe(Effect.provide(loggingInjector(log, { set: "flights" })))
      expect(played.turns.map((turn) => turn.index)).toEqual([1])
      if (Option.isNone(played.failure)) return expect.fail("the turn was played as if its faults were injected")
      expect(played.failure.value.index).toBe(2)
      expect(played.failure.value.error._tag).toBe("FaultNotInjected")
      expect(played.failure.value.error.message).toBe(
        `the fault "crash" could not be injected into flights (flights is not answering); the turn was not sent`
      )
      expect(played.summary.passed).toBe(false)
      expect(log).toEqual(["set weather hang", "clear weather", "clear flights"])
      const service = yield* Conversation.Conversation
      const session = yield* service.session("not-injected", "u")
      expect(Option.map(session, (state) => state.context.history.filter((message) => message.role === "user").length))
        .toEqual(Option.some(1))
    }).pipe(Effect.provide(conversation)))

  it.effect("stops the play when a turn's faults cannot be cleared, since later turns would run with them", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const played = yield* ScenarioPlayer.play({
        name: "clearing fails",
        userId: "u",
        sessionId: "not-cleared",
        turns: [{ text: "hello", faults: { weather: "hang" } }, { text: "hello again" }]
      }).pipe(Effect.provide(loggingInjector(log, { clear: "weather" })))
      expect(Option.map(played.failure, (failure) => [failure.index, failure.error._tag, failure.error.message])).toEqual(
        Option.some([
          1,
          "FaultNotCleared",
          "the faults injected into weather for this turn could not be cleared (weather is not answering); " +
          "the play stops, since later turns would run with them"
        ])
      )
      expect(log).toEqual(["set weather hang"])
    }).pipe(Effect.provide(conversation)))
})

describe("ScenarioPlayer.invalidFaults", () => {
  it.effect("names each fault the app's injector refuses by its path, and each unknown service with the known ones", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const problems = yield* ScenarioPlayer.invalidFaults({
        name: "bad faults",
        userId: "u",
        sessionId: "s",
        turns: [
          { text: "hello", faults: { weather: "hang" } },
          { text: "again" },
          { text: "and again", faults: { weather: "bad", flights: "crash", nowhere: "hang" } }
        ]
      }).pipe(Effect.provide(loggingInjector(log)))
      expect(problems).toEqual([
        `turns[2].faults.weather: "bad" is no fault`,
        `turns[2].faults.nowhere: the app injects faults into no service "nowhere"; it injects them into weather, flights`
      ])
      expect(log).toEqual([])
    }))

  it.effect("has nothing to say when the app provides no injector (the faults are not played)", () =>
    Effect.gen(function*() {
      const problems = yield* ScenarioPlayer.invalidFaults({
        name: "no injector",
        userId: "u",
        sessionId: "s",
        turns: [{ text: "hello", faults: { weather: "bad" } }]
      })
      expect(problems).toEqual([])
    }))
})

describe("ScenarioPlayer.check", () => {
  const base = {
    sessionId: Ids.sessionId("s"),
    reply: "Booked! Reservation PNR-1",
    agent: Ids.agentId("booking"),
    messages: [],
    timeline: [],
    route: { agent: Ids.agentId("booking"), confidence: 1, reasoning: "", alternatives: [], strategy: "t", sticky: true, fallback: false },
    handoffs: [],
    degradations: [],
    version: 1,
    durationMs: 1
  } satisfies Conversation.TurnResult

  it("matches words in the reply regardless of case", () => {
    expect(ScenarioPlayer.check({ replyContains: ["booked", "pnr-"] }, base).every((check) => check.met)).toBe(true)
  })

  it("has nothing to check without expectations", () => {
    expect(ScenarioPlayer.check(undefined, base)).toEqual([])
  })
})
