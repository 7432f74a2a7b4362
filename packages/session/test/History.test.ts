import { Agent, Ids, Message, SessionState, SessionStore, type Summariser } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import fc from "fast-check"
import { History } from "../src/index.js"

const sessionId = Ids.sessionId("history-test")
const userId = Ids.userId("ana")

const conversation = (lines: ReadonlyArray<readonly ["user" | "agent", string]>, start = 1_000): Array<Message.Message> =>
  lines.map(([role, content], i) => ({
    id: Message.idAt(sessionId, i),
    role,
    content,
    time: start + i * 1_000,
    ...(role === "agent" ? { agent: Ids.agentId("helper") } : {})
  }))

/** A travel app's topics: the SDK has none of its own. */
const travelTopics: History.TopicRules = {
  flights: ["flight", "fly", "flying", "airline", "airport", "plane", "airfare", "seat", "aisle", "cabin", "economy"],
  hotels: ["hotel", "stay", "accommodation", "room", "apartment", "suite", "hostel", "nights", "neighbourhood"],
  weather: ["weather", "forecast", "rain", "sunny", "temperature", "climate", "°c", "snow"],
  budget: ["budget", "cost", "afford", "cheap", "expensive", "total", "spend"],
  destination: ["destination", "visit", "city", "trip", "holiday", "travel", "sightseeing", "explore"],
  activities: ["activity", "activities", "tour", "museum", "things to do", "hike", "attraction"],
  booking: ["book", "booking", "booked", "reserve", "reservation", "pay", "payment", "confirm"],
  dining: ["restaurant", "food", "dinner", "lunch", "vegetarian", "vegan", "dietary", "halal", "kosher"]
}

const trip = conversation([
  ["user", "We want to fly from London to Lisbon on 2026-12-10."],
  ["agent", "Flights London → Lisbon: 1) TAP TP1351 £120 2) ANA NH90 £226."],
  ["user", "What's the weather like there?"],
  ["agent", "Highs of 15°C, rain on 2 of 7 days."],
  ["user", "Find us a hotel near the old town, 4 stars."],
  ["agent", "Places to stay: 1) Historic Lisbon Suites, Old Town, rated 4.8."],
  ["user", "Is that within our budget of £2,500?"],
  ["agent", "Yes: the total is £1,952.70, within your budget."]
])

const messages = fc
  .array(
    fc.record({
      role: fc.constantFrom("user" as const, "agent" as const),
      content: fc.string({ minLength: 1, maxLength: 60 }),
      gap: fc.nat({ max: 5_000 })
    }),
    { maxLength: 40 }
  )
  .map((items) => {
    let time = 0
    return items.map(({ content, gap, role }, i): Message.Message => {
      time += gap
      return { id: Message.idAt(sessionId, i), role, content, time }
    })
  })

const budgets = fc.record({ maxTokens: fc.nat({ max: 200 }), recentMessages: fc.nat({ max: 12 }) })

