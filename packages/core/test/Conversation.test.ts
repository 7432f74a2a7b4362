import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import * as Agent from "../src/Agent.js"
import * as Conversation from "../src/Conversation.js"
import * as Degradation from "../src/Degradation.js"
import * as EventBus from "../src/EventBus.js"
import * as HandoffApproval from "../src/HandoffApproval.js"
import * as Ids from "../src/Ids.js"
import * as Message from "../src/Message.js"
import * as ReservedSession from "../src/ReservedSession.js"
import * as SessionState from "../src/SessionState.js"
import * as SessionStore from "../src/SessionStore.js"
import { agent, booking, encodeTrip, flights, hotels, tagsOf, triage, TripState, weather } from "./fixtures.js"

type Store = SessionStore.SessionStore["Type"]

const conversationOf = <E = never>(
  agents: ReadonlyArray<Agent.Agent<TripState, E>>,
  options: {
    readonly store?: Store
    readonly commitRetries?: number
    readonly commitBackoff?: Conversation.CommitBackoff
    readonly maxDepth?: number
  } = {}
) => {
  const store = options.store ?? SessionStore.makeMemory()
  return Effect.map(
    Conversation.make({
      agents,
      stateSchema: TripState,
      initialState: () => ({ travellers: [] }),
      entryAgent: triage,
      ...(options.commitRetries === undefined ? {} : { commitRetries: options.commitRetries }),
      ...(options.commitBackoff === undefined ? {} : { commitBackoff: options.commitBackoff }),
      ...(options.maxDepth === undefined ? {} : { handoff: { maxDepth: options.maxDepth } })
    }).pipe(Effect.provideService(SessionStore.SessionStore, store)),
    (conversation) => ({ conversation, store })
  )
}

const stored = (store: Store, id = "s-1") =>
  Effect.map(store.load(Ids.sessionId(id)), Option.getOrThrowWith(() => new Error(`session ${id} is not stored`)))

const agentTexts = (session: SessionState.SessionState) =>
  session.context.history.filter((message) => message.role === "agent").map((message) => message.content)

describe("Conversation.turn: routing", () => {
  it.effect("the first turn goes to the matching agent and starts the session", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"]), agent(flights, ["flight"])])
      const result = yield* conversation.turn("s-1", "u-1", "A flight to Lisbon, please")
      expect(result).toMatchObject({ agent: flights, reply: "flights here", handoffs: [], version: 1 })
      expect(result.route).toMatchObject({ agent: flights, fallback: false, sticky: false })
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(flights)
      expect(session.version).toBe(1)
      expect(session.context.history.map(({ agent, content, id, role }) => ({ id, role, content, agent }))).toEqual([
        { id: "s-1#0", role: "user", content: "A flight to Lisbon, please", agent: undefined },
        { id: "s-1#1", role: "agent", content: "flights here", agent: flights }
      ])
    }))

  it.effect("a request no agent matches goes to the entry agent", () =>
    Effect.gen(function*() {
      const { conversation } = yield* conversationOf([agent(triage, ["help"]), agent(flights, ["flight"])])
      const result = yield* conversation.turn("s-1", "u-1", "hello there")
      expect(result.agent).toBe(triage)
      expect(result.route).toMatchObject({ agent: triage, fallback: true })
    }))

  it.effect("a later request the router gives to one of the active agent's targets is a router handoff", () =>
    Effect.gen(function*() {
      const arrivals: Array<string> = []
      const { conversation } = yield* conversationOf([
        agent(triage, ["help"], { handoffTargets: [flights] }),
        agent(flights, ["flight"], {
          handle: (input) =>
            Effect.sync(() => {
              arrivals.push(Option.match(input.arrival, { onNone: () => "none", onSome: (c) => `${c.from}:${c.mode}` }))
              return Agent.reply("flights here")
            })
        })
      ])
      yield* conversation.turn("s-1", "u-1", "hello")
      const result = yield* conversation.turn("s-1", "u-1", "now a flight")
      expect(result.agent).toBe(flights)
      expect(result.handoffs).toHaveLength(1)
      expect(result.handoffs[0]).toMatchObject({ success: true, initiator: "router", from: triage, newAgentId: flights })
      expect(arrivals).toEqual(["triage:transfer"])
    }))

  it.effect("the router starts a session, or moves it, only to agents whose required context is present", () =>
    Effect.gen(function*() {
      const { conversation } = yield* conversationOf([
        agent(triage, ["help"], { handoffTargets: [booking] }),
        agent(booking, ["book"], { requiredContext: ["destination"] })
      ])
      const first = yield* conversation.turn("s-1", "u-1", "book it")
      expect(first.agent).toBe(triage)
      expect(first.route).toMatchObject({ agent: triage, fallback: true })
      const second = yield* conversation.turn("s-1", "u-1", "book it now")
      expect(second.agent).toBe(triage)
      expect(second.handoffs).toEqual([])
    }))

  it.effect("a router handoff the approval policy denies leaves the active agent to answer, and the reply says why", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const conversation = yield* Conversation.make({
        agents: [agent(triage, ["help"], { handoffTargets: [flights] }), agent(flights, ["flight"])],
        stateSchema: TripState,
        initialState: () => ({ travellers: [] }),
        entryAgent: triage,
        handoff: { approval: { "triage->flights": HandoffApproval.rule("closed", () => "flights desk is closed") } }
      }).pipe(Effect.provideService(SessionStore.SessionStore, store))
      yield* conversation.turn("s-1", "u-1", "hello")
      const result = yield* conversation.turn("s-1", "u-1", "a flight")
      expect(result.route.agent).toBe(flights)
      expect(result.agent).toBe(triage)
      expect(result.reply).toBe("triage here\n\nI couldn't pass you to flights: flights desk is closed. triage is answering instead.")
      expect(result.handoffs).toMatchObject([
        { success: false, initiator: "router", from: triage, newAgentId: triage, errors: ["flights desk is closed"] }
      ])
    }))

  it.effect("the active agent keeps the conversation for requests outside its edges", () =>
    Effect.gen(function*() {
      const { conversation } = yield* conversationOf([
        agent(triage, ["help"]),
        agent(flights, ["flight"]),
        agent(hotels, ["hotel"])
      ])
      yield* conversation.turn("s-1", "u-1", "a flight")
      const result = yield* conversation.turn("s-1", "u-1", "and a hotel")
      expect(result.agent).toBe(flights)
      expect(result.route.sticky).toBe(true)
      expect(result.handoffs).toEqual([])
    }))
})

