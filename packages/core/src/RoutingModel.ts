/**
 * The port for model-based routing: a language model (or anything else) that
 * picks an agent for a request. Scripted in tests; a provider package adapts
 * a real model.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Capability } from "./Capability.js"
import type { AgentId } from "./Ids.js"

/** @since 0.1.0 @category models */
export interface AgentProfile {
  readonly id: AgentId
  readonly description: string
  readonly capabilities: ReadonlyArray<Capability>
}

/** @since 0.1.0 @category models */
export interface ModelChoice {
  readonly agent: AgentId
  readonly confidence: number
  readonly reasoning: string
}

/** @since 0.1.0 @category errors */
export class RoutingModelError extends Schema.TaggedError<RoutingModelError>("@baton/core/RoutingModelError")(
  "RoutingModelError",
  { reason: Schema.String }
) {
  override get message() {
    return `Routing model failed: ${this.reason}`
  }
}

/** @since 0.1.0 @category tags */
export class RoutingModel extends Context.Tag("@baton/core/RoutingModel")<
  RoutingModel,
  {
    readonly classify: (
      text: string,
      agents: ReadonlyArray<AgentProfile>
    ) => Effect.Effect<ReadonlyArray<ModelChoice>, RoutingModelError>
  }
>() {}
