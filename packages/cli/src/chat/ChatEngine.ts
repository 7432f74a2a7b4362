/**
 * The chat's engine: it holds the `ChatState`, runs the input lines the
 * user submits (a turn of the app's conversation, or a slash command) in
 * the app's Effect runtime, and tells its subscribers of every action. The
 * ink UI and the plain-line mode are two subscribers; neither runs Effects.
 *
 * What it shows about services is what the app honestly exposes: the events
 * its turns publish (tool calls with outcome and latency, breaker
 * transitions, fallbacks, partial workflows) are tapped on the way to an
 * `EventBus` while each turn runs, and a `ServiceHealth` score is read after
 * the turn when the app's context holds that port. Faults go through the
 * app's `BatonApp.FaultInjector`, when its layer provides one.
 *
 * A session whose record cannot be read — at the start, on `/restore`, or
 * found by a turn — is restored from its last good snapshot, and the chat
 * says so (`Recovery`). Ids reserved for internal records (a user's
 * preference profile) are neither listed by `/sessions` nor restored. A turn
 * that fails stores nothing: the chat says so and shows the message to send
 * again, and counts the turn in `failedTurns`.
 *
 * @since 0.1.0
 */
import {
  BatonApp,
  type BatonEvent,
  Conversation,
  Errors,
  EventBus,
  Ids,
  ReservedSession,
  ServiceHealth,
  SessionStore
} from "@baton/core"
import { SessionManager } from "@baton/session"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as ChatState from "./ChatState.js"
import * as Recovery from "./Recovery.js"
import * as Slash from "./Slash.js"

/** @since 0.1.0 @category models */
export interface Engine {
  readonly getState: () => ChatState.State
  /** Called after every action with the new state; returns the unsubscribe. */
  readonly subscribe: (listener: (state: ChatState.State, action: ChatState.Action) => void) => () => void
  /** Handles one input line; `"quit"` when the user asked to leave. Never rejects. */
  readonly submit: (line: string) => Promise<"continue" | "quit">
  /**
   * Interrupts the turn under way (Ctrl-C), if one is: the conversation
   * keeps its message, marked interrupted, and makes no reply. Whether a
   * turn was running.
   */
  readonly interrupt: () => boolean
}

/** @since 0.1.0 @category models */
export interface Options {
  readonly appName: string
  readonly sessionId: string
  readonly userId: string
  /** Where sessions are kept, for the header. */
  readonly store: string
  /**
   * The options a `baton sessions` command needs to reach the same store
   * (`--db …`), for the commands the chat suggests; empty or absent for the
   * default store.
   */
  readonly storeFlags?: string
}