describe("Conversation.turn: handoffs", () => {
  it.effect("an agent's transfer hands the conversation over with its state, the context preserved", () =>
    Effect.gen(function*() {
      const received: Array<TripState> = []
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [flights],
          handle: () =>
            Effect.succeed(Agent.transfer<TripState>(flights, "wants to fly", {
              text: "Passing you to flights.",
              state: { destination: "Lisbon", departure: new Date("2030-01-02T03:04:05.000Z"), travellers: ["Ada"] }
            }))
        }),
        agent(flights, ["flight"], {
          handle: (input) => Effect.sync(() => (received.push(input.state), Agent.reply("Lisbon it is.")))
        })
      ])
      const result = yield* conversation.turn("s-1", "u-1", "hello")
      expect(received).toEqual([
        { destination: "Lisbon", departure: new Date("2030-01-02T03:04:05.000Z"), travellers: ["Ada"] }
      ])
      expect(result.agent).toBe(flights)
      expect(result.reply).toBe("Lisbon it is.")
      expect(result.messages.map((message) => [message.agent, message.content])).toEqual([
        [triage, "Passing you to flights."],
        [flights, "Lisbon it is."]
      ])
      expect(result.handoffs).toHaveLength(1)
      expect(result.handoffs[0]).toMatchObject({
        success: true,
        contextPreserved: true,
        initiator: "agent",
        mode: "transfer",
        reason: "wants to fly",
        errors: []
      })
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(flights)
      expect(session.context.state).toEqual(
        encodeTrip({ destination: "Lisbon", departure: new Date("2030-01-02T03:04:05.000Z"), travellers: ["Ada"] })
      )
    }))

  it.effect("a delegation and its return bring control back to the caller with what the delegate said", () =>
    Effect.gen(function*() {
      const seen: Array<{ readonly agent: string; readonly stack: ReadonlyArray<string>; readonly returned: unknown }> = []
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [weather],
          handle: (input) =>
            Effect.sync(() => {
              seen.push({ agent: "triage", stack: input.agentStack, returned: Option.getOrNull(input.returned) })
              return Option.isNone(input.returned)
                ? Agent.delegate<TripState>(weather, "needs a forecast")
                : Agent.reply("Pack sunglasses.")
            })
        }),
        agent(weather, ["weather"], {
          handle: (input) =>
            Effect.sync(() => {
              seen.push({ agent: "weather", stack: input.agentStack, returned: Option.getOrNull(input.returned) })
              return Agent.returnToCaller<TripState>("forecast ready", { text: "Sunny all week." })
            })
        })
      ])
      const result = yield* conversation.turn("s-1", "u-1", "hello")
      expect(seen).toEqual([
        { agent: "triage", stack: [], returned: null },
        { agent: "weather", stack: [triage], returned: null },
        { agent: "triage", stack: [], returned: { from: weather, reason: "forecast ready", text: "Sunny all week." } }
      ])
      expect(result.handoffs.map((handoff) => [handoff.mode, handoff.newAgentId, handoff.success])).toEqual([
        ["delegate", weather, true],
        ["return", triage, true]
      ])
      expect(result.reply).toBe("Pack sunglasses.")
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(triage)
      expect(session.agentStack).toEqual([])
    }))

  it.effect("a rejected handoff keeps the current agent, and the user is told why", () =>
    Effect.gen(function*() {
      let bookingCalls = 0
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [booking],
          handle: () => Effect.succeed(Agent.transfer<TripState>(booking, "ready to book", { text: "Let's book." }))
        }),
        agent(booking, ["book"], {
          requiredContext: ["destination"],
          handle: () => Effect.sync(() => (bookingCalls++, Agent.reply("booked")))
        })
      ])
      const result = yield* conversation.turn("s-1", "u-1", "hello")
      expect(bookingCalls).toBe(0)
      expect(result.agent).toBe(triage)
      expect(result.handoffs).toHaveLength(1)
      expect(result.handoffs[0]).toMatchObject({ success: false, from: triage, newAgentId: triage })
      expect(result.handoffs[0]!.errors).toEqual([
        `"booking" needs "destination" in the conversation state, and it is missing`
      ])
      expect(result.reply).toBe(
        `I couldn't transfer you to booking: "booking" needs "destination" in the conversation state, and it is missing. ` +
          "I'll keep helping you here."
      )
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(triage)
      expect(agentTexts(session)).toEqual(["Let's book.", result.reply])
      const events = yield* store.events(session.sessionId)
      expect(tagsOf(events)).toContain("HandoffRejected")
    }))

  it.effect("an agent that returns with nobody to return to stays in charge and says so", () =>
    Effect.gen(function*() {
      const { conversation } = yield* conversationOf([
        agent(triage, ["help"], { handle: () => Effect.succeed(Agent.returnToCaller<TripState>("done")) })
      ])
      const result = yield* conversation.turn("s-1", "u-1", "hello")
      expect(result.agent).toBe(triage)
      expect(result.reply).toBe(
        "I couldn't transfer you to the previous agent: there is no agent to return to. I'll keep helping you here."
      )
    }))

  it.effect("two agents handing the conversation to each other forever are stopped by the turn bound", () =>
    Effect.gen(function*() {
      const ping = Ids.agentId("ping")
      const pong = Ids.agentId("pong")
      let calls = 0
      const bouncer = (id: Ids.AgentId, other: Ids.AgentId) =>
        agent(id, [id], {
          handoffTargets: [other],
          handle: () => Effect.sync(() => (calls++, Agent.transfer<TripState>(other, "not mine")))
        })
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], { handoffTargets: [ping] }),
        bouncer(ping, pong),
        bouncer(pong, ping)
      ])
      const result = yield* conversation.turn("s-1", "u-1", "ping")
      expect(result.handoffs.filter((handoff) => handoff.success)).toHaveLength(6)
      const cut = result.handoffs[6]!
      expect(result.handoffs).toHaveLength(7)
      expect(cut.success).toBe(false)
      expect(cut.errors[0]).toMatch(/^Handoff stopped: handoffs in one turn would exceed 6 \(chain: ping → pong → /)
      expect(calls).toBe(7)
      expect(result.reply).toMatch(/^I couldn't transfer you to (ping|pong): Handoff stopped/)
      const events = yield* store.events(Ids.sessionId("s-1"))
      expect(events.filter((event) => event._tag === "HandoffRejected")).toMatchObject([{ stage: "depth" }])
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(result.agent)
    }))

  it.effect("a delegation chain deeper than the stack bound is stopped with the callers still waiting", () =>
    Effect.gen(function*() {
      const ids = ["d0", "d1", "d2", "d3", "d4"].map(Ids.agentId)
      const delegators = ids.map((id, i) =>
        agent(id, [id], {
          handoffTargets: i + 1 < ids.length ? [ids[i + 1]!] : [],
          handle: () => Effect.succeed(Agent.delegate<TripState>(ids[i + 1] ?? triage, "deeper"))
        })
      )
      const { conversation, store } = yield* conversationOf(
        [agent(triage, ["help"], { handoffTargets: [ids[0]!] }), ...delegators],
        { maxDepth: 3 }
      )
      const result = yield* conversation.turn("s-1", "u-1", "d0")
      expect(result.handoffs.map((handoff) => handoff.success)).toEqual([true, true, true, false])
      expect(result.handoffs[3]!.errors[0]).toMatch(/^Handoff stopped: delegation stack depth would exceed 3/)
      const session = yield* stored(store)
      expect(session.currentAgent).toBe(ids[3])
      expect(session.agentStack).toEqual([ids[0], ids[1], ids[2]])
    }))
})

