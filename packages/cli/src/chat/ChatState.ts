/**
 * What `baton chat` shows, as one value changed by actions: the
 * conversation (messages, handoffs and notes in the order they happened),
 * the handoff trail, what the app's events say about its services, and the
 * degradation notes. Both faces of the chat — the ink UI and the plain
 * lines written when stdin is not a terminal — render this state, so they
 * cannot disagree.
 *
 * @since 0.1.0
 */
import { type BatonEvent, type Conversation, type HandoffResult, Message, type SessionState } from "@baton/core"

/**
 * One line (or block) of the conversation pane.
 *
 * `past` marks what was restored from the store rather than said in this run.
 *
 * @since 0.1.0 @category models
 */
export type Entry =
  | { readonly _tag: "User"; readonly text: string; readonly past: boolean }
  | { readonly _tag: "Agent"; readonly agent: string; readonly text: string; readonly past: boolean }
  | { readonly _tag: "Handoff"; readonly handoff: HandoffResult.HandoffResult; readonly past: boolean }
  | { readonly _tag: "Note"; readonly text: string }
  | { readonly _tag: "Info"; readonly lines: ReadonlyArray<string> }
  | { readonly _tag: "Error"; readonly text: string }

/**
 * A service as the app's events describe it. `health` is the app's
 * `ServiceHealth` score when the app exposes that port, else absent.
 *
 * @since 0.1.0 @category models
 */
export interface ServiceStatus {
  readonly name: string
  readonly calls: number
  readonly errors: number
  /** Outcomes of the last calls, newest last, at most `RECENT`. */
  readonly recent: ReadonlyArray<boolean>
  readonly lastOutcome: string
  readonly lastMs: number
  /** Read after each turn from the app's `ServiceHealth`, and moved by its breaker's transitions; absent for a service without one. */
  readonly breaker?: "closed" | "open" | "half-open"
  readonly health?: number
}

/** @since 0.1.0 @category models */
export interface State {
  readonly appName: string
  readonly sessionId: string
  readonly userId: string
  /** Where sessions are kept, for the header. */
  readonly store: string
  readonly agents: ReadonlyArray<{ readonly id: string; readonly name: string; readonly description: string }>
  /** The agent holding the conversation, null before the first turn. */
  readonly agent: string | null
  readonly entries: ReadonlyArray<Entry>
  readonly trail: ReadonlyArray<HandoffResult.HandoffResult>
  readonly services: ReadonlyArray<ServiceStatus>
  /** Every degradation note of this run, oldest first. */
  readonly notes: ReadonlyArray<string>
  /** Faults injected with `/faults`, by service. */
  readonly faults: Readonly<Record<string, string>>
  /** A turn is running. */
  readonly busy: boolean
  /** Notes raised by events of the running turn, shown after its reply. */
  readonly pending: ReadonlyArray<string>
  /** Turns of this run that failed: their messages were not saved. */
  readonly failedTurns: number
}

/** @since 0.1.0 @category models */
export type Action =
  | {
    readonly _tag: "Restored"
    readonly sessionId: string
    readonly session: SessionState.SessionState | undefined
    /** The session's handoffs, grouped by turn (`handoffsFromEvents`). */
    readonly handoffs: ReadonlyArray<ReadonlyArray<HandoffResult.HandoffResult>>
  }
  | { readonly _tag: "UserSent"; readonly text: string }
  | { readonly _tag: "TurnDone"; readonly result: Conversation.TurnResult }
  | {
    readonly _tag: "TurnFailed"
    readonly reason: string
    /** The message the turn was for: it was not saved, so the user is shown it to send again. */
    readonly text: string
  }
  /** The user interrupted the turn under way (Ctrl-C): its message is kept, marked interrupted, unanswered. */
  | { readonly _tag: "TurnInterrupted" }
  | { readonly _tag: "Event"; readonly event: BatonEvent.BatonEvent }
  | {
    readonly _tag: "Health"
    readonly scores: Readonly<Record<string, number>>
    /** Breaker states, for the services whose adapter reports one. */
    readonly breakers?: Readonly<Record<string, "closed" | "open" | "half-open">>
  }
  | { readonly _tag: "FaultsChanged"; readonly service: string; readonly spec: string | undefined }
  | { readonly _tag: "Info"; readonly lines: ReadonlyArray<string> }
  | { readonly _tag: "Error"; readonly text: string }

