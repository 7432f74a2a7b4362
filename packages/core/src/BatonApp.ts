/**
 * What a host application hands to Baton's tools: the CLI and the testkit's
 * runners load a module that exports `app` and drive its conversation
 * without knowing its agents.
 *
 * The app builds its conversation layer from options the runner chooses,
 * such as how its tool services are reached, so one app runs against
 * in-process services in tests and against real processes from the CLI.
 *
 * @example
 * ```ts
 * import { type BatonApp, Conversation, Ids } from "@baton/core"
 * import * as Schema from "effect/Schema"
 *
 * declare const agents: Conversation.Config<{}, never, never>["agents"]
 *
 * export const app: BatonApp.BatonApp = {
 *   name: "Hello",
 *   description: "Greets people",
 *   // An app without tool services has nothing to start, whatever the transport.
 *   layer: () =>
 *     Conversation.layer({ agents, stateSchema: Schema.Struct({}), initialState: () => ({}), entryAgent: Ids.agentId("greeter") })
 * }
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Conversation } from "./Conversation.js"
import type { Scenario } from "./Scenario.js"
import type { SessionStore } from "./SessionStore.js"
import type * as Workflow from "./Workflow.js"

/**
 * How the app's tool services are reached: served in this process, or
 * started as child processes spoken to over stdio or over HTTP. Child
 * processes live as long as the layer's scope.
 *
 * @since 0.1.0 @category models
 */
export type Transport = "in-process" | "stdio" | "http"

/**
 * Every transport, in the order runners offer them; the first is the default.
 *
 * @since 0.1.0 @category constants
 */
export const transports: ReadonlyArray<Transport> = ["in-process", "stdio", "http"]

/**
 * What the runner asks of the app's layer.
 *
 * @since 0.1.0 @category models
 */
export interface LayerOptions {
  readonly transport: Transport
}

/** @since 0.1.0 @category models */
export interface BatonApp {
  readonly name: string
  readonly description: string
  /**
   * The app's conversation, with whatever it needs (tool services, their
   * processes) acquired in the layer's scope. The runner provides the
   * session store.
   */
  readonly layer: (options: LayerOptions) => Layer.Layer<Conversation, unknown, SessionStore>
  /** The scripted conversation `baton demo` plays. */
  readonly demo?: Scenario
  /** The app's named workflows, as `baton plan <name>` explains them. */
  readonly workflows?: Readonly<Record<string, Workflow.Any>>
}

/**
 * Injects faults into the app's tool services, for scenarios whose turns
 * carry `faults`. An app's layer may provide it next to its conversation;
 * runners look it up and skip the faults when it is absent.
 *
 * @since 0.1.0 @category models
 */
export interface FaultInjectorService {
  /** Replaces `service`'s faults with `spec` (a testkit fault spec). */
  readonly set: (service: string, spec: string) => Effect.Effect<void, unknown>
  /** Removes `service`'s faults. */
  readonly clear: (service: string) => Effect.Effect<void, unknown>
}

/** @since 0.1.0 @category tags */
export class FaultInjector extends Context.Tag("@baton/core/BatonApp/FaultInjector")<FaultInjector, FaultInjectorService>() {}
