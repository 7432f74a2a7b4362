/**
 * History intelligence over a session's full history: what to show an agent
 * or a model of a long conversation, and how to find what was said before.
 *
 * - **Compression**: the most recent messages verbatim and a summary of the
 *   older ones (core's `ContextCompression` with a pluggable `Summariser`,
 *   extractive by default). The compressed form points into the full history
 *   (`totalMessages`, `lastMessageId`), which the session keeps unedited:
 *   `expand` brings back every message a compressed history stands for.
 * - **Topics**: each turn is tagged with topics from the app's keywords
 *   (`TopicRules`: a travel app's `hotels`, `flights`…; a support desk's
 *   `billing`, `refunds`…) and `indexTopics` answers "which turns were
 *   about hotels?".
 * - **Retrieval**: `relevant` ranks past turns for a request by BM25 over
 *   their words plus the topics they share with it, and returns the best `k`.
 * - **Expiration**: `expire` keeps the longest newest part of a history that
 *   satisfies a policy (age, number of turns, bytes). It selects a working
 *   set; it never deletes anything from the store.
 *
 * A *turn* here is a user message and the messages that answer it, up to the
 * next user message; messages before the first user message form a turn of
 * their own.
 *
 * @example
 * import { Agent, type Message, Summariser } from "@baton/core"
 * import { History } from "@baton/session"
 *
 * declare const history: ReadonlyArray<Message.Message>
 * const topics: History.TopicRules = { hotels: ["hotel", "room", "stay"], flights: ["flight", "fly"] }
 * const recall = History.relevant(history, "which hotel did we like?", 3, { rules: topics })
 * const hotels = History.indexTopics(history, topics).search("hotels")
 * const window = History.compress(history, Agent.defaultBudget, Summariser.extractive)
 * const kept = History.expire(history, { maxTurns: 20, maxBytes: 64_000 }, Date.now()).kept
 *
 * @since 0.1.0
 */
import {
  type Agent,
  ContextCompression,
  type Errors,
  type HandoffContext,
  Ids,
  Lexical,
  type Message,
  SessionStore,
  Summariser
} from "@baton/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * The full history behind a compressed one cannot be brought back: the
 * session is gone (expired or deleted), or its history no longer starts with
 * the messages the compressed form points to.
 *
 * @since 0.1.0 @category errors
 */
export class HistoryUnavailable extends Schema.TaggedError<HistoryUnavailable>("@baton/session/HistoryUnavailable")(
  "HistoryUnavailable",
  { sessionId: Ids.SessionId, reason: Schema.String }
) {
  override get message() {
    return `The full history of session "${this.sessionId}" is unavailable: ${this.reason}.`
  }
}

/** @since 0.1.0 @category models */
export interface Turn {
  /** 0-based position of the turn in the history. */
  readonly index: number
  /** Position of the turn's first message in the full history. */
  readonly start: number
  /** The user message and the messages that answer it, in order. */
  readonly messages: ReadonlyArray<Message.Message>
}

/**
 * The history cut into turns: a new turn at every user message.
 *
 * @since 0.1.0 @category constructors
 */
export const turnsOf = (history: ReadonlyArray<Message.Message>): Array<Turn> => {
  const turns: Array<Turn> = []
  let messages: Array<Message.Message> = []
  let start = 0
  history.forEach((message, i) => {
    if (message.role === "user" && messages.length > 0) {
      turns.push({ index: turns.length, start, messages })
      messages = []
      start = i
    }
    messages.push(message)
  })
  if (messages.length > 0) turns.push({ index: turns.length, start, messages })
  return turns
}

/** The words of a turn, as one text. @since 0.1.0 @category accessors */
export const textOf = (turn: Turn): string => turn.messages.map((message) => message.content).join("\n")

// ---------------------------------------------------------------------------
// Compression

/**
 * The recent messages of `history` verbatim within `budget`, the older ones
 * summarised by `summariser` (extractive by default). The history itself is
 * not changed.
 *
 * @since 0.1.0 @category compression
 */
export const compress = (
  history: ReadonlyArray<Message.Message>,
  budget: Agent.ContextBudget,
  summariser: Summariser.Summariser = Summariser.extractive
): Effect.Effect<HandoffContext.CompressedHistory> => ContextCompression.compress(history, budget, summariser)

/**
 * The messages a compressed history stands for, from the full history it was
 * made of (or any later version of it: histories only grow), or `undefined`
 * when `full` is not that history.
 *
 * @since 0.1.0 @category compression
 */