describe("Conversation.turn: access and input", () => {
  it.effect("another user's session is Forbidden, for turns and for reads", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"])])
      yield* conversation.turn("s-1", "u-1", "hello")
      const turn = yield* Effect.flip(conversation.turn("s-1", "intruder", "hello"))
      expect(turn).toMatchObject({ _tag: "Forbidden", sessionId: "s-1", userId: "intruder" })
      const read = yield* Effect.flip(conversation.session("s-1", "intruder"))
      expect(read._tag).toBe("Forbidden")
      const own = yield* conversation.session("s-1", "u-1")
      expect(Option.map(own, (session) => session.version)).toEqual(Option.some(1))
      expect((yield* stored(store)).context.history).toHaveLength(2)
    }))

  it.effect("an empty message, session id or user id is an InvalidTurn, and nothing is stored", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"])])
      const blank = yield* Effect.flip(conversation.turn("s-1", "u-1", "   "))
      expect(blank).toMatchObject({ _tag: "InvalidTurn", reason: "the message is empty" })
      const noSession = yield* Effect.flip(conversation.turn("", "u-1", "hello"))
      expect(noSession._tag).toBe("InvalidTurn")
      expect(noSession.message).toMatch(/^Invalid turn: bad session or user id/)
      const noUser = yield* Effect.flip(conversation.turn("s-1", "", "hello"))
      expect(noUser._tag).toBe("InvalidTurn")
      expect(yield* store.load(Ids.sessionId("s-1"))).toEqual(Option.none())
    }))

  it.effect("another user's reserved session is Forbidden, for turns and reads, even before it exists", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"])])
      const profile = ReservedSession.make("profile", Ids.userId("ana"))
      const squat = yield* Effect.flip(conversation.turn(profile, "mallory", "7 travellers"))
      expect(squat).toMatchObject({ _tag: "Forbidden", sessionId: "profile:ana", userId: "mallory" })
      expect(yield* store.load(profile)).toEqual(Option.none())
      const peek = yield* Effect.flip(conversation.session(profile, "mallory"))
      expect(peek._tag).toBe("Forbidden")

      // Once Ana's profile exists, it stays as she left it.
      const record = { ...SessionState.empty({ sessionId: profile, userId: Ids.userId("ana"), state: { seat: "aisle" }, now: 0 }), version: 1 }
      yield* store.commit({ state: record, expectedVersion: 0, events: [] })
      const again = yield* Effect.flip(conversation.turn(profile, "mallory", "7 travellers"))
      expect(again._tag).toBe("Forbidden")
      expect(yield* stored(store, profile)).toEqual(record)
    }))

  it.effect("its owner cannot hold a conversation in a reserved session either: InvalidTurn says why", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"])])
      const profile = ReservedSession.make("profile", Ids.userId("ana"))
      const turn = yield* Effect.flip(conversation.turn(profile, "ana", "hello"))
      expect(turn._tag).toBe("InvalidTurn")
      expect(turn.message).toBe(
        `Invalid turn: session "profile:ana" is reserved for the internal records of user "ana" (its profile); ` +
          `conversations cannot be held in it: choose another session id`
      )
      const read = yield* Effect.flip(conversation.session(profile, "ana"))
      expect(read._tag).toBe("InvalidTurn")
      expect(yield* store.load(profile)).toEqual(Option.none())
      // An id that only looks similar is an ordinary session.
      expect((yield* conversation.turn("profiles:ana", "ana", "hello")).version).toBe(1)
    }))

  it.effect("a failing agent fails the turn with AgentFailed and nothing is committed", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf<Error>([
        agent(triage, ["help"]),
        { ...agent(flights, ["flight"]), handle: () => Effect.fail(new Error("supplier down")) }
      ])
      const error = yield* Effect.flip(conversation.turn("s-1", "u-1", "a flight"))
      expect(error).toMatchObject({ _tag: "AgentFailed", agentId: flights, reason: "supplier down" })
      expect(yield* store.load(Ids.sessionId("s-1"))).toEqual(Option.none())
    }))

  it.effect("a stored state that no longer decodes fails the turn with a store error", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"])])
      yield* conversation.turn("s-1", "u-1", "hello")
      const session = yield* stored(store)
      yield* store.commit({
        state: { ...session, context: { ...session.context, state: { travellers: "nobody" } }, version: 2 },
        expectedVersion: 1,
        events: []
      })
      const error = yield* Effect.flip(conversation.turn("s-1", "u-1", "hello again"))
      expect(error).toMatchObject({ _tag: "SessionStoreError", operation: "restore" })
    }))
})

