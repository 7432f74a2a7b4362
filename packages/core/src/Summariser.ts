/**
 * Summarises older turns when a history is compressed. The default is
 * extractive: it keeps the sentences that carry the most frequent content
 * words, in their original order, within the token budget. Deterministic and
 * offline; a model-backed summariser can replace it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { estimateTokens, tokenize } from "./internal/text.js"
import type { Message } from "./Message.js"

/** @since 0.1.0 @category models */
export interface Summariser {
  readonly summarise: (messages: ReadonlyArray<Message>, maxTokens: number) => Effect.Effect<string>
}

interface Sentence {
  readonly text: string
  readonly words: ReadonlyArray<string>
}

// Messages are immutable, so each is split and tokenised once per process
// however many handoffs summarise it.
const sentenceCache = new WeakMap<Message, ReadonlyArray<Sentence>>()

const sentencesOf = (message: Message): ReadonlyArray<Sentence> => {
  const cached = sentenceCache.get(message)
  if (cached !== undefined) return cached
  const speaker = message.role === "user" ? "User" : message.agent ?? message.role
  const sentences = message.content
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0)
    .map((sentence) => ({ text: `${speaker}: ${sentence}`, words: tokenize(sentence) }))
  sentenceCache.set(message, sentences)
  return sentences
}

/** @since 0.1.0 @category constructors */
export const extractive: Summariser = {
  summarise: (messages, maxTokens) =>
    Effect.sync(() => {
      if (maxTokens <= 0) return ""
      const sentences = messages.flatMap(sentencesOf)
      const frequency = new Map<string, number>()
      for (const { words } of sentences) {
        for (const word of words) frequency.set(word, (frequency.get(word) ?? 0) + 1)
      }
      const ranked = sentences
        .map(({ text, words }, index) => {
          const weight = words.reduce((sum, word) => sum + frequency.get(word)!, 0)
          return { index, sentence: text, score: weight / Math.sqrt(words.length + 1) }
        })
        .sort((a, b) => b.score - a.score || a.index - b.index)
      const chosen: Array<{ index: number; sentence: string }> = []
      let used = 0
      for (const candidate of ranked) {
        const cost = estimateTokens(candidate.sentence) + 1
        if (used + cost > maxTokens) continue
        chosen.push(candidate)
        used += cost
      }
      return chosen
        .sort((a, b) => a.index - b.index)
        .map((candidate) => candidate.sentence)
        .join(" ")
    })
}
