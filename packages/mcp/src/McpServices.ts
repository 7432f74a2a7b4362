/**
 * What the MCP gateway knows about its services: their instances and health,
 * their tool catalogues, and which agents cannot work with what is reachable.
 *
 * @example
 * ```ts
 * import { McpServices } from "@baton/mcp"
 * import * as Effect from "effect/Effect"
 *
 * const report = Effect.gen(function*() {
 *   const services = yield* McpServices.McpServices
 *   for (const status of yield* services.status) {
 *     console.log(status.service, status.health.toFixed(2), `${status.tools ?? "?"} tools`)
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { AgentRegistry, ToolGateway } from "@baton/core"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { ServiceStatus } from "./McpPool.js"
import type { MissingRequirements, ToolCatalogue, ToolRequirement } from "./ToolCatalogue.js"

/**
 * @since 0.1.0 @category tags
 */
export class McpServices extends Context.Tag("@baton/mcp/McpServices")<McpServices, McpServices.Service>() {}

/** @since 0.1.0 */
export declare namespace McpServices {
  /** @since 0.1.0 @category models */
  export interface Service {
    /** The configured services. */
    readonly names: ReadonlyArray<string>
    readonly status: Effect.Effect<ReadonlyArray<ServiceStatus>>
    /** 0..1, the best instance's health; 0 for a service that is not configured. */
    readonly health: (service: string) => Effect.Effect<number>
    /** The latest listing; `TransportClosed` until an instance has answered. */
    readonly catalogue: (
      service: string
    ) => Effect.Effect<ToolCatalogue, ToolGateway.UnknownService | ToolGateway.TransportClosed>
    /** The catalogues of the services that have a connected instance now. */
    readonly catalogues: Effect.Effect<ReadonlyMap<string, ToolCatalogue>>
    /** List a service's tools again now. */
    readonly refresh: (
      service: string
    ) => Effect.Effect<ToolCatalogue, ToolGateway.UnknownService | ToolGateway.TransportClosed>
    /** See `ToolCatalogue.missingRequirements`, against what is reachable now. */
    readonly missingRequirements: (
      registry: AgentRegistry.AgentRegistry<any, any, any>,
      requiredTools?: Readonly<Record<string, ReadonlyArray<ToolRequirement>>>
    ) => Effect.Effect<ReadonlyArray<MissingRequirements>>
  }
}
