/**
 * The conversation runtime. One `turn`:
 *
 * 1. restores the session from the `SessionStore` (or starts one) and checks
 *    that it belongs to the user;
 * 2. routes the message — the active agent keeps it while it can serve,
 *    otherwise the router's choice takes over through a handoff;
 * 3. runs agents until one replies, following handoffs (transfer, delegate,
 *    return) through the handoff protocol; a refused handoff leaves the
 *    current agent in charge and tells the user; whatever the agents got in a
 *    degraded form (a fallback service, a stale result, a workflow step's
 *    alternative — `Degradation` notes) is listed in the result and, when
 *    the reply does not say it already, told in plain words at its end;
 * 4. commits state and the turn's events in one versioned write — a
 *    concurrent writer makes the turn run again on fresh state, never
 *    overwrite — then publishes the events.
 *
 * Who may talk where: a session belongs to the user who started it
 * (`Forbidden` for anyone else), and ids reserved for internal records
 * (`ReservedSession`, such as a user's preference profile `profile:<user>`)
 * hold no conversation: another user gets `Forbidden`, even before the record
 * exists, and its owner an `InvalidTurn`, since a turn would overwrite the
 * record with a session.
 *
 * Card data: the user's text is masked with `Sensitive` as it enters the
 * turn, so card numbers and verification codes never reach the agents, the
 * history, the events, the spans or the result; what agents write (replies,
 * handoff reasons) is masked too before it is kept, returned or published.
 * Agents therefore never see a card number: an application takes card data
 * through its payment provider's tokens, as TripSage's booking agent pays
 * with the traveller's card token (`tok_…`) and only ever shows the last four
 * digits the provider returns.
 *
 * Durability:
 *
 * - **Concurrent writers**: a commit that finds the session changed
 *   (`SessionConflict`) runs the turn again on fresh state, at once the first
 *   time and then after waits that grow, are capped and jittered
 *   (`commitRetries`, 10 by default, and `commitBackoff`), so that 3 to 8
 *   writers on one session all get their turns through. A turn still
 *   conflicting after its retries fails with `SessionConflict` and stores
 *   nothing: its caller must tell the user that the message was not saved.
 * - **Corruption**: the session is read with `SessionStore.restore`, so a
 *   stored record that cannot be read ends the turn with a typed
 *   `SessionCorrupted` (the record is quarantined by the store). With
 *   `onCorrupted: "restoreFromSnapshot"` the session is restored from its last
 *   good snapshot instead and the turn carries on from there.
 * - **Snapshots at key points**: a turn in which a handoff succeeded commits
 *   with a snapshot labelled `"handoff"` (configurable with
 *   `handoffSnapshot`, or turned off with `false`), in the same write as the
 *   turn; this is the state a corrupted session falls back to.
 * - **Leases** (`leases`), for several workers sharing one store: a turn
 *   first takes the session's lease for `leases.owner` (a `LeaseHeld` from
 *   another worker is retried `attempts` times with a short jittered backoff,
 *   then ends the turn as `LeaseHeld`), commits with the lease's fencing
 *   token, and releases the lease afterwards whatever happened. A commit whose
 *   token went stale (the lease expired and another worker took it) ends the
 *   turn with `LeaseLost`, which is never retried: the other worker owns the
 *   session now. Turns of one `Conversation` on the same session run one at a
 *   time, since they share the owner's lease. The backoff follows the Effect
 *   `Clock`.
 * - **Interruption** (the user pressed Ctrl-C, a caller's timeout): a turn
 *   interrupted before its commit keeps the user's message, marked
 *   interrupted (`Message.isInterrupted`), in a commit of its own; nothing
 *   the agents did meanwhile is kept, and no reply is made up. A turn
 *   interrupted during its commit is left to that commit.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Agent from "./Agent.js"
import * as AgentRegistry from "./AgentRegistry.js"
import * as AgentRouter from "./AgentRouter.js"
import type { BatonEvent } from "./BatonEvent.js"
import * as BatonMetrics from "./BatonMetrics.js"
import * as Degradation from "./Degradation.js"
import {
  AgentFailed,
  Forbidden,
  InvalidTurn,
  type SessionCorrupted,
  SessionStoreError,
  type TurnError
} from "./Errors.js"
import * as EventBus from "./EventBus.js"
import * as Handoff from "./Handoff.js"
import type { HandoffContext } from "./HandoffContext.js"
import type { HandoffMode, Initiator } from "./HandoffRequest.js"
import type { HandoffResult } from "./HandoffResult.js"
import { type AgentId, SessionId, UserId } from "./Ids.js"
import * as Message from "./Message.js"
import * as ReservedSession from "./ReservedSession.js"
import * as Sensitive from "./Sensitive.js"
import * as SessionState from "./SessionState.js"
import { SessionStore } from "./SessionStore.js"

/** @since 0.1.0 @category models */
export interface Config<S, E, R> {
  readonly agents: ReadonlyArray<Agent.Agent<S, E, R>>
  /** The application's state schema; the stored state is its encoded form. */
  readonly stateSchema: Schema.Schema<S, any, never>
  readonly initialState: () => S
  /** The router's fallback: the agent that takes requests no agent matches. */
  readonly entryAgent: AgentId
  readonly routing?: Omit<AgentRouter.Options<R>, "fallback">
  readonly handoff?: Omit<Handoff.Options<R>, "registry" | "stateSchema">
  /**
   * How often a turn runs again, on fresh state, after another writer
   * committed to the session first. Default 10 (`DEFAULT_COMMIT_RETRIES`):
   * enough for 3 to 8 writers on one session to all get their turns through.
   * A turn still conflicting after them fails with `SessionConflict` and
   * stores nothing.
   */
  readonly commitRetries?: number
  /** The waits between those runs (see `CommitBackoff`). */
  readonly commitBackoff?: CommitBackoff
  /**
   * What a turn does with a session whose stored record cannot be read: fail
   * with `SessionCorrupted` (the default) or restore the session from its
   * last good snapshot and carry on.
   */
  readonly onCorrupted?: "fail" | "restoreFromSnapshot"
  /**
   * The label of the snapshot taken with the commit of a turn in which a
   * handoff succeeded; `false` takes none. Default `"handoff"`.
   */
  readonly handoffSnapshot?: string | false
  /** Per-turn leases, for several workers sharing one store. Off by default. */
  readonly leases?: LeaseOptions
}

