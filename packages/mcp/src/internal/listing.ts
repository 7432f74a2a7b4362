import type { Tool } from "@modelcontextprotocol/sdk/types.js"
import type { ServerConfig } from "../McpConfig.js"
import type { PooledTool } from "../McpPool.js"
import type { ToolCatalogue, ToolInfo } from "../ToolCatalogue.js"
import { type ArgumentCheck, makeCompiler } from "./arguments.js"

// Compiled argument checks are shared by every pool in the process: the same
// schema served by many instances or services is compiled once.
const compile = makeCompiler()

class LazyTool implements PooledTool {
  private compiled: ArgumentCheck | undefined
  constructor(readonly info: ToolInfo) {}
  readonly check: ArgumentCheck = (args) => (this.compiled ??= compile(this.info.inputSchema))(args)
}

/** A service's tools as listed, described and ready to check calls against. */
export interface Listing {
  readonly catalogue: ToolCatalogue
  readonly byName: ReadonlyMap<string, PooledTool>
}

const readOnlyOverrides = (server: ServerConfig): ReadonlyMap<string, boolean> => {
  const overrides = server.readOnlyTools
  if (overrides === undefined) return new Map()
  return Array.isArray(overrides)
    ? new Map(overrides.map((tool: string) => [tool, true]))
    : new Map(Object.entries(overrides))
}

const toInfo = (tool: Tool, overrides: ReadonlyMap<string, boolean>): ToolInfo => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: tool.inputSchema,
  outputSchema: tool.outputSchema,
  annotations: tool.annotations,
  readOnly: overrides.get(tool.name) ?? tool.annotations?.readOnlyHint === true
})

export const makeListing = (
  service: string,
  server: ServerConfig,
  tools: ReadonlyArray<Tool>,
  refreshedAt: number
): Listing => {
  const overrides = readOnlyOverrides(server)
  const infos = tools.map((tool) => toInfo(tool, overrides))
  return {
    catalogue: { service, tools: infos, refreshedAt },
    byName: new Map(infos.map((info) => [info.name, new LazyTool(info)]))
  }
}
