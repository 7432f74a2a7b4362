/**
 * The agent stack of nested handoffs: a delegating agent is pushed and waits;
 * a return pops it back. The invariants: the active agent is never on the
 * stack, and no agent is on it twice.
 *
 * @since 0.1.0
 */
import type { HandoffMode } from "./HandoffRequest.js"
import type { AgentId } from "./Ids.js"

/** @since 0.1.0 @category models */
export interface Position {
  readonly active: AgentId
  readonly stack: ReadonlyArray<AgentId>
}

/**
 * Where a handoff leads, or why it cannot be applied.
 *
 * @since 0.1.0 @category combinators
 */
export const apply = (position: Position, mode: HandoffMode, to: AgentId): Position | string => {
  switch (mode) {
    case "transfer":
      return position.stack.includes(to)
        ? `${to} is waiting on the agent stack for a delegated agent to return; transfer would make a loop`
        : { active: to, stack: position.stack }
    case "delegate":
      return position.stack.includes(to) || to === position.active
        ? `${to} is already on the agent stack; delegating to it would make a loop`
        : { active: to, stack: [...position.stack, position.active] }
    case "return": {
      const caller = position.stack[position.stack.length - 1]
      if (caller === undefined) return "there is no caller to return to: the agent stack is empty"
      return caller === to ? { active: caller, stack: position.stack.slice(0, -1) } : `the caller on top of the stack is ${caller}, not ${to}`
    }
  }
}

/** @since 0.1.0 @category predicates */
export const isConsistent = (position: Position): boolean =>
  !position.stack.includes(position.active) && new Set(position.stack).size === position.stack.length