/** @since 0.1.0 @category models */
export interface LeaseOptions {
  /** This worker's name: the lease owner. */
  readonly owner: string
  /** How long a lease lasts; a turn that outlives it may end in `LeaseLost`. */
  readonly ttl: Duration.DurationInput
  /** How often a lease held by another worker is asked for again. Default 20. */
  readonly attempts?: number
  /** The (jittered) wait between those attempts. Default 10 milliseconds. */
  readonly backoff?: Duration.DurationInput
}

/**
 * The waits between a turn's runs after commit conflicts. The first run again
 * is immediate: the writer that won has committed, so fresh state is there to
 * read. Each later wait doubles from `base` up to `cap`, and is drawn at
 * random between half of that and all of it, so that writers who collided
 * once spread out instead of colliding again in step. The waits follow the
 * Effect `Clock`.
 *
 * @since 0.2.0 @category models
 */
export interface CommitBackoff {
  /** The wait before the second run again. Default 10 milliseconds. */
  readonly base?: Duration.DurationInput
  /** The longest wait. Default 1 second. */
  readonly cap?: Duration.DurationInput
}

/**
 * How often a turn runs again after commit conflicts unless configured.
 *
 * @since 0.2.0 @category constants
 */
export const DEFAULT_COMMIT_RETRIES = 10

/** @since 0.1.0 @category constants */
export const HANDOFF_SNAPSHOT = "handoff"

