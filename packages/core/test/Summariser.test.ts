import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { Message } from "../src/Message.js"
import * as Summariser from "../src/Summariser.js"
import { messagesOf } from "./fixtures.js"

const tokens = (text: string) => Math.ceil(text.length / 4)

const history: ReadonlyArray<Message> = messagesOf(4, (i) =>
  [
    "I want to go to Lisbon in May. Something about the weather.",
    "Lisbon in May is lovely. Flights to Lisbon are cheap.",
    "Find me a hotel in Lisbon. Unrelated musings on penguins!",
    "Hotels in Lisbon start at 80 euros."
  ][i]!)

describe("Summariser.extractive", () => {
  it.effect("a budget of nothing gives an empty summary", () =>
    Effect.gen(function*() {
      expect(yield* Summariser.extractive.summarise(history, 0)).toBe("")
    }))

  it.effect("with room for everything it keeps every sentence, in order, with its speaker", () =>
    Effect.gen(function*() {
      const summary = yield* Summariser.extractive.summarise(history.slice(0, 2), 1000)
      expect(summary).toBe(
        "User: I want to go to Lisbon in May. User: Something about the weather. " +
          "triage: Lisbon in May is lovely. triage: Flights to Lisbon are cheap."
      )
    }))

  it.effect("keeps the sentences that carry the conversation's frequent words, within the budget", () =>
    Effect.gen(function*() {
      const budget = 30
      const summary = yield* Summariser.extractive.summarise(history, budget)
      expect(tokens(summary)).toBeLessThanOrEqual(budget)
      expect(summary).toContain("Lisbon")
      expect(summary).not.toContain("penguins")
    }))
})
