/**
 * The handoff protocol. One handoff is:
 *
 * 1. bound — the delegation stack and the handoffs in this turn stay within
 *    their limits (`HandoffDepthExceeded` otherwise);
 * 2. build — the `HandoffContext`: history compressed to the target's budget,
 *    state whole, a checksum of state and full history;
 * 3. validate — allowed edge, a consistent agent stack, the target's required
 *    context present, the context decodes from its wire form (JSON) and the
 *    state with the application's schema; every failing check is reported;
 * 4. approve — the edge's policy (returns to a caller need none);
 * 5. verify — what the receiver got after the wire is checked against what
 *    was sent (`verifyTransfer`): the checksum over the state that arrived
 *    and the session's full history, the history view's extent and its
 *    recent messages verbatim, and everything else it carries:
 *    `contextPreserved`;
 * 6. audit — requested, approved or rejected, completed, each with who, what,
 *    why and how long.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AgentStack from "./AgentStack.js"
import type { AgentRegistry } from "./AgentRegistry.js"
import type { BatonEvent } from "./BatonEvent.js"
import * as BatonMetrics from "./BatonMetrics.js"
import * as ContextCompression from "./ContextCompression.js"
import { HandoffDepthExceeded, HandoffRejected } from "./Errors.js"
import * as HandoffApproval from "./HandoffApproval.js"
import { HandoffContext } from "./HandoffContext.js"
import type { HandoffRequest } from "./HandoffRequest.js"
import type { HandoffResult } from "./HandoffResult.js"
import type { AgentId } from "./Ids.js"
import { canonicalJson, checksumOf, digestOfItems, hash64 } from "./internal/checksum.js"
import type { Message } from "./Message.js"
import type { SessionState } from "./SessionState.js"
import * as Summariser from "./Summariser.js"

/** @since 0.1.0 @category models */
export interface Options<R = never> {
  readonly registry: AgentRegistry<any, any, any>
  /** The application's state schema; the state must decode with it to be handed over. */
  readonly stateSchema?: Schema.Schema<any, any, never>
  /** Approval policy per edge, keyed `"from->to"`. */
  readonly approval?: Readonly<Record<string, HandoffApproval.Policy<R>>>
  readonly defaultApproval?: HandoffApproval.Policy<R>
  readonly summariser?: Summariser.Summariser
  /** Deepest delegation stack. Default 4. */
  readonly maxDepth?: number
  /** Most handoffs in one turn. Default 6. */
  readonly maxHandoffsPerTurn?: number
}

/** @since 0.1.0 @category models */
export interface Input {
  readonly session: SessionState
  readonly request: HandoffRequest
  /** Agents the conversation passed through in this turn, in order, starting with the first active one. */
  readonly chain: ReadonlyArray<AgentId>
  /** Handoffs attempted before this one in the turn; makes the handoff id unique. */
  readonly attempt: number
}

/** @since 0.1.0 @category models */
export interface Completed {
  readonly result: HandoffResult
  /** The session after the handoff: new active agent and stack, the received state. */
  readonly session: SessionState
  /** The context as the receiver decoded it. */
  readonly context: HandoffContext
}

/** @since 0.1.0 @category models */
export type Audit = (event: BatonEvent) => Effect.Effect<void>

/** @since 0.1.0 @category models */
export interface Handoff<R = never> {
  readonly execute: (
    input: Input,
    audit: Audit
  ) => Effect.Effect<Completed, HandoffRejected | HandoffDepthExceeded, R>
}

/**
 * The checksum a handoff carries: the application state and the full history.
 *
 * @since 0.1.0 @category accessors
 */
export const checksum = (state: unknown, history: ReadonlyArray<Message>): string =>
  hash64(`${checksumOf(state)}:${history.length}:${digestOfItems(history)}`)

// What the receiver reads of a handoff context besides its state, which the
// checksum covers: each must arrive as it was sent.
const carried: ReadonlyArray<readonly [string, (context: HandoffContext) => unknown]> = [
  ["the session", (context) => [context.sessionId, context.userId]],
  ["the sending and receiving agents", (context) => [context.from, context.to, context.mode]],
  ["the summary of earlier messages", (context) => [context.conversationHistory.summary, context.conversationHistory.summarisedCount]],
  ["the recent messages", (context) => context.conversationHistory.recent],
  ["the history's length and last message", (context) =>
    [context.conversationHistory.totalMessages, context.conversationHistory.lastMessageId]],
  ["the preferences", (context) => context.preferences],
  ["the agent stack", (context) => context.agentStack],
  ["the search context", (context) => context.searchContext]
]

