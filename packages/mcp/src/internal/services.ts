import * as Effect from "effect/Effect"
import { ToolGateway } from "@baton/core"
import type { McpServices } from "../McpServices.js"
import * as ToolCatalogue from "../ToolCatalogue.js"
import type { Pool } from "./pool.js"

export const makeServices = (pools: ReadonlyMap<string, Pool>): McpServices.Service => {
  const find = (service: string) => {
    const found = pools.get(service)
    return found === undefined
      ? Effect.fail(new ToolGateway.UnknownService({ service, known: [...pools.keys()] }))
      : Effect.succeed(found)
  }

  // A service counts as reachable while one of its instances is connected.
  const catalogues = Effect.sync(() => {
    const reachable = new Map<string, ToolCatalogue.ToolCatalogue>()
    for (const [name, service] of pools) {
      const catalogue = service.catalogue()
      if (catalogue !== undefined && service.instances.some((instance) => instance.connected)) {
        reachable.set(name, catalogue)
      }
    }
    return reachable as ReadonlyMap<string, ToolCatalogue.ToolCatalogue>
  })

  return {
    names: [...pools.keys()],
    status: Effect.sync(() => [...pools.values()].map((service) => service.status())),
    health: (service) => Effect.sync(() => pools.get(service)?.health() ?? 0),
    catalogue: (service) =>
      Effect.flatMap(find(service), (found) => {
        const catalogue = found.catalogue()
        return catalogue === undefined
          ? Effect.fail(new ToolGateway.TransportClosed({ service, detail: "no instance has connected yet" }))
          : Effect.succeed(catalogue)
      }),
    catalogues,
    refresh: (service) => Effect.flatMap(find(service), (found) => found.refresh),
    missingRequirements: (registry, requiredTools) =>
      Effect.map(catalogues, (reachable) => ToolCatalogue.missingRequirements(registry, reachable, requiredTools))
  }
}
