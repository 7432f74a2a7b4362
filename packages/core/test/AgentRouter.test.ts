import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AgentRegistry from "../src/AgentRegistry.js"
import * as AgentRouter from "../src/AgentRouter.js"
import * as Ids from "../src/Ids.js"
import { type AgentProfile, type ModelChoice, RoutingModel, RoutingModelError } from "../src/RoutingModel.js"
import * as RoutingStrategy from "../src/RoutingStrategy.js"
import * as ServiceHealth from "../src/ServiceHealth.js"
import { agent, flights, hotels, triage, weather } from "./fixtures.js"

const registry = AgentRegistry.make([
  agent(triage, ["help"]),
  agent(flights, ["flight", "airline", "plane"], { requiredServices: ["amadeus"] }),
  agent(hotels, ["hotel", "room", "stay"], { requiredServices: ["hotelbeds"] }),
  agent(weather, ["weather", "forecast", "rain"])
])

const routerWith = <R = never>(options: Omit<AgentRouter.Options<R>, "fallback"> = {}) =>
  AgentRouter.make<R>(registry, { fallback: triage, ...options })

const route = (text: string, activeAgent: Ids.AgentId | null = null) =>
  Effect.flatMap(routerWith(), (router) => router.routeRequest({ text, activeAgent }))

/**
 * A scripted routing model: each call consumes the next scripted answer and
 * is recorded; a call beyond the script fails the test.
 */
const scriptedModel = (script: ReadonlyArray<ReadonlyArray<ModelChoice> | RoutingModelError>) => {
  const calls: Array<{ readonly text: string; readonly agents: ReadonlyArray<AgentProfile> }> = []
  const layer = Layer.succeed(RoutingModel, {
    classify: (text, agents) =>
      Effect.suspend(() => {
        const answer = script[calls.length]
        calls.push({ text, agents })
        if (answer === undefined) return Effect.die(new Error(`unexpected routing model call #${calls.length}`))
        return answer instanceof RoutingModelError ? Effect.fail(answer) : Effect.succeed(answer)
      })
  })
  return { calls, layer }
}

describe("AgentRouter: capability strategy", () => {
  it.effect("picks the agent whose capabilities match the request", () =>
    Effect.gen(function*() {
      const decision = yield* route("I need a flight to Paris")
      expect(decision).toMatchObject({ agent: flights, strategy: "capability", sticky: false, fallback: false })
      expect(decision.confidence).toBeGreaterThanOrEqual(0.35)
      expect(decision.reasoning).toMatch(/^matched its capabilities \(BM25 \d+\.\d\d\)$/)
    }))

  it.effect("more matching keywords give more confidence, and a larger scale gives less", () =>
    Effect.gen(function*() {
      const one = yield* route("flight")
      const three = yield* route("airline plane flight")
      expect(three.confidence).toBeGreaterThan(one.confidence)
      expect(three.confidence).toBeLessThan(1)
      const cautious = yield* routerWith({ strategies: [RoutingStrategy.capability({ scale: 20 })], threshold: 0 })
      const calmer = yield* cautious.routeRequest({ text: "flight", activeAgent: null })
      expect(calmer.agent).toBe(flights)
      expect(calmer.confidence).toBeLessThan(one.confidence)
    }))

  it.effect("lists the other matching agents as alternatives, best first", () =>
    Effect.gen(function*() {
      const decision = yield* route("a hotel room near the airport, and the weather")
      expect(decision.agent).toBe(hotels)
      expect(decision.alternatives.map((candidate) => candidate.agent)).toEqual([weather])
      expect(decision.alternatives[0]!.confidence).toBeLessThan(decision.confidence)
    }))

  it.effect("falls back to the fallback agent when nothing matches", () =>
    Effect.gen(function*() {
      const decision = yield* route("tell me a joke")
      expect(decision).toEqual({
        agent: triage,
        confidence: 0,
        reasoning: "no agent matched; falling back to triage",
        alternatives: [],
        strategy: "fallback",
        sticky: false,
        fallback: true
      })
    }))

  it.effect("falls back when the best match is below the threshold, and says which match it was", () =>
    Effect.gen(function*() {
      const strict = yield* routerWith({ threshold: 0.9 })
      const decision = yield* strict.routeRequest({ text: "flight", activeAgent: null })
      expect(decision).toMatchObject({ agent: triage, fallback: true, sticky: false, strategy: "capability" })
      expect(decision.confidence).toBeGreaterThan(0)
      expect(decision.confidence).toBeLessThan(0.9)
      expect(decision.reasoning).toMatch(/^best match flights \(0\.\d\d\) is below 0\.9; falling back to triage$/)
      expect(decision.alternatives.map((candidate) => candidate.agent)).toEqual([flights])
    }))

  it.effect("considers only the candidates the request allows", () =>
    Effect.gen(function*() {
      const router = yield* routerWith()
      const decision = yield* router.routeRequest({ text: "flight and hotel", activeAgent: null, candidates: [hotels] })
      expect(decision.agent).toBe(hotels)
      expect(decision.alternatives).toEqual([])
    }))

  it.effect("refuses to build a router whose fallback agent is not registered", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AgentRouter.make(registry, { fallback: Ids.agentId("nobody") }))
      expect(error._tag).toBe("UnknownAgent")
      expect(error.known).toEqual([triage, flights, hotels, weather])
    }))
})