export const expandFrom = (
  compressed: HandoffContext.CompressedHistory,
  full: ReadonlyArray<Message.Message>
): ReadonlyArray<Message.Message> | undefined => {
  if (full.length < compressed.totalMessages) return undefined
  const prefix = full.slice(0, compressed.totalMessages)
  const last = prefix.length === 0 ? null : prefix[prefix.length - 1]!.id
  if (last !== compressed.lastMessageId) return undefined
  const recentStart = compressed.totalMessages - compressed.recent.length
  if (recentStart !== compressed.summarisedCount) return undefined
  return compressed.recent.every((message, i) => message.id === prefix[recentStart + i]!.id) ? prefix : undefined
}

/**
 * The session's full history as stored: every message, never compressed.
 *
 * @since 0.1.0 @category retrieval
 */
export const full = (
  sessionId: Ids.SessionId
): Effect.Effect<ReadonlyArray<Message.Message>, HistoryUnavailable | Errors.SessionStoreError, SessionStore.SessionStore> =>
  Effect.flatMap(SessionStore.SessionStore, (store) => store.load(sessionId)).pipe(
    Effect.flatMap((loaded) =>
      loaded._tag === "Some"
        ? Effect.succeed(loaded.value.context.history)
        : Effect.fail(new HistoryUnavailable({ sessionId, reason: "the session does not exist or expired" }))
    )
  )

/**
 * Every message a compressed history of `sessionId` stands for, read back
 * from the session's stored history: the summary's messages and the recent
 * ones, in order.
 *
 * @since 0.1.0 @category compression
 */
export const expand = (
  sessionId: Ids.SessionId,
  compressed: HandoffContext.CompressedHistory
): Effect.Effect<ReadonlyArray<Message.Message>, HistoryUnavailable | Errors.SessionStoreError, SessionStore.SessionStore> =>
  Effect.flatMap(full(sessionId), (history) => {
    const expanded = expandFrom(compressed, history)
    return expanded === undefined
      ? Effect.fail(
        new HistoryUnavailable({
          sessionId,
          reason: `the stored history does not begin with the ${compressed.totalMessages} messages ending at ${
            compressed.lastMessageId ?? "nothing"
          }`
        })
      )
      : Effect.succeed(expanded)
  })

// ---------------------------------------------------------------------------
// Topics

/**
 * Topics by name, each with the words that signal it. Words are matched
 * after the same light stemming as retrieval, so "flight" also finds
 * "flights".
 *
 * @since 0.1.0 @category topics
 */
export type TopicRules = Readonly<Record<string, ReadonlyArray<string>>>

interface CompiledRules {
  readonly words: ReadonlyMap<string, ReadonlyArray<string>>
  readonly phrases: ReadonlyArray<readonly [string, string]>
}

const compiled = new WeakMap<TopicRules, CompiledRules>()

// Single words match tokens; phrases and symbols match the lower-cased text.
const compile = (rules: TopicRules): CompiledRules => {
  const cached = compiled.get(rules)
  if (cached !== undefined) return cached
  const words = new Map<string, Array<string>>()
  const phrases: Array<readonly [string, string]> = []
  for (const [topic, keywords] of Object.entries(rules)) {
    for (const keyword of keywords) {
      const tokens = Lexical.tokenize(keyword)
      if (tokens.length === 1 && /^[\p{L}\p{N}]+$/u.test(keyword)) {
        words.set(tokens[0]!, [...(words.get(tokens[0]!) ?? []), topic])
      } else {
        phrases.push([keyword.toLowerCase(), topic])
      }
    }
  }
  const result = { words, phrases }
  compiled.set(rules, result)
  return result
}

/**
 * The topics a text is about, in the order of `rules`.
 *
 * @since 0.1.0 @category topics
 */
export const topicsOf = (text: string, rules: TopicRules): Array<string> => {
  const { phrases, words } = compile(rules)
  const found = new Set<string>()
  for (const token of Lexical.tokenize(text)) for (const topic of words.get(token) ?? []) found.add(topic)
  const lower = text.toLowerCase()
  for (const [phrase, topic] of phrases) if (lower.includes(phrase)) found.add(topic)
  return Object.keys(rules).filter((topic) => found.has(topic))
}

/** @since 0.1.0 @category topics */
export interface TopicIndex {
  readonly turns: ReadonlyArray<Turn>
  /** The topics of each turn, by turn index. */
  readonly topicsByTurn: ReadonlyArray<ReadonlyArray<string>>
  /** Every topic mentioned, with how many turns mention it, most mentioned first. */
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly turns: number }>
  /** The turns about `topic`, oldest first. */
  readonly search: (topic: string) => ReadonlyArray<Turn>
}

/**
 * Tags every turn of `history` with its topics and indexes the turns by topic.
 *
 * @since 0.1.0 @category topics
 */
