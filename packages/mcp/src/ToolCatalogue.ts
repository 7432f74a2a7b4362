/**
 * The tools a service offers, as discovered with `tools/list`, and the check
 * of agents' requirements against them.
 *
 * @example
 * ```ts
 * import { AgentRegistry, Ids } from "@baton/core"
 * import { ToolCatalogue } from "@baton/mcp"
 *
 * declare const registry: AgentRegistry.AgentRegistry<unknown>
 * declare const catalogues: ReadonlyMap<string, ToolCatalogue.ToolCatalogue>
 *
 * const missing = ToolCatalogue.missingRequirements(registry, catalogues, {
 *   [Ids.agentId("flights")]: [{ service: "flights", tool: "search_flights" }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { AgentRegistry, Ids } from "@baton/core"

/**
 * MCP's behaviour hints for a tool. Servers are not trusted to be right:
 * configuration can override `readOnlyHint`.
 *
 * @since 0.1.0 @category models
 */
export interface ToolAnnotations {
  readonly title?: string | undefined
  readonly readOnlyHint?: boolean | undefined
  readonly destructiveHint?: boolean | undefined
  readonly idempotentHint?: boolean | undefined
  readonly openWorldHint?: boolean | undefined
}

/** @since 0.1.0 @category models */
export interface ToolInfo {
  readonly name: string
  readonly title?: string | undefined
  readonly description?: string | undefined
  /** The JSON Schema arguments are checked against before a call is sent. */
  readonly inputSchema: Readonly<Record<string, unknown>>
  readonly outputSchema?: Readonly<Record<string, unknown>> | undefined
  readonly annotations?: ToolAnnotations | undefined
  /** After configuration overrides: read-only calls are coalesced and may be cached. */
  readonly readOnly: boolean
}

/** @since 0.1.0 @category models */
export interface ToolCatalogue {
  readonly service: string
  readonly tools: ReadonlyArray<ToolInfo>
  /** When the listing was taken (`Clock` milliseconds). */
  readonly refreshedAt: number
}

/** @since 0.1.0 @category models */
export interface ToolRequirement {
  readonly service: string
  readonly tool: string
}

/**
 * What an agent needs and cannot have now: services that are not configured
 * or have no connected instance, and tools (`service.tool`) its reachable
 * services do not offer.
 *
 * @since 0.1.0 @category models
 */
export interface MissingRequirements {
  readonly agent: Ids.AgentId
  readonly services: ReadonlyArray<string>
  readonly tools: ReadonlyArray<string>
}

/**
 * Agents whose required services (`Agent.requiredServices`) or required
 * tools are missing from `catalogues`, which hold the reachable services.
 * Agents declare no tools in core, so `requiredTools` lists them by agent.
 *
 * @since 0.1.0 @category checks
 */
export const missingRequirements = (
  registry: AgentRegistry.AgentRegistry<any, any, any>,
  catalogues: ReadonlyMap<string, ToolCatalogue>,
  requiredTools: Readonly<Record<string, ReadonlyArray<ToolRequirement>>> = {}
): ReadonlyArray<MissingRequirements> => {
  const available = new Set(catalogues.keys())
  const missingServices = new Map(registry.missingServices(available).map((entry) => [entry.agent, entry.missing]))
  return registry.ids.flatMap((agent) => {
    const services = new Set(missingServices.get(agent) ?? [])
    const tools: Array<string> = []
    for (const { service, tool } of requiredTools[agent] ?? []) {
      const catalogue = catalogues.get(service)
      if (catalogue === undefined) services.add(service)
      else if (!catalogue.tools.some((info) => info.name === tool)) tools.push(`${service}.${tool}`)
    }
    return services.size > 0 || tools.length > 0 ? [{ agent, services: [...services], tools }] : []
  })
}