describe("AgentRouter: rules strategy and composition", () => {
  const umbrella = RoutingStrategy.rules([
    { agent: weather, when: /umbrella/i, reason: "umbrellas mean rain" },
    { agent: hotels, when: (text) => text.includes("sleep"), reason: "sleeping needs a bed", confidence: 0.2 }
  ])

  it.effect("a matching rule decides with full confidence by default", () =>
    Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [umbrella] })
      const decision = yield* router.routeRequest({ text: "Do I need an Umbrella?", activeAgent: null })
      expect(decision).toMatchObject({
        agent: weather,
        confidence: 1,
        reasoning: "rule: umbrellas mean rain",
        strategy: "rules",
        fallback: false
      })
    }))

  it.effect("the first strategy that clears the threshold decides, even if a later one would match too", () =>
    Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [umbrella, RoutingStrategy.capability()] })
      const decision = yield* router.routeRequest({ text: "umbrella for my flight", activeAgent: null })
      expect(decision).toMatchObject({ agent: weather, strategy: "rules" })
    }))

  it.effect("when no rule matches, the next strategy decides", () =>
    Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [umbrella, RoutingStrategy.capability()] })
      const decision = yield* router.routeRequest({ text: "a flight to Rome", activeAgent: null })
      expect(decision).toMatchObject({ agent: flights, strategy: "capability", fallback: false })
    }))

  it.effect("when no strategy clears the threshold, the fallback reports the best candidate seen", () =>
    Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [umbrella, RoutingStrategy.capability()] })
      const decision = yield* router.routeRequest({ text: "I want to sleep", activeAgent: null })
      expect(decision).toMatchObject({ agent: triage, fallback: true, confidence: 0.2, strategy: "rules" })
      expect(decision.reasoning).toContain("best match hotels (0.20)")
    }))
})

describe("AgentRouter: model strategy", () => {
  it.effect("the model's choice decides, and the model sees every agent's profile", () => {
    const { calls, layer } = scriptedModel([[{ agent: hotels, confidence: 0.8, reasoning: "wants a bed" }]])
    return Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [RoutingStrategy.model] })
      const decision = yield* router.routeRequest({ text: "somewhere to crash tonight", activeAgent: null })
      expect(decision).toMatchObject({
        agent: hotels,
        confidence: 0.8,
        reasoning: "model: wants a bed",
        strategy: "model",
        fallback: false
      })
      expect(calls).toHaveLength(1)
      expect(calls[0]!.text).toBe("somewhere to crash tonight")
      expect(calls[0]!.agents.map((profile) => profile.id)).toEqual([triage, flights, hotels, weather])
    }).pipe(Effect.provide(layer))
  })

  it.effect("unregistered or disallowed choices are dropped and confidences are clamped to 0..1", () => {
    const { layer } = scriptedModel([[
      { agent: Ids.agentId("ghost"), confidence: 0.99, reasoning: "invented" },
      { agent: flights, confidence: 0.95, reasoning: "not a candidate" },
      { agent: weather, confidence: 7, reasoning: "overconfident" }
    ]])
    return Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [RoutingStrategy.model] })
      const decision = yield* router.routeRequest({
        text: "anything",
        activeAgent: null,
        candidates: [weather, hotels]
      })
      expect(decision).toMatchObject({ agent: weather, confidence: 1, alternatives: [] })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failing model yields no candidates, so the next strategy decides", () => {
    const { calls, layer } = scriptedModel([new RoutingModelError({ reason: "rate limited" })])
    return Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [RoutingStrategy.model, RoutingStrategy.capability()] })
      const decision = yield* router.routeRequest({ text: "flight to Oslo", activeAgent: null })
      expect(calls).toHaveLength(1)
      expect(decision).toMatchObject({ agent: flights, strategy: "capability" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failing model alone leads to the fallback agent", () => {
    const { layer } = scriptedModel([new RoutingModelError({ reason: "offline" })])
    return Effect.gen(function*() {
      const router = yield* routerWith({ strategies: [RoutingStrategy.model] })
      const decision = yield* router.routeRequest({ text: "flight to Oslo", activeAgent: null })
      expect(decision).toMatchObject({ agent: triage, fallback: true, confidence: 0 })
    }).pipe(Effect.provide(layer))
  })
})

