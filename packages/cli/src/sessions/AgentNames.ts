/**
 * The names of the app's agents, for labelling a stored session's messages.
 * A session records agent ids only; the names live in the app, so the app is
 * loaded and its conversation built — in process, over a throwaway memory
 * store, since only its agent list is read. Without an app the ids label
 * the messages: inspecting a store must not depend on the app being there.
 *
 * @since 0.1.0
 */
import { Conversation, SessionStore } from "@baton/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AppCommand from "../AppCommand.js"
import * as AppLoader from "../AppLoader.js"
import type { Io } from "../Io.js"

/** @since 0.1.0 @category models */
export interface Names {
  readonly names: ReadonlyMap<string, string>
  /** Why there are none, when the app could not give them. */
  readonly unavailable?: string
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * The app's agent names by id; none, with the reason, when the app cannot
 * be loaded or built.
 *
 * @since 0.1.0 @category constructors
 */
export const load = (
  io: Io,
  options: { readonly app?: string; readonly config?: string }
): Effect.Effect<Names> =>
  Effect.gen(function*() {
    const { app, module } = yield* AppCommand.load(io, options)
    const layer = yield* AppLoader.layer(app, module, { transport: "in-process" })
    const agents = yield* Effect.map(Conversation.Conversation, (conversation) => conversation.agents).pipe(
      Effect.provide(Layer.provide(layer, SessionStore.layerMemory))
    )
    return { names: new Map(agents.map((agent) => [agent.id, agent.name])) } satisfies Names
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.succeed<Names>({ names: new Map(), unavailable: describe(Cause.squash(cause)) })
    )
  )