describe("History", () => {
  it("cuts a history into turns at every user message", () => {
    const turns = History.turnsOf(trip)
    expect(turns.map((turn) => [turn.index, turn.start, turn.messages.length])).toEqual([[0, 0, 2], [1, 2, 2], [2, 4, 2], [3, 6, 2]])
    const opening = conversation([["agent", "Welcome!"], ["user", "Hi"], ["agent", "Hello"]])
    expect(History.turnsOf(opening).map((turn) => turn.messages.map((m) => m.content))).toEqual([["Welcome!"], ["Hi", "Hello"]])
  })

  describe("compression", () => {
    it.effect("keeps recent messages verbatim and summarises older ones with a pluggable summariser", () =>
      Effect.gen(function*() {
        const extractive = yield* History.compress(trip, { maxTokens: 60, recentMessages: 2 })
        expect(extractive.recent.map((m) => m.content)).toEqual([trip[6]!.content, trip[7]!.content])
        expect(extractive.summarisedCount).toBe(6)
        expect(extractive.summary).toContain("Historic Lisbon Suites")
        const counting: Summariser.Summariser = {
          summarise: (older) => Effect.succeed(`${older.length} earlier messages`)
        }
        const custom = yield* History.compress(trip, { maxTokens: 60, recentMessages: 2 }, counting)
        expect(custom.summary).toBe("6 earlier messages")
      }))

    it.effect("never loses a message: the full history stays retrievable from the store (property)", () =>
      Effect.gen(function*() {
        const store = SessionStore.makeMemory()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(messages, budgets, fc.array(fc.string({ minLength: 1 }), { maxLength: 5 }), async (history, budget, later) => {
              const id = Ids.sessionId(`history-${Math.random().toString(36).slice(2)}`)
              const renumbered = history.map((m, i) => ({ ...m, id: Message.idAt(id, i) }))
              const compressed = await Effect.runPromise(History.compress(renumbered, budget))
              // In memory: the summarised messages and the recent ones are the history, in order.
              expect(History.expandFrom(compressed, renumbered)).toEqual(renumbered)
              expect(compressed.totalMessages).toBe(renumbered.length)
              expect(compressed.recent).toEqual(renumbered.slice(compressed.summarisedCount))
              // From the store, after the session grew: still exactly the messages compressed.
              const grown = [
                ...renumbered,
                ...later.map((content, i) => ({ id: Message.idAt(id, renumbered.length + i), role: "user" as const, content, time: 0 }))
              ]
              const base = SessionState.empty({ sessionId: id, userId, state: {}, now: 0 })
              await Effect.runPromise(
                store.commit({ state: { ...base, context: { ...base.context, history: grown }, version: 1 }, expectedVersion: 0, events: [] })
              )
              const expanded = await Effect.runPromise(
                History.expand(id, compressed).pipe(Effect.provideService(SessionStore.SessionStore, store))
              )
              expect(expanded.map((m) => m.id)).toEqual(renumbered.map((m) => m.id))
            }),
            { numRuns: 150 }
          )
        )
      }))

    it.effect("refuses to expand against a different history, with a typed error", () =>
      Effect.gen(function*() {
        const compressed = yield* History.compress(trip, Agent.defaultBudget)
        const other = conversation([["user", "Something else"]])
        expect(History.expandFrom(compressed, other)).toBeUndefined()
        const missing = yield* Effect.flip(History.expand(Ids.sessionId("nowhere"), compressed))
        expect(missing._tag).toBe("HistoryUnavailable")
        expect(missing.message).toBe('The full history of session "nowhere" is unavailable: the session does not exist or expired.')
      }).pipe(Effect.provide(SessionStore.layerMemory)))
  })

  describe("topics", () => {
    it("tags each turn with its topics and searches the history by topic", () => {
      const index = History.indexTopics(trip, travelTopics)
      expect(index.topicsByTurn).toEqual([["flights"], ["weather"], ["hotels"], ["budget"]])
      expect(index.search("hotels").map((turn) => turn.index)).toEqual([2])
      expect(index.search("budget").map((turn) => turn.messages[0]!.content)).toEqual(["Is that within our budget of £2,500?"])
      expect(index.search("dining")).toEqual([])
      expect(History.topicsOf("A vegetarian dinner after the museum tour?", travelTopics)).toEqual(["activities", "dining"])
    })

    it("takes custom rules, phrases included", () => {
      const rules = { transport: ["train", "rental car"], money: ["€"] }
      expect(History.topicsOf("Trains or a rental car for €40?", rules)).toEqual(["transport", "money"])
    })
  })

  describe("retrieval", () => {
    it("returns the k most relevant past turns for a request", () => {
      const rules = travelTopics
      const found = History.relevant(trip, "which hotel in the old town did we see?", 2, { rules })
      expect(found[0]!.turn.index).toBe(2)
      expect(found[0]!.sharedTopics).toEqual(["hotels"])
      expect(found.length).toBeLessThanOrEqual(2)
      expect(History.relevant(trip, "will it rain?", 1, { rules }).map((r) => r.turn.index)).toEqual([1])
      expect(History.relevant(trip, "zebra", 3, { rules })).toEqual([])
      expect(History.relevant(trip, "flights", 0, { rules })).toEqual([])
    })

    it("without the app's topics, ranks by the words alone", () => {
      const found = History.relevant(trip, "which hotel in the old town did we see?", 2)
      expect(found[0]!.turn.index).toBe(2)
      expect(found[0]!.sharedTopics).toEqual([])
    })

    it("can leave out the newest turns, which the agent already sees", () => {
      expect(History.relevant(trip, "budget total", 3, { skipRecent: 1 }).map((r) => r.turn.index)).not.toContain(3)
    })
  })

  describe("expiration", () => {
    it("applies TTL, maximum turns and maximum bytes, newest kept", () => {
      const now = 9_000
      expect(History.expire(trip, { ttl: "3 seconds" }, now).kept.map((m) => m.time)).toEqual([6_000, 7_000, 8_000])
      expect(History.expire(trip, { maxTurns: 2 }, now).kept).toEqual(trip.slice(4))
      const last = History.bytesOf(trip[7]!)
      expect(History.expire(trip, { maxBytes: last }, now).kept).toEqual([trip[7]])
      expect(History.expire(trip, { maxBytes: last - 1 }, now).kept).toEqual([])
      expect(History.expire(trip, {}, now).expired).toEqual([])
    })

    it("keeps the newest: the kept part is the longest suffix within the policy (property)", () => {
      fc.assert(
        fc.property(
          messages,
          fc.record({
            ttl: fc.option(fc.nat({ max: 60_000 }), { nil: undefined }),
            maxTurns: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
            maxBytes: fc.option(fc.nat({ max: 600 }), { nil: undefined })
          }),
          fc.nat({ max: 200_000 }),
          (history, limits, now) => {
            const policy = {
              ...(limits.ttl === undefined ? {} : { ttl: limits.ttl }),
              ...(limits.maxTurns === undefined ? {} : { maxTurns: limits.maxTurns }),
              ...(limits.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes })
            }
            const { expired, kept } = History.expire(history, policy, now)
            expect([...expired, ...kept]).toEqual(history)
            const within = (part: ReadonlyArray<Message.Message>) =>
              part.every((m) => limits.ttl === undefined || m.time >= now - limits.ttl) &&
              (limits.maxTurns === undefined || History.turnsOf(part).length <= limits.maxTurns) &&
              (limits.maxBytes === undefined || part.reduce((sum, m) => sum + History.bytesOf(m), 0) <= limits.maxBytes)
            expect(within(kept)).toBe(true)
            // One more of the older messages would break the policy.
            if (expired.length > 0) expect(within(history.slice(expired.length - 1))).toBe(false)
          }
        ),
        { numRuns: 300 }
      )
    })
  })
})