describe("AgentRouter: stickiness", () => {
  it.effect("the active agent keeps a request no agent matches", () =>
    Effect.gen(function*() {
      const decision = yield* route("tell me a joke", hotels)
      expect(decision).toMatchObject({
        agent: hotels,
        sticky: true,
        fallback: false,
        reasoning: "staying with the active agent, which can serve this request"
      })
    }))

  it.effect("another agent that beats the active one by the margin takes over", () =>
    Effect.gen(function*() {
      const decision = yield* route("a flight to Rome", hotels)
      expect(decision).toMatchObject({ agent: flights, sticky: false, fallback: false })
    }))

  it.effect("another agent that does not beat the active one by the margin does not take over", () =>
    Effect.gen(function*() {
      const router = yield* routerWith({ switchMargin: 0.9 })
      const decision = yield* router.routeRequest({ text: "a flight to Rome", activeAgent: hotels })
      expect(decision).toMatchObject({ agent: hotels, sticky: true, fallback: false })
      expect(decision.reasoning).toMatch(/^staying with the active agent; flights \(0\.\d\d\) did not beat it by 0\.9$/)
      expect(decision.alternatives.map((candidate) => candidate.agent)).toEqual([flights])
    }))

  it.effect("an equally good match does not take the conversation from the active agent", () =>
    Effect.gen(function*() {
      const open = yield* route("hotel flight")
      const held = yield* route("hotel flight", hotels)
      const scores = [open, ...open.alternatives].map((candidate) => candidate.confidence)
      expect(scores[0]).toBe(scores[1])
      expect(held).toMatchObject({ agent: hotels, sticky: true })
      expect(held.confidence).toBe(scores[0])
    }))

  it.effect("an active agent that is not registered holds nothing", () =>
    Effect.gen(function*() {
      const decision = yield* route("tell me a joke", Ids.agentId("retired"))
      expect(decision).toMatchObject({ agent: triage, sticky: false, fallback: true })
    }))
})

describe("AgentRouter: service health", () => {
  const twins = AgentRegistry.make([
    agent(triage, ["help"]),
    agent(flights, ["flight", "airline"], { requiredServices: ["amadeus", "seatmap"] }),
    agent(Ids.agentId("flights-backup"), ["flight", "oslo"], { requiredServices: ["sabre"] })
  ])
  const twinRouter = Effect.flatMap(AgentRouter.make(twins, { fallback: triage }), (router) =>
    router.routeRequest({ text: "airline flight to Oslo", activeAgent: null }))

  it.effect("with healthy services the better match wins", () =>
    Effect.gen(function*() {
      const decision = yield* twinRouter
      expect(decision.agent).toBe(flights)
      expect(decision.alternatives.map((candidate) => candidate.agent)).toEqual([Ids.agentId("flights-backup")])
    }))

  it.effect("an agent whose services are unhealthy is ranked down by its weakest service", () =>
    Effect.gen(function*() {
      const healthy = yield* twinRouter
      const decision = yield* twinRouter.pipe(
        Effect.provide(ServiceHealth.layerStatic({ amadeus: 0.9, seatmap: 0.2 }))
      )
      expect(decision.agent).toBe(Ids.agentId("flights-backup"))
      const rankedDown = decision.alternatives.find((candidate) => candidate.agent === flights)!
      expect(rankedDown.confidence).toBeCloseTo(healthy.confidence * 0.2, 10)
      expect(rankedDown.reasoning).toMatch(/; ranked down, its services' health is 0\.20$/)
    }))

  it.effect("an unhealthy active agent no longer holds the conversation", () =>
    Effect.gen(function*() {
      const held = yield* route("tell me a joke", flights).pipe(
        Effect.provide(ServiceHealth.layerStatic({ amadeus: 0.6 }))
      )
      expect(held).toMatchObject({ agent: flights, sticky: true })
      const released = yield* route("tell me a joke", flights).pipe(
        Effect.provide(ServiceHealth.layerStatic({ amadeus: 0.3 }))
      )
      expect(released).toMatchObject({ agent: triage, sticky: false, fallback: true })
    }))

  it.effect("ServiceHealth.lowest is the weakest score, and 1 with no services or no health service", () =>
    Effect.gen(function*() {
      expect(yield* ServiceHealth.lowest(["amadeus"])).toBe(1)
      const health = ServiceHealth.layerStatic({ amadeus: 0.4, sabre: 0.7 })
      expect(yield* ServiceHealth.lowest(["sabre", "amadeus", "other"]).pipe(Effect.provide(health))).toBe(0.4)
      expect(yield* ServiceHealth.lowest([]).pipe(Effect.provide(health))).toBe(1)
    }))
})