/**
 * Why the context the receiver got (`received`, after the wire) is not what
 * the sender sent, against the history the receiver reads (the session's):
 * its checksum over the state that arrived and that history must be the
 * sender's; its history view must end at that history's last message, with
 * the recent messages verbatim; and the summary, preferences, agent stack,
 * search context and envelope must be as sent. Empty when the context was
 * preserved.
 *
 * @since 0.2.0 @category verification
 */
export const verifyTransfer = (
  sent: HandoffContext,
  received: HandoffContext,
  history: ReadonlyArray<Message>
): ReadonlyArray<string> => {
  const violations: Array<string> = []
  if (received.checksum !== sent.checksum) violations.push("the context checksum changed on the wire")
  else if (checksum(received.currentState, history) !== sent.checksum) {
    violations.push("the state that arrived does not match the checksum the sender computed")
  }
  const view = received.conversationHistory
  const lastId = history.length > 0 ? history[history.length - 1]!.id : null
  if (view.totalMessages !== history.length || view.lastMessageId !== lastId) {
    violations.push(
      `the history that arrived ends at message ${view.totalMessages} (${view.lastMessageId ?? "none"}); ` +
        `the session's ends at ${history.length} (${lastId ?? "none"})`
    )
  } else if (view.summarisedCount + view.recent.length !== history.length) {
    violations.push(`the history that arrived covers ${view.summarisedCount + view.recent.length} of ${history.length} messages`)
  }
  for (const [what, read] of carried) {
    if (canonicalJson(read(received)) !== canonicalJson(read(sent))) violations.push(`${what} changed on the wire`)
  }
  return violations
}

const decodeWire = Schema.decodeUnknownEither(Schema.parseJson(HandoffContext))
// Either, not Sync: a state JSON cannot carry (a bigint, say) is a rejection, not a defect.
const encodeWire = Schema.encodeEither(Schema.parseJson(HandoffContext))

/**
 * The keys among `keys` that the application state lacks (absent or null).
 *
 * @since 0.1.0 @category accessors
 */
export const missingContext = (state: unknown, keys: ReadonlyArray<string>): ReadonlyArray<string> =>
  keys.filter((key) =>
    state === null || typeof state !== "object" || (state as Record<string, unknown>)[key] == null
  )

