import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import * as ContextCompression from "../src/ContextCompression.js"
import type { Message } from "../src/Message.js"
import * as Summariser from "../src/Summariser.js"
import { messagesOf } from "./fixtures.js"

/** A summariser that records what it was asked to summarise and answers with a fixed text. */
const recordingSummariser = (answer: string) => {
  const calls: Array<{ readonly messages: ReadonlyArray<Message>; readonly maxTokens: number }> = []
  const summariser: Summariser.Summariser = {
    summarise: (messages, maxTokens) =>
      Effect.sync(() => {
        calls.push({ messages, maxTokens })
        return answer
      })
  }
  return { calls, summariser }
}

// 40 characters: 10 tokens each under the 4-characters-per-token estimate.
const tenTokens = (index: number) => `message number ${String(index).padStart(3, "0")} ${"x".repeat(20)}`

describe("ContextCompression.compress", () => {
  it.effect("keeps a short history verbatim with no summary", () =>
    Effect.gen(function*() {
      const history = messagesOf(3)
      const compressed = yield* ContextCompression.compress(
        history,
        { maxTokens: 100, recentMessages: 6 },
        Summariser.extractive
      )
      expect(compressed).toEqual({
        summary: null,
        summarisedCount: 0,
        recent: history,
        totalMessages: 3,
        lastMessageId: history[2]!.id
      })
    }))

  it.effect("keeps the recent window verbatim and summarises the older messages", () =>
    Effect.gen(function*() {
      const history = messagesOf(10)
      const { calls, summariser } = recordingSummariser("the gist")
      const compressed = yield* ContextCompression.compress(history, { maxTokens: 1000, recentMessages: 3 }, summariser)
      expect(compressed.recent).toEqual(history.slice(7))
      expect(compressed.summary).toBe("the gist")
      expect(compressed.summarisedCount).toBe(7)
      expect(calls).toHaveLength(1)
      expect(calls[0]!.messages).toEqual(history.slice(0, 7))
    }))

  it.effect("shrinks the recent window to the token budget and gives the summary only what is left", () =>
    Effect.gen(function*() {
      const history = messagesOf(8, tenTokens)
      const { calls, summariser } = recordingSummariser("")
      const compressed = yield* ContextCompression.compress(history, { maxTokens: 25, recentMessages: 6 }, summariser)
      expect(compressed.recent).toEqual(history.slice(6))
      expect(compressed.summarisedCount).toBe(6)
      expect(calls[0]!.maxTokens).toBe(5)
    }))

  it.effect("the extractive summary fits the budget left by the recent window", () =>
    Effect.gen(function*() {
      const history = messagesOf(
        12,
        (i) => `Flight ${i} to Lisbon leaves at ${i} o'clock. The hotel near the river has rooms. Budget is tight.`
      )
      const budget = { maxTokens: 80, recentMessages: 2 }
      const compressed = yield* ContextCompression.compress(history, budget, Summariser.extractive)
      expect(compressed.summary).not.toBeNull()
      expect(compressed.summary!.length).toBeGreaterThan(0)
      expect(ContextCompression.tokensOf(compressed)).toBeLessThanOrEqual(budget.maxTokens)
    }))

  it.effect("keeps the newest message even when it alone exceeds the budget", () =>
    Effect.gen(function*() {
      const history = messagesOf(3, (i) => (i === 2 ? "y".repeat(400) : "short"))
      const { calls, summariser } = recordingSummariser("")
      const compressed = yield* ContextCompression.compress(history, { maxTokens: 10, recentMessages: 4 }, summariser)
      expect(compressed.recent).toEqual([history[2]])
      expect(calls[0]!.maxTokens).toBe(0)
    }))

  it.effect("references the full history: total count and last id, and leaves the history unedited", () =>
    Effect.gen(function*() {
      const history = messagesOf(20, tenTokens)
      const before = structuredClone(history)
      const compressed = yield* ContextCompression.compress(
        history,
        { maxTokens: 30, recentMessages: 2 },
        Summariser.extractive
      )
      expect(compressed.totalMessages).toBe(20)
      expect(compressed.lastMessageId).toBe(history[19]!.id)
      expect(compressed.summarisedCount + compressed.recent.length).toBe(20)
      expect(history).toEqual(before)
    }))

  it.effect("an empty history compresses to nothing", () =>
    Effect.gen(function*() {
      const compressed = yield* ContextCompression.compress([], { maxTokens: 10, recentMessages: 2 }, Summariser.extractive)
      expect(compressed).toEqual({ summary: null, summarisedCount: 0, recent: [], totalMessages: 0, lastMessageId: null })
    }))
})

describe("ContextCompression properties", () => {
  const words = fc.constantFrom("flight", "hotel", "Lisbon", "budget", "rain", "museum", "train", "cheap", "late")
  const sentence = fc.array(words, { minLength: 1, maxLength: 12 }).map((ws) => `${ws.join(" ")}.`)
  const content = fc.array(sentence, { maxLength: 4 }).map((ss) => ss.join(" "))
  const arbitrary = fc.record({
    contents: fc.array(content, { maxLength: 25 }),
    maxTokens: fc.integer({ min: 0, max: 200 }),
    recentMessages: fc.integer({ min: 0, max: 8 })
  })

  it("the window is a maximal verbatim suffix, the summary fits the budget, the totals reference the full history", () => {
    fc.assert(
      fc.property(arbitrary, ({ contents, maxTokens, recentMessages }) => {
        const history = messagesOf(contents.length, (i) => contents[i]!)
        const budget = { maxTokens, recentMessages }
        const compressed = Effect.runSync(ContextCompression.compress(history, budget, Summariser.extractive))
        const kept = compressed.recent.length

        expect(compressed.totalMessages).toBe(history.length)
        expect(compressed.lastMessageId).toBe(history.at(-1)?.id ?? null)
        expect(compressed.summarisedCount + kept).toBe(history.length)
        expect(compressed.recent).toEqual(history.slice(history.length - kept))
        expect(kept).toBeLessThanOrEqual(recentMessages)
        expect(compressed.summary === null).toBe(compressed.summarisedCount === 0)
        if (history.length > 0 && recentMessages > 0) expect(kept).toBeGreaterThanOrEqual(1)

        const newest = history.at(-1)
        const newestFits = newest === undefined || Math.ceil(newest.content.length / 4) <= maxTokens
        if (newestFits) expect(ContextCompression.tokensOf(compressed)).toBeLessThanOrEqual(maxTokens)
        // Maximal: the next older message would break the window or the budget.
        if (compressed.summarisedCount > 0 && kept < recentMessages) {
          const windowTokens = compressed.recent.reduce((sum, m) => sum + Math.ceil(m.content.length / 4), 0)
          const next = history[compressed.summarisedCount - 1]!
          expect(windowTokens + Math.ceil(next.content.length / 4)).toBeGreaterThan(maxTokens)
        }
      }),
      { numRuns: 1000 }
    )
  })
})