/** @since 0.1.0 @category models */
export interface TurnResult {
  readonly sessionId: SessionId
  /** The last agent message of the turn. */
  readonly reply: string
  /** The agent holding the conversation after the turn. */
  readonly agent: AgentId
  /** Every message the agents wrote in this turn, in order. */
  readonly messages: ReadonlyArray<Message.Message>
  /** The agents' messages and the handoffs, interleaved in the order they happened. */
  readonly timeline: ReadonlyArray<TimelineEntry>
  readonly route: AgentRouter.RouteDecision
  /** Every handoff attempted in this turn, refused ones included (`success: false`). */
  readonly handoffs: ReadonlyArray<HandoffResult>
  /**
   * What the agents got in a degraded form during the turn, in order. The
   * reply tells the user about each: the agent's own words, or the note's
   * plain-words sentence (`Degradation.describe`) appended to it.
   */
  readonly degradations: ReadonlyArray<Degradation.Note>
  readonly version: number
  readonly durationMs: number
}

/** @since 0.1.0 @category models */
export type TimelineEntry =
  | { readonly _tag: "Message"; readonly message: Message.Message }
  | { readonly _tag: "Handoff"; readonly handoff: HandoffResult }

/** @since 0.1.0 @category models */
export interface Service {
  readonly turn: (sessionId: string, userId: string, text: string) => Effect.Effect<TurnResult, TurnError>
  /** The session as stored, for its owner. */
  readonly session: (
    sessionId: string,
    userId: string
  ) => Effect.Effect<
    Option.Option<SessionState.SessionState>,
    InvalidTurn | Forbidden | SessionCorrupted | SessionStoreError
  >
  readonly agents: ReadonlyArray<{ readonly id: AgentId; readonly name: string; readonly description: string }>
}

/** @since 0.1.0 @category tags */
export class Conversation extends Context.Tag("@baton/core/Conversation")<Conversation, Service>() {}

const decodeIds = Schema.decodeUnknownEither(Schema.Struct({ sessionId: SessionId, userId: UserId }))

// The ids of a turn or a read: decoded, and never a reserved session (an
// internal record such as `profile:<user>`). Another user's is `Forbidden`
// whether it exists or not; its owner's is no conversation either, since a
// turn would overwrite the record with a session.
const parseIds = (
  sessionId: string,
  userId: string
): Effect.Effect<{ readonly sessionId: SessionId; readonly userId: UserId }, InvalidTurn | Forbidden> => {
  const ids = decodeIds({ sessionId, userId })
  if (Either.isLeft(ids)) {
    return Effect.fail(new InvalidTurn({ reason: `bad session or user id: ${ParseResult.TreeFormatter.formatErrorSync(ids.left)}` }))
  }
  const reserved = ReservedSession.parse(ids.right.sessionId)
  if (Option.isNone(reserved)) return Effect.succeed(ids.right)
  return reserved.value.owner === ids.right.userId
    ? Effect.fail(
      new InvalidTurn({
        reason: `session "${ids.right.sessionId}" is reserved for the internal records of user "${ids.right.userId}" ` +
          `(its ${reserved.value.kind}); conversations cannot be held in it: choose another session id`
      })
    )
    : Effect.fail(new Forbidden(ids.right))
}

// The first run again is immediate, the later ones spread out (`CommitBackoff`).
const commitSchedule = (retries: number, backoff: CommitBackoff | undefined) => {
  const spread = Schedule.exponential(backoff?.base ?? Duration.millis(10)).pipe(
    Schedule.union(Schedule.spaced(backoff?.cap ?? Duration.seconds(1))),
    Schedule.jitteredWith({ min: 0.5, max: 1 }),
    // Whole milliseconds: a clock moved to a fractional instant has no exact nanoseconds.
    Schedule.modifyDelay((_, delay) => Duration.millis(Math.round(Duration.toMillis(delay))))
  )
  return Schedule.andThen(Schedule.once, spread).pipe(Schedule.intersect(Schedule.recurs(Math.max(0, retries))))
}