/** @since 0.1.0 @category constructors */
export const make = <R = never>(options: Options<R>): Handoff<R> => {
  const { registry } = options
  const maxDepth = options.maxDepth ?? 4
  const maxPerTurn = options.maxHandoffsPerTurn ?? 6
  const summariser = options.summariser ?? Summariser.extractive
  const defaultApproval: HandoffApproval.Policy<R> = options.defaultApproval ?? HandoffApproval.automatic
  const validateState = options.stateSchema
    ? Schema.decodeUnknownEither(options.stateSchema)
    : undefined

  const execute = (input: Input, audit: Audit) =>
    Effect.gen(function*() {
      const { request, session } = input
      const started = yield* Clock.currentTimeNanos
      const now = Number(started / 1_000_000n)
      const handoffId = `${session.sessionId}/v${session.version}/h${input.attempt}`
      const elapsed = Effect.map(Clock.currentTimeNanos, (end) => Number(end - started) / 1e6)
      const base = { sessionId: session.sessionId, handoffId }

      const reject = (stage: string, by: string, reasons: ReadonlyArray<string>) =>
        Effect.flatMap(elapsed, (durationMs) =>
          Effect.zipRight(
            audit({ _tag: "HandoffRejected", ...base, at: now, by, stage, reasons, durationMs }),
            Metric.increment(BatonMetrics.handoffsRejected)
          ))

      yield* audit({ _tag: "HandoffRequested", ...base, at: now, ...request })

      const chain = [...input.chain, request.to]
      if (input.chain.length - 1 >= maxPerTurn) {
        const error = new HandoffDepthExceeded({ bound: "turn", limit: maxPerTurn, chain })
        yield* reject("depth", "protocol", [error.message])
        return yield* error
      }
      if (request.mode === "delegate" && session.agentStack.length + 1 > maxDepth) {
        const error = new HandoffDepthExceeded({ bound: "stack", limit: maxDepth, chain: [...session.agentStack, request.from, request.to] })
        yield* reject("depth", "protocol", [error.message])
        return yield* error
      }

      const reasons: Array<string> = []
      const from = registry.lookup(request.from)
      const target = registry.lookup(request.to)
      if (from === undefined) reasons.push(`the sending agent "${request.from}" is not registered`)
      if (target === undefined) reasons.push(`the target agent "${request.to}" is not registered`)
      if (session.currentAgent !== request.from) {
        reasons.push(`"${request.from}" is not the active agent (active: ${session.currentAgent ?? "none"})`)
      }
      if (request.mode !== "return" && from !== undefined && !from.handoffTargets.includes(request.to)) {
        reasons.push(
          `"${request.from}" may not hand off to "${request.to}" (allowed: ${from.handoffTargets.join(", ") || "none"})`
        )
      }
      const position = AgentStack.apply({ active: request.from, stack: session.agentStack }, request.mode, request.to)
      if (typeof position === "string") reasons.push(position)
      if (target !== undefined) {
        for (const key of missingContext(session.context.state, target.requiredContext)) {
          reasons.push(`"${request.to}" needs "${key}" in the conversation state, and it is missing`)
        }
      }

      const history = session.context.history
      const sent: HandoffContext = {
        schemaVersion: session.schemaVersion,
        handoffId,
        userId: session.userId,
        sessionId: session.sessionId,
        from: request.from,
        to: request.to,
        reason: request.reason,
        mode: request.mode,
        conversationHistory: yield* ContextCompression.compress(
          history,
          target?.contextBudget ?? { maxTokens: Number.MAX_SAFE_INTEGER, recentMessages: history.length },
          summariser
        ),
        currentState: session.context.state,
        preferences: session.context.preferences,
        agentStack: typeof position === "string" ? session.agentStack : position.stack,
        searchContext: session.context.searchContext,
        checksum: checksum(session.context.state, history),
        createdAt: now
      }
      // The wire: what the receiver gets is what survives JSON and decoding.
      const received = Either.flatMap(encodeWire(sent), decodeWire)
      if (Either.isLeft(received)) {
        reasons.push(
          `the handoff context does not survive its JSON wire form: ${ParseResult.TreeFormatter.formatErrorSync(received.left)}`
        )
      } else if (validateState !== undefined) {
        const state = validateState(received.right.currentState)
        if (Either.isLeft(state)) {
          reasons.push(`the conversation state does not decode: ${ParseResult.TreeFormatter.formatErrorSync(state.left)}`)
        }
      }
      if (reasons.length > 0 || typeof position === "string" || Either.isLeft(received)) {
        yield* reject("validation", "protocol", reasons)
        return yield* new HandoffRejected({ from: request.from, to: request.to, stage: "validation", reasons })
      }

      if (request.mode !== "return") {
        const policy = options.approval?.[HandoffApproval.edge(request.from, request.to)] ?? defaultApproval
        const decision = yield* policy.decide(sent)
        if (decision._tag === "Denied") {
          yield* reject("approval", decision.by, [decision.reason])
          return yield* new HandoffRejected({ from: request.from, to: request.to, stage: "approval", reasons: [decision.reason] })
        }
        yield* audit({ _tag: "HandoffApproved", ...base, at: now, by: decision.by, durationMs: yield* elapsed })
      }

      const context = received.right
      const after: SessionState = {
        ...session,
        currentAgent: position.active,
        agentStack: position.stack,
        context: {
          history,
          state: context.currentState,
          preferences: context.preferences,
          searchContext: context.searchContext
        }
      }
      const violations = verifyTransfer(sent, context, after.context.history)
      const contextPreserved = violations.length === 0
      if (!contextPreserved) {
        yield* Metric.increment(BatonMetrics.contextViolations)
        yield* reject("transfer", "protocol", violations)
        return yield* new HandoffRejected({ from: request.from, to: request.to, stage: "transfer", reasons: violations })
      }
      const executionTimeMs = yield* elapsed
      yield* audit({
        _tag: "HandoffCompleted",
        ...base,
        at: now,
        from: request.from,
        to: request.to,
        mode: request.mode,
        contextPreserved,
        durationMs: executionTimeMs
      })
      yield* BatonMetrics.handoffDuration(Effect.succeed(executionTimeMs))
      yield* Metric.increment(BatonMetrics.handoffsCompleted)
      const result: HandoffResult = {
        handoffId,
        success: true,
        from: request.from,
        to: request.to,
        newAgentId: position.active,
        mode: request.mode,
        initiator: request.initiator,
        reason: request.reason,
        contextPreserved,
        executionTimeMs,
        errors: []
      }
      return { result, session: after, context }
    }).pipe(Effect.withSpan("baton.handoff", {
      attributes: { from: input.request.from, to: input.request.to, mode: input.request.mode }
    }))

  return { execute }
}
