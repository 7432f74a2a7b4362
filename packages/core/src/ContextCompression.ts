/**
 * Fits a history into an agent's context budget: the most recent messages
 * verbatim, older ones summarised. Only the history is compressed; the
 * application state is never touched, and the full history stays in the
 * session.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { ContextBudget } from "./Agent.js"
import type { CompressedHistory } from "./HandoffContext.js"
import { estimateTokens } from "./internal/text.js"
import type { Message } from "./Message.js"
import type { Summariser } from "./Summariser.js"

/**
 * The token estimate of a compressed history: its summary and recent messages.
 *
 * @since 0.1.0 @category accessors
 */
export const tokensOf = (history: CompressedHistory): number =>
  (history.summary === null ? 0 : estimateTokens(history.summary)) +
  history.recent.reduce((sum, message) => sum + estimateTokens(message.content), 0)

/** @since 0.1.0 @category constructors */
export const compress = (
  history: ReadonlyArray<Message>,
  budget: ContextBudget,
  summariser: Summariser
): Effect.Effect<CompressedHistory> => {
  // Walk back from the newest message while the window and the budget allow.
  let start = history.length
  let used = 0
  while (start > 0 && history.length - start < budget.recentMessages) {
    const cost = estimateTokens(history[start - 1]!.content)
    if (used + cost > budget.maxTokens && start < history.length) break
    used += cost
    start--
  }
  const recent = history.slice(start)
  const lastMessageId = history.length > 0 ? history[history.length - 1]!.id : null
  if (start === 0) {
    return Effect.succeed({ summary: null, summarisedCount: 0, recent, totalMessages: history.length, lastMessageId })
  }
  return Effect.map(
    summariser.summarise(history.slice(0, start), Math.max(0, budget.maxTokens - used)),
    (summary) => ({ summary, summarisedCount: start, recent, totalMessages: history.length, lastMessageId })
  )
}