// What a handoff's result says in words, card data masked: an agent's reason
// may quote what the user typed or a tool returned.
const maskHandoff = (result: HandoffResult): HandoffResult => {
  const reason = Sensitive.maskText(result.reason)
  const errors = Sensitive.redact(result.errors)
  return reason === result.reason && errors === result.errors ? result : { ...result, reason, errors }
}

/** @since 0.1.0 @category constructors */
export const make = <S, E, R>(config: Config<S, E, R>) =>
  Effect.gen(function*() {
    const store = yield* SessionStore
    const context = yield* Effect.context<R>()
    const registry = AgentRegistry.make(config.agents)
    const router = yield* AgentRouter.make<R>(registry, { ...config.routing, fallback: config.entryAgent })
    const handoff = Handoff.make<R>({ ...config.handoff, registry, stateSchema: config.stateSchema })
    const decodeState = Schema.decodeUnknownEither(config.stateSchema)
    const encodeState = Schema.encodeSync(config.stateSchema)
    const commitRetry = commitSchedule(config.commitRetries ?? DEFAULT_COMMIT_RETRIES, config.commitBackoff)
    const restoreOptions = { onCorrupted: config.onCorrupted ?? "fail" } as const
    const handoffSnapshot = config.handoffSnapshot ?? HANDOFF_SNAPSHOT

    const loadOwned = (sessionId: SessionId, userId: UserId) =>
      Effect.flatMap(store.restore(sessionId, restoreOptions), (loaded) =>
        Option.isSome(loaded) && loaded.value.userId !== userId
          ? Effect.fail(new Forbidden({ sessionId, userId }))
          : Effect.succeed(loaded))

    const ready = (state: unknown) => (agent: AgentId) =>
      Handoff.missingContext(state, registry.lookup(agent)?.requiredContext ?? []).length === 0

    // The router may start a session only with an agent whose required
    // context is present, move it only along the active agent's edges to such
    // agents, and not at all while a delegated agent owes its caller a return.
    const routable = (session: SessionState.SessionState): ReadonlyArray<AgentId> => {
      const active = session.currentAgent
      if (active === null) return registry.ids.filter(ready(session.context.state))
      if (session.agentStack.length > 0) return [active]
      return [active, ...(registry.lookup(active)?.handoffTargets ?? []).filter(ready(session.context.state))]
    }

    // Turns of this conversation on one session run one at a time when leases
    // are on: they share the owner's lease, and one turn's release must not
    // end another's.
    const locks = new Map<SessionId, { readonly semaphore: Effect.Semaphore; users: number }>()
    const exclusive = (sessionId: SessionId) => <A, E, R2>(self: Effect.Effect<A, E, R2>): Effect.Effect<A, E, R2> =>
      Effect.suspend(() => {
        let entry = locks.get(sessionId)
        if (entry === undefined) {
          entry = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
          locks.set(sessionId, entry)
        }
        const held = entry
        held.users++
        return held.semaphore.withPermits(1)(self).pipe(
          Effect.ensuring(Effect.sync(() => {
            if (--held.users === 0) locks.delete(sessionId)
          }))
        )
      })

    const leases = config.leases
    const leaseRetry = leases === undefined ? undefined : Schedule.spaced(leases.backoff ?? Duration.millis(10)).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(Math.max(0, leases.attempts ?? 20)))
    )

    const withLease = <A, E, R2>(
      sessionId: SessionId,
      use: (fencingToken: number | undefined) => Effect.Effect<A, E, R2>
    ) => {
      if (leases === undefined || leaseRetry === undefined) return use(undefined)
      return exclusive(sessionId)(
        Effect.acquireUseRelease(
          store.acquireLease(sessionId, leases.owner, leases.ttl).pipe(
            Effect.retry({ schedule: leaseRetry, while: (error) => error._tag === "LeaseHeld" })
          ),
          (lease) => use(lease.token),
          (lease) => Effect.ignore(store.releaseLease(lease))
        )
      )
    }

    /** What an interruption of the turn under way commits, until its own commit starts. */
    interface OnInterrupt {
      commit: Effect.Effect<void> | undefined
    }

    const turnBody = function*(
      sessionId: SessionId,
      userId: UserId,
      text: string,
      fencingToken: number | undefined,
      onInterrupt: OnInterrupt
    ) {
      const started = yield* Clock.currentTimeNanos
      const now = Number(started / 1_000_000n)
      const loaded = yield* loadOwned(sessionId, userId)
      const expectedVersion = Option.isSome(loaded) ? loaded.value.version : 0
      let session = Option.getOrElse(loaded, () =>
        SessionState.empty({ sessionId, userId, state: encodeState(config.initialState()), now }))
      // Every event is masked as it is recorded: they are committed, published and traced.
      const events: Array<BatonEvent> = []
      const record = (event: BatonEvent) => void events.push(Sensitive.redactEvent(event))
      const audit: Handoff.Audit = (event) => Effect.sync(() => record(event))
      const written: Array<Message.Message> = []
      const timeline: Array<TimelineEntry> = []
      const append = (message: Omit<Message.Message, "id" | "time">) => {
        // Card data is masked before the message is kept anywhere.
        const full: Message.Message = Sensitive.redactMessage({
          id: Message.idAt(sessionId, session.context.history.length),
          time: now,
          ...message
        })
        if (full.role === "agent") {
          written.push(full)
          timeline.push({ _tag: "Message", message: full })
        }
        session = { ...session, context: { ...session.context, history: [...session.context.history, full] } }
        return full
      }

      // Adds `text` to the turn's last agent message (its reply), everywhere it is kept.
      const tell = (text: string) => {
        const last = written[written.length - 1]
        if (last === undefined) return void append({ role: "agent", agent: session.currentAgent!, content: text })
        const amended: Message.Message = { ...last, content: `${last.content}\n\n${Sensitive.maskText(text)}` }
        written[written.length - 1] = amended
        const entry = timeline.findIndex((item) => item._tag === "Message" && item.message === last)
        timeline[entry] = { _tag: "Message", message: amended }
        const history = session.context.history.map((message) => (message === last ? amended : message))
        session = { ...session, context: { ...session.context, history } }
      }

      const asLoaded = session
      const userMessage = append({ role: "user", content: text, ...(session.currentAgent ? { agent: session.currentAgent } : {}) })
      record({ _tag: "TurnStarted", sessionId, userId, text, at: now })
      // Built only if the turn is interrupted: the session as loaded, the
      // user's message marked, and the TurnStarted event.
      onInterrupt.commit = Effect.suspend(() =>
        Effect.ignore(store.commit({
          state: {
            ...asLoaded,
            context: {
              ...asLoaded.context,
              history: [...asLoaded.context.history, { ...userMessage, metadata: { ...userMessage.metadata, interrupted: true } }]
            },
            lastActivity: now,
            version: expectedVersion + 1
          },
          expectedVersion,
          events: events.slice(0, 1),
          ...(fencingToken === undefined ? {} : { fencingToken })
        }))
      )

      const active = session.currentAgent
      const routeStarted = yield* Clock.currentTimeNanos
      const route = yield* router.routeRequest({
        text,
        activeAgent: active,
        candidates: routable(session)
      }).pipe(Effect.withSpan("baton.route"))
      const routeMs = Number((yield* Clock.currentTimeNanos) - routeStarted) / 1e6
      yield* BatonMetrics.routeDuration(Effect.succeed(routeMs))
      record({
        _tag: "RouteDecided",
        sessionId,
        at: now,
        agent: route.agent,
        confidence: route.confidence,
        strategy: route.strategy,
        reasoning: route.reasoning,
        sticky: route.sticky,
        fallback: route.fallback,
        durationMs: routeMs
      })

      const handoffs: Array<HandoffResult> = []
      const degradations: Array<Degradation.Note> = []
      const chain: Array<AgentId> = []
      let arrival = Option.none<HandoffContext>()
      let returned = Option.none<Agent.Returned>()

      // Runs one handoff; on refusal records it and leaves the session as it was.
      const handOver = (to: AgentId, mode: HandoffMode, initiator: Initiator, reason: string) => {
        const from = session.currentAgent!
        return handoff.execute({ session, request: { from, to, mode, initiator, reason }, chain, attempt: handoffs.length }, audit).pipe(
          Effect.map((done) => {
            session = done.session
            chain.push(to)
            const result = maskHandoff(done.result)
            handoffs.push(result)
            timeline.push({ _tag: "Handoff", handoff: result })
            arrival = Option.some(done.context)
            return true
          }),
          Effect.catchAll((error) =>
            Effect.sync(() => {
              const refused: HandoffResult = maskHandoff({
                handoffId: `${sessionId}/v${session.version}/h${handoffs.length}`,
                success: false,
                from,
                to,
                newAgentId: from,
                mode,
                initiator,
                reason,
                // Only a refusal at transfer means the context did not arrive intact;
                // earlier refusals leave the session as it was.
                contextPreserved: !(error._tag === "HandoffRejected" && error.stage === "transfer"),
                executionTimeMs: 0,
                errors: error._tag === "HandoffRejected" ? error.reasons : [error.message]
              })
              handoffs.push(refused)
              timeline.push({ _tag: "Handoff", handoff: refused })
              return false
            })
          )
        )
      }

      // A router handoff that is refused leaves the active agent to answer; the
      // reply then says why the user was not passed on.
      let routerRefusal: string | undefined
      if (active === null) {
        session = { ...session, currentAgent: route.agent }
      } else if (route.agent !== active) {
        chain.push(active)
        if (!(yield* handOver(route.agent, "transfer", "router", route.reasoning))) {
          const why = handoffs[handoffs.length - 1]!.errors.join("; ")
          routerRefusal = `I couldn't pass you to ${route.agent}: ${why}. ${active} is answering instead.`
        }
      }
      if (chain.length === 0) chain.push(session.currentAgent!)

      while (true) {
        const agent = yield* registry.get(session.currentAgent!)
        const state = decodeState(session.context.state)
        if (Either.isLeft(state)) {
          return yield* new SessionStoreError({
            operation: "restore",
            reason: `the stored state of session "${sessionId}" does not decode: ${ParseResult.TreeFormatter.formatErrorSync(state.left)}`
          })
        }
        const [outcome, notes] = yield* Degradation.collect(agent.handle({
          sessionId,
          userId,
          message: userMessage,
          history: session.context.history,
          state: state.right,
          preferences: session.context.preferences,
          agentStack: session.agentStack,
          arrival,
          returned
        }).pipe(
          Effect.mapError((cause) =>
            new AgentFailed({
              agentId: agent.id,
              reason: Sensitive.maskText(cause instanceof Error ? cause.message : String(cause)),
              cause
            })
          ),
          Effect.withSpan("baton.agent", { attributes: { agent: agent.id } })
        ))
        degradations.push(...notes)
        if (outcome.state !== undefined || outcome.preferences !== undefined) {
          session = {
            ...session,
            context: {
              ...session.context,
              state: outcome.state === undefined ? session.context.state : encodeState(outcome.state),
              preferences: outcome.preferences === undefined
                ? session.context.preferences
                : { ...session.context.preferences, ...outcome.preferences }
            }
          }
        }
        if (outcome._tag === "Reply") {
          append({ role: "agent", agent: agent.id, content: outcome.text })
          break
        }
        if (outcome.text !== undefined) append({ role: "agent", agent: agent.id, content: outcome.text })
        const to = outcome._tag === "Return" ? session.agentStack[session.agentStack.length - 1] : outcome.to
        const mode = outcome._tag === "Return" ? "return" : outcome.mode
        const moved = to !== undefined && (yield* handOver(to, mode, "agent", outcome.reason))
        if (!moved) {
          const refusal = handoffs[handoffs.length - 1]
          const why = to === undefined ? "there is no agent to return to" : refusal?.errors.join("; ") ?? ""
          append({
            role: "agent",
            agent: agent.id,
            content: `I couldn't transfer you to ${to ?? "the previous agent"}: ${why}. I'll keep helping you here.`
          })
          break
        }
        returned = outcome._tag === "Return"
          ? Option.some({
            from: agent.id,
            reason: Sensitive.maskText(outcome.reason),
            text: outcome.text === undefined ? undefined : Sensitive.maskText(outcome.text)
          })
          : Option.none()
      }

      if (routerRefusal !== undefined) tell(routerRefusal)
      // Degradation is never silent: what the reply does not say is added to it.
      const owed = Degradation.untold(degradations, written.map((message) => message.content).join("\n"))
      if (owed.length > 0) tell(owed.join(" "))

      const finished = yield* Clock.currentTimeNanos
      const durationMs = Number(finished - started) / 1e6
      const committed: SessionState.SessionState = { ...session, lastActivity: now, version: expectedVersion + 1 }
      record({
        _tag: "TurnCompleted",
        sessionId,
        at: now,
        agent: committed.currentAgent!,
        handoffs: handoffs.length,
        durationMs,
        version: committed.version
      })
      const handedOver = handoffSnapshot !== false && handoffs.some((result) => result.success)
      onInterrupt.commit = undefined
      yield* store.commit({
        state: committed,
        expectedVersion,
        events,
        ...(fencingToken === undefined ? {} : { fencingToken }),
        ...(handedOver ? { snapshot: handoffSnapshot } : {})
      })
      yield* Effect.forEach(events, EventBus.publish, { discard: true })
      yield* BatonMetrics.turnDuration(Effect.succeed(durationMs))
      return {
        sessionId,
        reply: written.length > 0 ? written[written.length - 1]!.content : "",
        agent: committed.currentAgent!,
        messages: written,
        timeline,
        route,
        handoffs,
        degradations,
        version: committed.version,
        durationMs
      } satisfies TurnResult
    }
    const runTurn = (sessionId: SessionId, userId: UserId, text: string, fencingToken: number | undefined) =>
      Effect.suspend(() => {
        const onInterrupt: OnInterrupt = { commit: undefined }
        return Effect.gen(() => turnBody(sessionId, userId, text, fencingToken, onInterrupt)).pipe(
          Effect.onInterrupt(() => onInterrupt.commit ?? Effect.void)
        )
      })

    const turn = (sessionId: string, userId: string, text: string) =>
      Effect.gen(function*() {
        const ids = yield* parseIds(sessionId, userId)
        if (text.trim().length === 0) return yield* new InvalidTurn({ reason: "the message is empty" })
        // Card data is masked as the message enters the turn: agents, the
        // history, events and the result only ever hold the masked text.
        const masked = Sensitive.maskText(text)
        return yield* withLease(ids.sessionId, (fencingToken) =>
          runTurn(ids.sessionId, ids.userId, masked, fencingToken).pipe(
            Effect.provide(context),
            Effect.retry({ schedule: commitRetry, while: (error) => error._tag === "SessionConflict" })
          ))
      }).pipe(Effect.withSpan("baton.turn", { attributes: { sessionId, userId } }))

    return {
      turn,
      session: (sessionId, userId) =>
        Effect.flatMap(parseIds(sessionId, userId), (ids) => loadOwned(ids.sessionId, ids.userId)),
      agents: config.agents.map(({ description, id, name }) => ({ id, name, description }))
    } satisfies Service
  })

/** @since 0.1.0 @category layers */
export const layer = <S, E, R>(config: Config<S, E, R>) => Layer.effect(Conversation, make(config))