describe("Conversation.turn: commit", () => {
  /**
   * A store in which, once armed, another worker commits to the session just
   * before each of this worker's next commits, so those commits conflict.
   */
  const contended = () => {
    const inner = SessionStore.makeMemory()
    let armed = 0
    let foreign = 0
    const store: Store = {
      ...inner,
      commit: (input) =>
        Effect.gen(function*() {
          const current = yield* inner.load(input.state.sessionId)
          if (armed > 0 && Option.isSome(current)) {
            armed--
            const { context, version } = current.value
            const message: Message.Message = {
              id: Message.idAt(input.state.sessionId, context.history.length),
              role: "system",
              content: `written by another worker (${foreign++})`,
              time: 0
            }
            yield* inner.commit({
              state: { ...current.value, context: { ...context, history: [...context.history, message] }, version: version + 1 },
              expectedVersion: version,
              events: []
            })
          }
          return yield* inner.commit(input)
        })
    }
    return { store, arm: (conflicts: number) => void (armed = conflicts) }
  }

  const echo = (runs: { count: number }) =>
    agent(triage, ["help"], {
      handle: (input) => Effect.sync(() => (runs.count++, Agent.reply(`reply to ${input.message.content}`)))
    })

  it.effect("a concurrent commit makes the turn run again on fresh state, overwriting nothing", () =>
    Effect.gen(function*() {
      const runs = { count: 0 }
      const { arm, store } = contended()
      const { conversation } = yield* conversationOf([echo(runs)], { store })
      yield* conversation.turn("s-1", "u-1", "first")
      arm(1)
      runs.count = 0
      const published: Array<string> = []
      const result = yield* conversation.turn("s-1", "u-1", "second").pipe(
        Effect.provideService(EventBus.EventBus, {
          publish: (event) => Effect.sync(() => void published.push(event._tag)),
          subscribe: Effect.die("not subscribed")
        })
      )
      expect(runs.count).toBe(2)
      // Only the attempt that committed published its events.
      expect(published).toEqual(["TurnStarted", "RouteDecided", "TurnCompleted"])
      expect(result.version).toBe(3)
      const final = yield* stored(store)
      expect(final.version).toBe(3)
      expect(final.context.history.map((message) => message.content)).toEqual([
        "first",
        "reply to first",
        "written by another worker (0)",
        "second",
        "reply to second"
      ])
      expect(final.context.history.map((message) => message.id)).toEqual(
        [0, 1, 2, 3, 4].map((index) => Message.idAt(final.sessionId, index))
      )
      const events = yield* store.events(final.sessionId)
      expect(events.flatMap((event) => event._tag === "TurnStarted" ? [event.text] : [])).toEqual(["first", "second"])
    }))

  it.effect("after the first immediate run again, a conflicting turn waits growing, capped, jittered times", () =>
    Effect.gen(function*() {
      const started: Array<number> = []
      const { arm, store } = contended()
      const { conversation } = yield* conversationOf([
        agent(triage, ["help"], {
          handle: () => Effect.map(Clock.currentTimeMillis, (now) => (started.push(now), Agent.reply("noted")))
        })
      ], { store, commitRetries: 5, commitBackoff: { base: "100 millis", cap: "300 millis" } })
      yield* conversation.turn("s-1", "u-1", "first")
      started.length = 0
      arm(4)
      const fiber = yield* Effect.fork(conversation.turn("s-1", "u-1", "second"))
      // The clock moves a millisecond at a time, so each run starts within a
      // step of the moment its wait ends.
      while (Option.isNone(yield* Fiber.poll(fiber))) yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber)).version).toBe(6)
      expect(started).toHaveLength(5)
      const waits = started.slice(1).map((at, i) => at - started[i]!)
      // Run 2 at once; then between half and all of 100, 200, and 400 capped at 300 ms.
      expect(waits[0]).toBe(0)
      const bounds = [[50, 100], [100, 200], [150, 300]] as const
      bounds.forEach(([low, high], i) => {
        expect(waits[i + 1]).toBeGreaterThanOrEqual(low)
        expect(waits[i + 1]).toBeLessThanOrEqual(high + 2)
      })
    }))

  it.effect("by default a turn gets through 10 conflicts in a row; the 11th fails it typed, storing nothing of it", () =>
    Effect.gen(function*() {
      const runs = { count: 0 }
      const { arm, store } = contended()
      const { conversation } = yield* conversationOf([echo(runs)], { store })
      yield* conversation.turn("s-1", "u-1", "first")
      const settle = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
        Effect.gen(function*() {
          while (Option.isNone(yield* Fiber.poll(fiber))) yield* TestClock.adjust("1 second")
          return yield* Effect.either(Fiber.join(fiber))
        })
      runs.count = 0
      arm(Conversation.DEFAULT_COMMIT_RETRIES)
      const through = yield* settle(yield* Effect.fork(conversation.turn("s-1", "u-1", "second")))
      expect(runs.count).toBe(11)
      expect(through._tag).toBe("Right")

      runs.count = 0
      arm(Conversation.DEFAULT_COMMIT_RETRIES + 1)
      const failed = yield* settle(yield* Effect.fork(conversation.turn("s-1", "u-1", "third")))
      expect(runs.count).toBe(11)
      expect(failed).toMatchObject({ _tag: "Left", left: { _tag: "SessionConflict" } })
      expect(agentTexts(yield* stored(store))).not.toContain("reply to third")
      expect(Conversation.DEFAULT_COMMIT_RETRIES).toBe(10)
    }))

  it.effect("conflicts beyond the retries fail the turn with SessionConflict and leave the other writes in place", () =>
    Effect.gen(function*() {
      const runs = { count: 0 }
      const { arm, store } = contended()
      const { conversation } = yield* conversationOf([echo(runs)], { store, commitRetries: 1 })
      yield* conversation.turn("s-1", "u-1", "first")
      arm(10)
      const error = yield* Effect.flip(conversation.turn("s-1", "u-1", "second"))
      expect(error._tag).toBe("SessionConflict")
      const final = yield* stored(store)
      expect(final.version).toBe(3)
      expect(final.context.history.map((message) => message.content)).toEqual([
        "first",
        "reply to first",
        "written by another worker (0)",
        "written by another worker (1)"
      ])
    }))
})

