/**
 * What a host application hands to Baton's tools: the CLI and the testkit's
 * runners load a module that exports `app` and drive its conversation
 * without knowing its agents.
 *
 * @since 0.1.0
 */
import type * as Layer from "effect/Layer"
import type { Conversation } from "./Conversation.js"
import type { Scenario } from "./Scenario.js"
import type { SessionStore } from "./SessionStore.js"

/** @since 0.1.0 @category models */
export interface BatonApp {
  readonly name: string
  readonly description: string
  /** The app's conversation. The runner provides the session store. */
  readonly layer: Layer.Layer<Conversation, unknown, SessionStore>
  /** The scripted conversation `baton demo` plays. */
  readonly demo?: Scenario
}