/** What the engine runs on: the app's conversation over a session store. */
export type Requirements = Conversation.Conversation | SessionStore.SessionStore | SessionManager.SessionManager

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const ago = (ms: number) => {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return "just now"
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`
}

const reservedReason = (sessionId: string) =>
  `session "${sessionId}" is reserved for Baton's internal records (a user's preference profile) and holds no conversation`

/**
 * The engine, with the session named in `options` loaded: its earlier
 * messages and handoffs are in the state (restored from its last good
 * snapshot when its record cannot be read). Fails when the session belongs
 * to another user, its id is reserved, or it cannot be read or restored.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  Engine,
  | Errors.InvalidTurn
  | Errors.Forbidden
  | Errors.SessionStoreError
  | Errors.SessionCorrupted
  | Errors.SessionConflict
  | Errors.SessionNotFound
  | Recovery.SessionUnrecoverable,
  Requirements | Scope.Scope
> =>
  Effect.gen(function*() {
    const conversation = yield* Conversation.Conversation
    const store = yield* SessionStore.SessionStore
    const manager = yield* SessionManager.SessionManager
    const injector = yield* Effect.serviceOption(BatonApp.FaultInjector)
    const health = yield* Effect.serviceOption(ServiceHealth.ServiceHealth)
    const bus = Context.get(yield* Layer.build(EventBus.layer()), EventBus.EventBus)
    const runtime = yield* Effect.runtime<never>()
    const userId = Ids.userId(options.userId)

    let state = ChatState.initial({ ...options, agents: conversation.agents })
    const listeners = new Set<(state: ChatState.State, action: ChatState.Action) => void>()
    const dispatch = (action: ChatState.Action) => {
      state = ChatState.reduce(state, action)
      for (const listener of listeners) listener(state, action)
    }
    const info = (...lines: Array<string>) => Effect.sync(() => dispatch({ _tag: "Info", lines }))
    const fail = (text: string) => Effect.sync(() => dispatch({ _tag: "Error", text }))

    // Each event reaches the state the moment it is published, so a turn's
    // notes come before its end and the services panel moves while it runs.
    const tapped: Context.Tag.Service<EventBus.EventBus> = {
      publish: (event: BatonEvent.BatonEvent) =>
        Effect.zipRight(Effect.sync(() => dispatch({ _tag: "Event", event })), bus.publish(event)),
      subscribe: bus.subscribe
    }

    const read = (sessionId: string) =>
      Effect.gen(function*() {
        const session = yield* conversation.session(sessionId, options.userId)
        const events = Option.isSome(session) ? yield* store.events(Ids.sessionId(sessionId)) : []
        return { session: Option.getOrUndefined(session), handoffs: ChatState.handoffsFromEvents(events) }
      })

    // The session as stored, or restored from its last good snapshot when its
    // record cannot be read; then what the chat says about that restoration.
    const load = (sessionId: string) =>
      read(sessionId).pipe(
        Effect.map((loaded) => ({ ...loaded, recovered: [] as ReadonlyArray<string> })),
        Effect.catchTag("SessionCorrupted", (corrupted) =>
          Effect.flatMap(
            Recovery.fromSnapshot(corrupted, options.userId, options.storeFlags ?? "").pipe(
              Effect.provideService(SessionStore.SessionStore, store),
              Effect.provideService(SessionManager.SessionManager, manager)
            ),
            (restored) => Effect.map(read(sessionId), (loaded) => ({ ...loaded, recovered: Recovery.lines(restored) }))
          ))
      )

    const show = (sessionId: string, loaded: Effect.Effect.Success<ReturnType<typeof load>>) =>
      Effect.sync(() => {
        dispatch({ _tag: "Restored", sessionId, session: loaded.session, handoffs: loaded.handoffs })
        if (loaded.recovered.length > 0) dispatch({ _tag: "Info", lines: loaded.recovered })
      })

    // A turn that found the session unreadable: restore it, as on /restore.
    const recoverAfter = (error: unknown) =>
      error instanceof Errors.SessionCorrupted
        ? Effect.flatMap(load(state.sessionId), (loaded) => show(state.sessionId, loaded)).pipe(
          Effect.catchAll((cause) => fail(describe(cause)))
        )
        : Effect.void

    const readHealth = Option.match(health, {
      onNone: () => Effect.void,
      onSome: (port) =>
        Effect.suspend(() => Effect.flatMap(
          Effect.forEach(state.services, (status) =>
            Effect.zip(port.score(status.name), port.breaker?.(status.name) ?? Effect.succeed(undefined)).pipe(
              Effect.map(([score, breaker]) => ({ name: status.name, score, breaker }))
            )),
          (read) =>
            Effect.sync(() =>
              dispatch({
                _tag: "Health",
                scores: Object.fromEntries(read.map(({ name, score }) => [name, score])),
                breakers: Object.fromEntries(read.flatMap(({ breaker, name }) => (breaker === undefined ? [] : [[name, breaker]])))
              })
            )
        ))
    })

    const turn = (text: string) =>
      Effect.zipRight(
        Effect.sync(() => dispatch({ _tag: "UserSent", text })),
        conversation.turn(state.sessionId, options.userId, text).pipe(
          Effect.provideService(EventBus.EventBus, tapped),
          Effect.onInterrupt(() => Effect.sync(() => dispatch({ _tag: "TurnInterrupted" }))),
          // A defect ends the turn like a failure: the chat carries on.
          Effect.matchCauseEffect({
            onSuccess: (result) => Effect.sync(() => dispatch({ _tag: "TurnDone", result })),
            onFailure: (cause) => {
              const error = Cause.squash(cause)
              return Effect.zipRight(
                recoverAfter(error),
                Effect.sync(() => dispatch({ _tag: "TurnFailed", reason: describe(error), text }))
              )
            }
          }),
          Effect.zipRight(readHealth)
        )
      )

    const sessions = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      // Internal records (a user's preference profile) are not conversations.
      const found = (yield* manager.listSessions(userId)).filter((summary) => !ReservedSession.isReserved(summary.sessionId))
      if (found.length === 0) return yield* info(`no sessions of ${options.userId} in the store yet`)
      return yield* info(
        `sessions of ${options.userId} (newest first):`,
        ...found.map((summary) => {
          const mark = summary.sessionId === state.sessionId ? "*" : " "
          const details = summary.status === "corrupted"
            ? "corrupted (its record cannot be read)"
            : `${summary.messages ?? 0} messages · agent ${summary.currentAgent ?? "none"} · ` +
              `v${summary.version ?? 0} · ${ago(now - (summary.lastActivity ?? now))}`
          return `  ${mark} ${summary.sessionId}  ${details}`
        })
      )
    })

    const restore = (sessionId: string) =>
      ReservedSession.isReserved(sessionId)
        ? fail(`${reservedReason(sessionId)}; /sessions lists yours`)
        : sessionId === state.sessionId
        ? info(`already in session ${sessionId}`)
        : Effect.flatMap(load(sessionId), (loaded) =>
          loaded.session === undefined
            ? fail(`no session "${sessionId}" of ${options.userId} in the store; /sessions lists yours`)
            : show(sessionId, loaded))

    const snapshot = (label: string) =>
      manager.snapshot(Ids.sessionId(state.sessionId), userId, label).pipe(
        Effect.flatMap((taken) => info(`snapshot #${taken.id} of ${state.sessionId} at version ${taken.version} ("${taken.label}")`)),
        Effect.catchTag("SessionNotFound", () => fail(`nothing to snapshot yet: session ${state.sessionId} has no turns`))
      )

    const faults = (service: string, spec: string | "off") => {
      if (Option.isNone(injector)) return fail(`the app "${options.appName}" offers no fault injection (no BatonApp.FaultInjector)`)
      if (spec === "off") {
        return Effect.zipRight(
          injector.value.clear(service),
          Effect.sync(() => dispatch({ _tag: "FaultsChanged", service, spec: undefined })).pipe(
            Effect.zipRight(info(`faults cleared on ${service}`))
          )
        )
      }
      // The app's injector knows which services take faults and reads its own grammar.
      const valid = BatonApp.validateFault(injector.value, service, spec)
      if (Either.isLeft(valid)) return fail(valid.left.message)
      return Effect.zipRight(
        injector.value.set(service, spec),
        Effect.sync(() => dispatch({ _tag: "FaultsChanged", service, spec })).pipe(
          Effect.zipRight(info(`fault injected into ${service}: ${spec} (until /faults ${service} off)`))
        )
      )
    }

    const listFaults = Effect.suspend(() => {
      const active = Object.entries(state.faults)
      return active.length === 0
        ? info("no faults injected; /faults <service> <spec> injects one")
        : info(...active.map(([service, spec]) => `${service}: ${spec}`))
    })

    const agents = Effect.suspend(() =>
      info(
        ...state.agents.map((agent) =>
          `${agent.id === state.agent ? "*" : " "} ${agent.name} (${agent.id}) — ${agent.description}`
        )
      )
    )

    const handle = (input: Slash.Input): Effect.Effect<"continue" | "quit"> => {
      const go = (effect: Effect.Effect<void, unknown>) =>
        effect.pipe(
          Effect.catchAllCause((cause) => fail(describe(Cause.squash(cause)))),
          Effect.as("continue" as const)
        )
      switch (input._tag) {
        case "Empty":
          return Effect.succeed("continue")
        case "Quit":
          return Effect.succeed("quit")
        case "Message":
          return go(turn(input.text))
        case "Invalid":
          return go(fail(input.reason))
        case "Help":
          return go(info("commands:", ...Slash.commands.map(([usage, what]) => `  ${usage.padEnd(26)}${what}`)))
        case "Agents":
          return go(agents)
        case "Sessions":
          return go(sessions)
        case "Restore":
          return go(restore(input.sessionId))
        case "Snapshot":
          return go(snapshot(input.label))
        case "Faults":
          return go(faults(input.service, input.spec))
        case "ListFaults":
          return go(listFaults)
      }
    }

    if (ReservedSession.isReserved(options.sessionId)) {
      return yield* new Errors.InvalidTurn({ reason: `${reservedReason(options.sessionId)}: choose another session` })
    }
    const loaded = yield* load(options.sessionId)
    yield* show(options.sessionId, loaded)

    // The line being handled, so that Ctrl-C can interrupt its turn.
    let handling: Fiber.RuntimeFiber<"continue" | "quit"> | undefined
    const run = (line: string) => {
      const fiber = Runtime.runFork(runtime)(handle(Slash.parse(line)))
      handling = fiber
      return Effect.runPromise(Fiber.await(fiber)).then((exit) => {
        if (handling === fiber) handling = undefined
        // An interrupted turn was the user's choice: the chat goes on.
        return Exit.isSuccess(exit) ? exit.value : "continue" as const
      })
    }
    return {
      getState: () => state,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
      // Lines run one at a time, in the order they were submitted.
      submit: (() => {
        let queue: Promise<unknown> = Promise.resolve()
        return (line: string) => {
          const next = queue.then(() => run(line))
          queue = next
          return next
        }
      })(),
      interrupt: () => {
        const fiber = handling
        if (fiber === undefined || !state.busy) return false
        Runtime.runFork(runtime)(Fiber.interrupt(fiber))
        return true
      }
    } satisfies Engine
  })