describe("Conversation.turn: events", () => {
  it.scoped("the turn's events are committed with it and published on the EventBus, in order", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus.EventBus
      const subscription = yield* bus.subscribe
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [flights],
          handle: () => Effect.succeed(Agent.transfer<TripState>(flights, "wants to fly"))
        }),
        agent(flights, ["flight"])
      ])
      const result = yield* conversation.turn("s-1", "u-1", "hello")
      const committed = yield* store.events(Ids.sessionId("s-1"))
      expect(tagsOf(committed)).toEqual([
        "TurnStarted",
        "RouteDecided",
        "HandoffRequested",
        "HandoffApproved",
        "HandoffCompleted",
        "TurnCompleted"
      ])
      expect(committed[4]).toMatchObject({ from: triage, to: flights, contextPreserved: true })
      expect(committed[5]).toMatchObject({ agent: flights, handoffs: 1, version: result.version })
      const published = yield* Stream.runCollect(Stream.take(subscription, committed.length))
      expect(Chunk.toReadonlyArray(published)).toEqual(committed)
    }).pipe(Effect.provide(EventBus.layer())))

  it.effect("a failed turn publishes nothing and commits nothing", () =>
    Effect.gen(function*() {
      const published: Array<string> = []
      const { conversation, store } = yield* conversationOf<Error>([
        { ...agent(triage, ["help"]), handle: () => Effect.fail(new Error("boom")) }
      ])
      const error = yield* Effect.flip(
        conversation.turn("s-1", "u-1", "hello").pipe(
          Effect.provideService(EventBus.EventBus, {
            publish: (event) => Effect.sync(() => void published.push(event._tag)),
            subscribe: Effect.die("not subscribed")
          })
        )
      )
      expect(error._tag).toBe("AgentFailed")
      expect(published).toEqual([])
      expect(yield* store.events(Ids.sessionId("s-1"))).toEqual([])
    }))
})

