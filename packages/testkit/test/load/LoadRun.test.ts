import { Agent, BatonApp, Conversation, Ids, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as LoadRun from "../../src/load/LoadRun.js"
import * as Slo from "../../src/load/Slo.js"

const State = Schema.Struct({ topic: Schema.optional(Schema.String) })
const [greeter, helper] = [Ids.agentId("greeter"), Ids.agentId("helper")]

/** A two-agent app without tool services: greeter hands "help" questions to helper. */
const app: BatonApp.BatonApp = {
  name: "Helpdesk",
  description: "greets, then helps",
  layer: () =>
    Conversation.layer({
      agents: [
        Agent.make<typeof State.Type>({
          id: greeter,
          description: "Greets",
          handoffTargets: [helper],
          capabilities: [],
          handle: ({ message }) =>
            Effect.succeed(
              /help/i.test(message.content)
                ? Agent.transfer(helper, "a help question", { state: { topic: "help" } })
                : Agent.reply("Hello!")
            )
        }),
        Agent.make<typeof State.Type>({
          id: helper,
          description: "Helps",
          requiredContext: ["topic"],
          capabilities: [],
          handle: ({ message }) => Effect.succeed(Agent.reply(`Helping with: ${message.content}`))
        })
      ],
      stateSchema: State,
      initialState: () => ({}),
      entryAgent: greeter
    }),
  demo: {
    name: "hello, help",
    userId: "u",
    sessionId: "s",
    turns: [{ text: "hi" }, { text: "help me please" }, { text: "thanks" }]
  }
}

/** The memory store, but commits of sessions whose id ends in `suffix` vanish: acknowledged, never kept. */
const lossy = (suffix: string) =>
  Layer.effect(
    SessionStore.SessionStore,
    Effect.map(SessionStore.SessionStore, (store) => ({
      ...store,
      commit: (input: SessionStore.CommitInput) => (input.state.sessionId.endsWith(suffix) ? Effect.void : store.commit(input))
    }))
  ).pipe(Layer.provide(SessionStore.layerMemory))

const objectives = Either.getOrThrow(Slo.parse("handoff.p99<10s,errors<=0"))

describe("LoadRun", () => {
  it.effect("plays every session's turns, records turns, handoffs and restores, and loses nothing", () =>
    Effect.gen(function*() {
      const progress: Array<LoadRun.Progress> = []
      const report = yield* LoadRun.run(app, {
        sessions: 40,
        concurrency: 8,
        activeTurns: 4,
        objectives,
        progressIntervalMs: 5,
        onProgress: (p) => Effect.sync(() => void progress.push(p))
      })
      expect(report.sessions).toEqual({ started: 40, completed: 40, lost: 0, lostExamples: [] })
      expect(report.turns).toMatchObject({ total: 120, failed: 0, errorRate: 0 })
      expect(report.turns.outcomes.ok).toBe(120)
      expect(report.handoffs).toEqual({ completed: 40, refused: 0, contextViolations: 0 })
      expect(report.latency.handoff.summary.count).toBe(40)
      expect(report.latency.restore.summary.count).toBe(120)
      expect(report.settings).toMatchObject({ app: "Helpdesk", sessions: 40, concurrency: 8, activeTurns: 4, turnsPerSession: 3 })
      // The run's objectives, then Baton's success criteria it did not replace.
      expect(report.slo.map((v) => [v.objective, v.met])).toEqual([
        ["handoff.p99<10000ms", true],
        ["errors<=0", true],
        ["handoffs.success>=99%", true],
        ["workflows.completed>=95%", true],
        ["sessions.lost<1%", true]
      ])
      expect(report.turns.classes).toEqual({ ok: 120, degraded: 0, failed: 0 })
      expect(report.passed).toBe(true)
      expect(progress.at(-1)).toMatchObject({ sessionsCompleted: 40, turns: 120, handoffs: 40 })
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  // Live: the progress timer that stops the run must tick.
  it.live("stops early when told: no session starts or plays another turn, and the report says it was interrupted", () =>
    Effect.gen(function*() {
      const stop = yield* Deferred.make<void>()
      const report = yield* LoadRun.run(app, {
        sessions: 100_000,
        concurrency: 4,
        progressIntervalMs: 5,
        // Stopped once turns are being played.
        onProgress: (p) => (p.turns > 0 ? Deferred.succeed(stop, undefined) : Effect.void),
        stop: Deferred.await(stop)
      })
      expect(report.interrupted).toBe(true)
      expect(report.passed).toBe(false)
      expect(report.sessions.started).toBeLessThan(100_000)
      expect(report.sessions.lost).toBe(0)
      expect(report.turns.total).toBeGreaterThan(0)
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("finds the sessions whose acknowledged turns the store did not keep", () =>
    Effect.gen(function*() {
      const report = yield* LoadRun.run(app, { sessions: 5, turns: 2 })
      expect(report.sessions.lost).toBe(1)
      expect(report.sessions.lostExamples).toEqual([{ sessionId: expect.stringMatching(/-3$/), reason: "the session is gone" }])
      expect(report.passed).toBe(false)
    }).pipe(Effect.provide(lossy("-3"))))

  it.effect("refuses faults for an app that cannot inject them, and a run without a scenario", () =>
    Effect.gen(function*() {
      const faults = yield* Effect.flip(LoadRun.run(app, { sessions: 1, faults: { weather: "hang" } }))
      expect(faults.message).toBe('the app "Helpdesk" provides no BatonApp.FaultInjector, so faults cannot be injected')
      const { demo: _, ...noDemo } = app
      const scenario = yield* Effect.flip(LoadRun.run(noDemo, { sessions: 1 }))
      expect(scenario.message).toBe('the app "Helpdesk" has no demo scenario to play')
      const zero = yield* Effect.flip(LoadRun.run(app, { sessions: 0 }))
      expect(zero._tag).toBe("InvalidLoadSetup")
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("checks every fault with the app's injector before injecting any: a spec it does not read, or a service it has not, is refused up front", () =>
    Effect.gen(function*() {
      // An injector whose set takes anything: only its validate knows its grammar.
      const injected: Array<string> = []
      const injector: BatonApp.FaultInjectorService = {
        services: ["greetings"],
        validate: (service, spec) =>
          spec.startsWith("slow")
            ? Either.void
            : Either.left(new BatonApp.InvalidFault({ service, spec, reason: "this injector reads only slow(<ms>)" })),
        set: (service, spec) => Effect.sync(() => void injected.push(`${service}=${spec}`)),
        clear: () => Effect.void
      }
      const injecting: BatonApp.BatonApp = {
        ...app,
        layer: (options) => Layer.merge(app.layer(options), Layer.succeed(BatonApp.FaultInjector, injector))
      }
      const badSpec = yield* Effect.flip(LoadRun.run(injecting, { sessions: 1, faults: { greetings: "hang" } }))
      expect(badSpec).toMatchObject({ _tag: "InvalidLoadSetup" })
      expect(badSpec.message).toBe('cannot inject faults into "greetings": this injector reads only slow(<ms>)')
      const badService = yield* Effect.flip(LoadRun.run(injecting, { sessions: 1, faults: { weather: "slow(5)" } }))
      expect(badService.message).toBe(
        'cannot inject faults into "weather": the app injects faults into no service "weather"; it injects them into greetings'
      )
      expect(injected).toEqual([])
      const report = yield* LoadRun.run(injecting, { sessions: 1, faults: { greetings: "slow(5)" } })
      expect(report.sessions.lost).toBe(0)
      expect(injected).toEqual(["greetings=slow(5)#1"])
    }).pipe(Effect.provide(SessionStore.layerMemory)))
})
