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
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
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
  /**
   * The conversation virtual user `user` (0, 1, 2…) of a load plays; by
   * default every one plays `demo`. Vary it (other dates, other places) so
   * that a load's users are many people rather than one person many times
   * over: they then share a service's inventory as real users would. Keep
   * the demo's number of turns.
   *
   * @since 0.2.0
   */
  readonly loadScenario?: (user: number) => Scenario
  /** The app's named workflows, as `baton plan <name>` explains them. */
  readonly workflows?: Readonly<Record<string, Workflow.Any>>
}

/**
 * The scenario virtual user `user` of a load plays: the app's
 * `loadScenario` for that user, else its demo.
 *
 * @since 0.2.0 @category accessors
 */
export const scenarioFor = (app: BatonApp, user: number): Scenario | undefined => app.loadScenario?.(user) ?? app.demo

/**
 * A fault an injector will not inject: the service takes no faults, or the
 * spec is not one the injector reads (`reason` says why, in the injector's
 * own words).
 *
 * @since 0.2.0 @category errors
 */
export class InvalidFault extends Schema.TaggedError<InvalidFault>("@baton/core/BatonApp/InvalidFault")("InvalidFault", {
  service: Schema.String,
  spec: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot inject ${JSON.stringify(this.spec)} into ${this.service}: ${this.reason}`
  }
}

/**
 * Injects faults into the app's tool services, for scenarios whose turns
 * carry `faults`. An app's layer may provide it next to its conversation;
 * runners look it up and skip the faults when it is absent.
 *
 * The spec grammar belongs to the injector (the testkit's mocks read
 * `FaultSpec`), so it also says which services take faults and whether a
 * spec is one it reads: a runner checks a scenario's faults with
 * `validateFault` before it plays any turn, instead of finding out halfway.
 *
 * @since 0.1.0 @category models
 */
export interface FaultInjectorService {
  /** The services faults can be injected into, by name. @since 0.2.0 */
  readonly services: ReadonlyArray<string>
  /**
   * Whether `set(service, spec)` would take `spec`, without injecting it.
   * Asked only about one of `services`. @since 0.2.0
   */
  readonly validate: (service: string, spec: string) => Either.Either<void, InvalidFault>
  /** Replaces `service`'s faults with `spec` (a testkit fault spec). */
  readonly set: (service: string, spec: string) => Effect.Effect<void, unknown>
  /** Removes `service`'s faults. */
  readonly clear: (service: string) => Effect.Effect<void, unknown>
}

/** @since 0.1.0 @category tags */
export class FaultInjector extends Context.Tag("@baton/core/BatonApp/FaultInjector")<FaultInjector, FaultInjectorService>() {}

/**
 * Whether `injector` would inject `spec` into `service`: the service must be
 * one of its `services` (the error lists them) and the spec one it reads.
 *
 * @since 0.2.0 @category validation
 */
export const validateFault = (
  injector: FaultInjectorService,
  service: string,
  spec: string
): Either.Either<void, InvalidFault> =>
  injector.services.includes(service)
    ? injector.validate(service, spec)
    : Either.left(
      new InvalidFault({
        service,
        spec,
        reason: `the app injects faults into no service ${JSON.stringify(service)}; ` +
          `it injects them into ${injector.services.join(", ")}`
      })
    )