describe("Conversation.turn: card data", () => {
  const raw = /4111[^\w*]?1111[^\w*]?1111|5555[^\w*]?5555[^\w*]?5555|CVV 987/

  it.effect("the agents, the history, the result, the events and the spans see card numbers and CVVs masked", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [booking],
          handle: (input) =>
            Effect.sync(() => {
              seen.push(input.message, input.history)
              return Agent.transfer<TripState>(booking, `pays with ${input.message.content}`)
            })
        }),
        agent(booking, ["book"], {
          handle: (input) =>
            Effect.sync(() => {
              seen.push(input.message, input.history, Option.getOrNull(input.arrival))
              // What a careless tool result could carry back into a reply.
              return Agent.reply<TripState>("Charged card 5555 5555 5555 4444 (CVV 987).")
            })
        })
      ])
      const published: Array<unknown> = []
      const spans: Array<Tracer.Span> = []
      const tracer = yield* Effect.tracer
      const recording = Tracer.make({
        span: (...args) => {
          const span = tracer.span(...args)
          spans.push(span)
          return span
        },
        context: tracer.context
      })
      const result = yield* conversation.turn("s-1", "u-1", "Please pay with 4111 1111 1111 1111, CVV 987").pipe(
        Effect.provideService(EventBus.EventBus, {
          publish: (event) => Effect.sync(() => void published.push(event)),
          subscribe: Effect.die("not subscribed")
        }),
        Effect.withTracer(recording)
      )
      const session = yield* stored(store)
      const events = yield* store.events(session.sessionId)
      const traced = spans.map((span) => ({ name: span.name, attributes: [...span.attributes] }))
      for (const [what, value] of Object.entries({ seen, result, history: session.context.history, events, published, traced })) {
        expect(JSON.stringify(value), what).not.toMatch(raw)
      }
      expect(result.agent).toBe(booking)
      expect(seen[0]).toMatchObject({ role: "user", content: "Please pay with **** **** **** 1111, CVV ***" })
      expect(result.reply).toBe("Charged card **** **** **** 4444 (CVV ***).")
      expect(result.handoffs[0]!.reason).toBe("pays with Please pay with **** **** **** 1111, CVV ***")
      expect(published).toEqual(events)
      expect(traced.map((span) => span.name)).toContain("baton.turn")
    }))
})