/**
 * How many of a service's last calls its recent success rate counts.
 *
 * @since 0.1.0 @category constants
 */
export const RECENT = 10

/** @since 0.1.0 @category constructors */
export const initial = (options: {
  readonly appName: string
  readonly sessionId: string
  readonly userId: string
  readonly store: string
  readonly agents: State["agents"]
}): State => ({
  ...options,
  agent: null,
  entries: [],
  trail: [],
  services: [],
  notes: [],
  faults: {},
  busy: false,
  pending: [],
  failedTurns: 0
})

/**
 * A restored session's history with its handoffs placed after the user
 * message of the turn they happened in (the store keeps each turn's events
 * together, from `TurnStarted` on, but not interleaved with the messages).
 */
const history = (
  messages: ReadonlyArray<Message.Message>,
  handoffsByTurn: ReadonlyArray<ReadonlyArray<HandoffResult.HandoffResult>>
): Array<Entry> => {
  const entries: Array<Entry> = []
  let turn = 0
  for (const message of messages) {
    if (message.role === "user") {
      entries.push({ _tag: "User", text: message.content, past: true })
      if (Message.isInterrupted(message)) entries.push({ _tag: "Info", lines: [INTERRUPTED] })
      for (const handoff of handoffsByTurn[turn] ?? []) entries.push({ _tag: "Handoff", handoff, past: true })
      turn++
    } else if (message.role === "agent") {
      entries.push({ _tag: "Agent", agent: message.agent ?? "agent", text: message.content, past: true })
    }
  }
  return entries
}

/**
 * Groups handoff results by the turn they belong to, for `Restored`: the
 * trail is rebuilt from the stored events.
 *
 * @since 0.1.0 @category constructors
 */
export const handoffsFromEvents = (
  events: ReadonlyArray<BatonEvent.BatonEvent>
): Array<Array<HandoffResult.HandoffResult>> => {
  const turns: Array<Array<HandoffResult.HandoffResult>> = []
  const requested = new Map<string, Extract<BatonEvent.BatonEvent, { _tag: "HandoffRequested" }>>()
  for (const event of events) {
    switch (event._tag) {
      case "TurnStarted":
        turns.push([])
        break
      case "HandoffRequested":
        requested.set(event.handoffId, event)
        break
      case "HandoffCompleted":
      case "HandoffRejected": {
        const request = requested.get(event.handoffId)
        if (request === undefined || turns.length === 0) break
        const done = event._tag === "HandoffCompleted"
        turns[turns.length - 1]!.push({
          handoffId: event.handoffId,
          success: done,
          from: request.from,
          to: request.to,
          newAgentId: done ? request.to : request.from,
          mode: request.mode,
          initiator: request.initiator,
          reason: request.reason,
          contextPreserved: done ? event.contextPreserved : event.stage !== "transfer",
          executionTimeMs: event.durationMs,
          errors: done ? [] : event.reasons
        })
        break
      }
    }
  }
  return turns
}

/**
 * The degradation note an event carries, if it says an answer is not the
 * one asked for.
 *
 * @since 0.1.0 @category accessors
 */
export const noteOf = (event: BatonEvent.BatonEvent): string | undefined => {
  switch (event._tag) {
    case "FallbackUsed":
      return `${event.service}: ${event.error}`
    case "StepFailed":
      return event.optional ? `${event.workflow}: optional step ${event.step} failed (${event.error}); carried on without it` : undefined
    case "WorkflowCompleted":
      return event.status === "completed"
        ? undefined
        : `${event.workflow}: ${event.status} — ${event.completed} step(s) done, ${event.failed} failed` +
          (event.compensated > 0 ? `, ${event.compensated} undone` : "")
    case "RetryGaveUp":
      return `${event.service}: gave up after ${event.retries} retr${event.retries === 1 ? "y" : "ies"} (${event.reason}): ${event.error}`
    case "BreakerTransition":
      return event.to === "open" ? `${event.service}: circuit breaker opened (${event.reason})` : undefined
    default:
      return undefined
  }
}

const withService = (
  services: ReadonlyArray<ServiceStatus>,
  name: string,
  change: (status: ServiceStatus) => ServiceStatus
): ReadonlyArray<ServiceStatus> => {
  const found = services.find((status) => status.name === name)
  const next = change(found ?? { name, calls: 0, errors: 0, recent: [], lastOutcome: "—", lastMs: 0 })
  return (found === undefined ? [...services, next] : services.map((status) => (status === found ? next : status)))
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
}

