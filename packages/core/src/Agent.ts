/**
 * An agent: what it can do, where it may hand the conversation, what it
 * needs, and a handler that reads the session, calls tools through the
 * `ToolGateway` port and ends in a reply or a handoff.
 *
 * @example
 * ```ts
 * import { Agent, Ids } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const greeter = Agent.make<{ readonly name?: string }>({
 *   id: Ids.agentId("greeter"),
 *   description: "Says hello",
 *   capabilities: [{ intent: "greet", description: "greetings", keywords: ["hello"], examples: ["hi there"] }],
 *   handle: (input) => Effect.succeed(Agent.reply(`Hello ${input.state.name ?? "traveller"}!`))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Capability } from "./Capability.js"
import type { HandoffContext } from "./HandoffContext.js"
import type { AgentId, SessionId, UserId } from "./Ids.js"
import type { Message } from "./Message.js"

/** @since 0.1.0 @category models */
export interface ContextBudget {
  /** Token budget for the history the agent receives on a handoff. */
  readonly maxTokens: number
  /** How many of the latest messages are always kept verbatim. */
  readonly recentMessages: number
}

/** @since 0.1.0 @category models */
export interface Returned {
  readonly from: AgentId
  readonly reason: string
  readonly text: string | undefined
}

/** @since 0.1.0 @category models */
export interface AgentInput<S> {
  readonly sessionId: SessionId
  readonly userId: UserId
  /** The user's message for this turn. */
  readonly message: Message
  /** The full history, including this turn's messages so far. */
  readonly history: ReadonlyArray<Message>
  readonly state: S
  readonly preferences: Readonly<Record<string, unknown>>
  readonly agentStack: ReadonlyArray<AgentId>
  /** The handoff that brought the conversation to this agent in this turn. */
  readonly arrival: Option.Option<HandoffContext>
  /** What a delegated agent returned with, when control came back in this turn. */
  readonly returned: Option.Option<Returned>
}

/** @since 0.1.0 @category models */
export interface Updates<S> {
  readonly state?: S
  readonly preferences?: Readonly<Record<string, unknown>>
}

/** @since 0.1.0 @category models */
export interface Reply<S> extends Updates<S> {
  readonly _tag: "Reply"
  readonly text: string
}

/** @since 0.1.0 @category models */
export interface HandoffTo<S> extends Updates<S> {
  readonly _tag: "Handoff"
  readonly to: AgentId
  readonly reason: string
  readonly mode: "transfer" | "delegate"
  /** Said to the user before the receiving agent speaks. */
  readonly text?: string
}

/** @since 0.1.0 @category models */
export interface Return<S> extends Updates<S> {
  readonly _tag: "Return"
  readonly reason: string
  readonly text?: string
}

/** @since 0.1.0 @category models */
export type Outcome<S> = Reply<S> | HandoffTo<S> | Return<S>

/** @since 0.1.0 @category constructors */
export const reply = <S>(text: string, updates: Updates<S> = {}): Outcome<S> => ({ _tag: "Reply", text, ...updates })

/** @since 0.1.0 @category constructors */
export const transfer = <S>(
  to: AgentId,
  reason: string,
  options: Updates<S> & { readonly text?: string } = {}
): Outcome<S> => ({ _tag: "Handoff", to, reason, mode: "transfer", ...options })

/** @since 0.1.0 @category constructors */
export const delegate = <S>(
  to: AgentId,
  reason: string,
  options: Updates<S> & { readonly text?: string } = {}
): Outcome<S> => ({ _tag: "Handoff", to, reason, mode: "delegate", ...options })

/** @since 0.1.0 @category constructors */
export const returnToCaller = <S>(
  reason: string,
  options: Updates<S> & { readonly text?: string } = {}
): Outcome<S> => ({ _tag: "Return", reason, ...options })

/** @since 0.1.0 @category models */
export interface Agent<S, E = never, R = never> {
  readonly id: AgentId
  readonly name: string
  readonly description: string
  readonly capabilities: ReadonlyArray<Capability>
  /** Agents this one may hand the conversation to. */
  readonly handoffTargets: ReadonlyArray<AgentId>
  /** Services the agent calls; when they are unhealthy the router ranks it down. */
  readonly requiredServices: ReadonlyArray<string>
  /** Keys of the application state that must be present before a handoff to this agent. */
  readonly requiredContext: ReadonlyArray<string>
  readonly contextBudget: ContextBudget
  readonly handle: (input: AgentInput<S>) => Effect.Effect<Outcome<S>, E, R>
}

/** @since 0.1.0 @category models */
export type Definition<S, E, R> =
  & Pick<Agent<S, E, R>, "id" | "description" | "capabilities" | "handle">
  & Partial<Omit<Agent<S, E, R>, "id" | "description" | "capabilities" | "handle">>

/** @since 0.1.0 @category constants */
export const defaultBudget: ContextBudget = { maxTokens: 512, recentMessages: 6 }

/** @since 0.1.0 @category constructors */
export const make = <S, E = never, R = never>(definition: Definition<S, E, R>): Agent<S, E, R> => ({
  name: definition.name ?? definition.id,
  handoffTargets: [],
  requiredServices: [],
  requiredContext: [],
  contextBudget: defaultBudget,
  ...definition
})