describe("Conversation.turn: durability", () => {
  it.effect("a turn with a successful handoff commits a snapshot labelled \"handoff\"; other turns take none", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handoffTargets: [flights],
          handle: (input) =>
            Effect.succeed(
              input.message.content === "fly"
                ? Agent.transfer<TripState>(flights, "wants to fly")
                : Agent.reply<TripState>("triage here")
            )
        }),
        agent(flights, ["flight"])
      ])
      yield* conversation.turn("s-1", "u-1", "help")
      expect(yield* store.snapshots(Ids.sessionId("s-1"))).toEqual([])
      yield* conversation.turn("s-1", "u-1", "fly")
      const snapshots = yield* store.snapshots(Ids.sessionId("s-1"))
      expect(snapshots.map((snapshot) => [snapshot.label, snapshot.version])).toEqual([["handoff", 2]])
    }))

  it.effect("with leases, a turn takes the session's lease, commits with its token and releases it", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const conversation = yield* Conversation.make({
        agents: [agent(triage, ["help"])],
        stateSchema: TripState,
        initialState: () => ({ travellers: [] }),
        entryAgent: triage,
        leases: { owner: "worker-a", ttl: "1 minute" }
      }).pipe(Effect.provideService(SessionStore.SessionStore, store))
      yield* conversation.turn("s-1", "u-1", "help")
      // Released: another owner gets the next lease at once, and with a larger token.
      const lease = yield* store.acquireLease(Ids.sessionId("s-1"), "worker-b", "1 minute")
      expect(lease.token).toBeGreaterThan(1)
      const failed = yield* Effect.flip(conversation.turn("s-1", "u-1", "help").pipe(Effect.fork, Effect.flatMap((fiber) =>
        Effect.gen(function*() {
          // worker-b holds the lease: worker-a retries with backoff, then gives up typed.
          for (let i = 0; i < 30; i++) yield* TestClock.adjust("1 second")
          return yield* fiber.await.pipe(Effect.flatten)
        }))))
      expect(failed._tag).toBe("LeaseHeld")
    }))
})