const services = (state: State, event: BatonEvent.BatonEvent): ReadonlyArray<ServiceStatus> => {
  switch (event._tag) {
    case "ToolCalled": {
      // Control calls (fault injection) are the chat's own, not the app's traffic.
      if (event.tool === "_control") return state.services
      const ok = event.outcome === "ok" || event.outcome === "cached" || event.outcome === "coalesced"
      return withService(state.services, event.service, (status) => ({
        ...status,
        calls: status.calls + 1,
        errors: status.errors + (ok ? 0 : 1),
        recent: [...status.recent, ok].slice(-RECENT),
        lastOutcome: event.outcome,
        lastMs: event.durationMs
      }))
    }
    case "BreakerTransition":
      return withService(state.services, event.service, (status) => ({ ...status, breaker: event.to }))
    default:
      return state.services
  }
}

const flush = (state: State): Pick<State, "entries" | "notes" | "pending"> => ({
  entries: [...state.entries, ...state.pending.map((text): Entry => ({ _tag: "Note", text }))],
  notes: [...state.notes, ...state.pending],
  pending: []
})

/**
 * What the chat says of a turn the user interrupted.
 *
 * @since 0.2.0 @category constants
 */
export const INTERRUPTED = "turn interrupted: your message is kept, marked interrupted; no reply was made"

/** @since 0.1.0 @category reducers */
export const reduce = (state: State, action: Action): State => {
  switch (action._tag) {
    case "Restored": {
      const session = action.session
      return {
        ...state,
        sessionId: action.sessionId,
        agent: session?.currentAgent ?? null,
        entries: session === undefined
          ? [{ _tag: "Info", lines: [`new session ${action.sessionId}; /help lists the commands`] }]
          : [
            { _tag: "Info", lines: [`session ${action.sessionId}: ${session.context.history.length} earlier messages`] },
            ...history(session.context.history, action.handoffs)
          ],
        trail: action.handoffs.flat(),
        pending: [],
        busy: false
      }
    }
    case "UserSent":
      return { ...state, busy: true, pending: [], entries: [...state.entries, { _tag: "User", text: action.text, past: false }] }
    case "TurnDone": {
      const timeline = action.result.timeline.map((entry): Entry =>
        entry._tag === "Handoff"
          ? { _tag: "Handoff", handoff: entry.handoff, past: false }
          : { _tag: "Agent", agent: entry.message.agent ?? "agent", text: entry.message.content, past: false }
      )
      const next = { ...state, entries: [...state.entries, ...timeline] }
      return {
        ...next,
        ...flush(next),
        busy: false,
        agent: action.result.agent,
        trail: [...state.trail, ...action.result.handoffs]
      }
    }
    case "TurnFailed": {
      const failed: Entry = {
        _tag: "Error",
        text: `the turn failed: ${action.reason}\nyour message was not saved — send it again: ${action.text}`
      }
      const next = { ...state, entries: [...state.entries, failed] }
      return { ...next, ...flush(next), busy: false, failedTurns: state.failedTurns + 1 }
    }
    case "TurnInterrupted": {
      const interrupted: Entry = { _tag: "Info", lines: [INTERRUPTED] }
      const next = { ...state, entries: [...state.entries, interrupted] }
      return { ...next, ...flush(next), busy: false }
    }
    case "Event": {
      const note = noteOf(action.event)
      const pending = note === undefined ? state.pending : [...state.pending, note]
      // A note raised outside a turn (none is running) is shown at once.
      const next = { ...state, services: services(state, action.event), pending }
      return state.busy ? next : { ...next, ...flush(next) }
    }
    case "Health":
      return {
        ...state,
        services: state.services.map((status) => {
          const score = action.scores[status.name]
          const breaker = action.breakers?.[status.name]
          return {
            ...status,
            ...(score === undefined ? {} : { health: score }),
            ...(breaker === undefined ? {} : { breaker })
          }
        })
      }
    case "FaultsChanged": {
      const { [action.service]: _, ...rest } = state.faults
      return { ...state, faults: action.spec === undefined ? rest : { ...rest, [action.service]: action.spec } }
    }
    case "Info":
      return { ...state, entries: [...state.entries, { _tag: "Info", lines: action.lines }] }
    case "Error":
      return { ...state, entries: [...state.entries, { _tag: "Error", text: action.text }] }
  }
}