export const indexTopics = (history: ReadonlyArray<Message.Message>, rules: TopicRules): TopicIndex => {
  const turns = turnsOf(history)
  const topicsByTurn = turns.map((turn) => topicsOf(textOf(turn), rules))
  const byTopic = new Map<string, Array<Turn>>()
  topicsByTurn.forEach((topics, i) => {
    for (const topic of topics) byTopic.set(topic, [...(byTopic.get(topic) ?? []), turns[i]!])
  })
  const order = Object.keys(rules)
  return {
    turns,
    topicsByTurn,
    topics: [...byTopic.entries()]
      .map(([topic, found]) => ({ topic, turns: found.length }))
      .sort((a, b) => b.turns - a.turns || order.indexOf(a.topic) - order.indexOf(b.topic)),
    search: (topic) => byTopic.get(topic) ?? []
  }
}

// ---------------------------------------------------------------------------
// Retrieval

/** @since 0.1.0 @category retrieval */
export interface Relevant {
  readonly turn: Turn
  readonly score: number
  /** The topics the turn shares with the request. */
  readonly sharedTopics: ReadonlyArray<string>
}

/** @since 0.1.0 @category retrieval */
export interface RelevantOptions {
  /** The app's topics, which add to the words a turn shares with the request. Default none. */
  readonly rules?: TopicRules
  /** Added to a turn's BM25 score for every topic it shares with the request. Default 0.5. */
  readonly topicWeight?: number
  /** Leave out the newest turns (already in the agent's recent window). Default 0. */
  readonly skipRecent?: number
}

/**
 * The `k` past turns most relevant to `request`: BM25 over each turn's words,
 * plus `topicWeight` for every topic shared with the request. Turns with
 * nothing in common are never returned; ties go to the newer turn.
 *
 * @since 0.1.0 @category retrieval
 */
export const relevant = (
  history: ReadonlyArray<Message.Message>,
  request: string,
  k: number,
  options: RelevantOptions = {}
): Array<Relevant> => {
  const rules = options.rules ?? {}
  const weight = options.topicWeight ?? 0.5
  const turns = turnsOf(history)
  const candidates = turns.slice(0, Math.max(0, turns.length - (options.skipRecent ?? 0)))
  if (k <= 0 || candidates.length === 0) return []
  const lexical = Lexical.score(candidates.map((turn) => Lexical.tokenize(textOf(turn))), request)
  const wanted = new Set(topicsOf(request, rules))
  return candidates
    .map((turn, i) => {
      const sharedTopics = topicsOf(textOf(turn), rules).filter((topic) => wanted.has(topic))
      return { turn, score: lexical[i]! + weight * sharedTopics.length, sharedTopics }
    })
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.score - a.score || b.turn.index - a.turn.index)
    .slice(0, k)
}

// ---------------------------------------------------------------------------
// Expiration

/**
 * What a working history may hold; every limit is optional.
 *
 * @since 0.1.0 @category expiration
 */
export interface ExpirationPolicy {
  /** Messages older than this (by their `time`) expire. */
  readonly ttl?: Duration.DurationInput
  /** At most this many turns; a partial turn at the start counts as one. */
  readonly maxTurns?: number
  /** At most this many bytes of message content (UTF-8). */
  readonly maxBytes?: number
}

/** @since 0.1.0 @category expiration */
export interface Expiration {
  /** The newest messages, in order: the longest part of the history's end within the policy. */
  readonly kept: ReadonlyArray<Message.Message>
  /** The older messages left out, in order; `[...expired, ...kept]` is the history. */
  readonly expired: ReadonlyArray<Message.Message>
}

const encoder = new TextEncoder()

/** The UTF-8 size of a message's content. @since 0.1.0 @category expiration */
export const bytesOf = (message: Message.Message): number => encoder.encode(message.content).length

/**
 * Splits `history` at the oldest message that can stay: walking back from
 * the newest, a message is kept while it is younger than `ttl` at `now`, the
 * turns kept stay within `maxTurns` and their bytes within `maxBytes`. The
 * newest messages are therefore always the ones kept.
 *
 * @since 0.1.0 @category expiration
 */
export const expire = (
  history: ReadonlyArray<Message.Message>,
  policy: ExpirationPolicy,
  now: number
): Expiration => {
  const oldest = policy.ttl === undefined ? -Infinity : now - Duration.toMillis(Duration.decode(policy.ttl))
  const maxTurns = policy.maxTurns ?? Infinity
  const maxBytes = policy.maxBytes ?? Infinity
  let start = history.length
  let bytes = 0
  // Turns in history[start..]: the user messages, plus one for a partial turn at the start.
  let userMessages = 0
  while (start > 0) {
    const message = history[start - 1]!
    if (message.time < oldest) break
    const size = bytes + bytesOf(message)
    const users = userMessages + (message.role === "user" ? 1 : 0)
    const turns = users + (message.role === "user" ? 0 : 1)
    if (size > maxBytes || turns > maxTurns) break
    bytes = size
    userMessages = users
    start--
  }
  return { kept: history.slice(start), expired: history.slice(0, start) }
}