describe("Conversation.turn: interruption", () => {
  it.effect("a turn interrupted while its agent works keeps the user's message, marked, and nothing the agent did", () =>
    Effect.gen(function*() {
      const working = yield* Deferred.make<void>()
      const { conversation, store } = yield* conversationOf([
        agent(triage, ["help"], {
          handle: (input) =>
            input.message.content === "slow"
              ? Effect.zipRight(Deferred.succeed(working, undefined), Effect.never)
              : Effect.succeed(Agent.reply<TripState>("triage here"))
        })
      ])
      yield* conversation.turn("s-1", "u-1", "help")
      const fiber = yield* Effect.fork(conversation.turn("s-1", "u-1", "slow"))
      yield* Deferred.await(working)
      yield* Fiber.interrupt(fiber)

      const after = yield* stored(store)
      expect(after.version).toBe(2)
      expect(after.context.history.map((message) => [message.role, message.content, Message.isInterrupted(message)])).toEqual([
        ["user", "help", false],
        ["agent", "triage here", false],
        ["user", "slow", true]
      ])
      expect((yield* store.events(Ids.sessionId("s-1"))).map((event) => event._tag)).toEqual([
        "TurnStarted",
        "RouteDecided",
        "TurnCompleted",
        "TurnStarted"
      ])
      // The conversation goes on from there.
      expect(yield* conversation.turn("s-1", "u-1", "help")).toMatchObject({ reply: "triage here", version: 3 })
    }))
})

describe("Conversation.turn: degradation", () => {
  const staleForecast: Degradation.Note = {
    kind: "stale",
    service: "weather",
    tool: "forecast",
    servedBy: "weather",
    reason: "connection refused",
    ageMs: 12 * 60_000,
    at: 0
  }
  const backupFlights: Degradation.Note = {
    kind: "fallback",
    service: "flights",
    tool: "search_flights",
    servedBy: "flights-backup",
    reason: "breaker open",
    at: 0
  }
  // An agent whose tool calls (here, forked in parallel as a search does) were answered in a degraded form.
  const degradedAgent = (reply: string) =>
    agent(flights, ["flight"], {
      handle: () =>
        Effect.as(
          Effect.all([Degradation.record(staleForecast), Degradation.record(backupFlights)], { concurrency: 2 }),
          Agent.reply<TripState>(reply)
        )
    })

  it.effect("lists the notes of the turn and tells the user what the reply left out, in plain words", () =>
    Effect.gen(function*() {
      const { conversation, store } = yield* conversationOf([agent(triage, ["help"]), degradedAgent("Three flights found.")])
      const result = yield* conversation.turn("s-1", "u-1", "A flight to Lisbon, please")
      expect(result.degradations).toEqual([staleForecast, backupFlights])
      const told = `Three flights found.\n\n${Degradation.describe(staleForecast)} ${Degradation.describe(backupFlights)}`
      expect(result.reply).toBe(told)
      expect(result.reply).toContain("weather is unavailable right now; this forecast result is from 12 minutes ago")
      expect(result.messages.map((message) => message.content)).toEqual([told])
      expect(result.timeline).toHaveLength(1)
      // What the user was told is what the session keeps.
      expect(agentTexts(yield* stored(store))).toEqual([told])
    }))

  it.effect("adds nothing the reply already says", () =>
    Effect.gen(function*() {
      const reply = "Three flights found (from our backup provider). Weather is unavailable right now, so no forecast."
      const { conversation } = yield* conversationOf([agent(triage, ["help"]), degradedAgent(reply)])
      const result = yield* conversation.turn("s-1", "u-1", "A flight to Lisbon, please")
      expect(result.degradations).toHaveLength(2)
      // Weather was mentioned; flights was not, although the reply hints at it.
      expect(result.reply).toBe(`${reply}\n\n${Degradation.describe(backupFlights)}`)
    }))

  it.effect("a turn without degraded answers has no notes and an untouched reply", () =>
    Effect.gen(function*() {
      const { conversation } = yield* conversationOf([agent(triage, ["help"]), agent(flights, ["flight"])])
      const result = yield* conversation.turn("s-1", "u-1", "A flight to Lisbon, please")
      expect(result.degradations).toEqual([])
      expect(result.reply).toBe("flights here")
    }))
})
