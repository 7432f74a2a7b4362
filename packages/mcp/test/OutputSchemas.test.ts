/**
 * Structured results are checked against the tool's output schema when the
 * tool is called, with the schema compiled then: the SDK's default compiled
 * every listed tool's schema at listing, so one schema it could not compile
 * made the whole service's listing fail, and every listing paid for tools
 * never called.
 */
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpConfig, McpGateway } from "../src/index.js"

const seats = { type: "object" as const, properties: { seats: { type: "integer" } }, required: ["seats"] }

// `broken`'s output schema names a type JSON Schema does not have.
const connect = async () => {
  const server = new Server({ name: "outputs", version: "1.0.0" }, { capabilities: { tools: {} } })
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: "count", inputSchema: { type: "object" as const }, outputSchema: seats },
      { name: "miscount", inputSchema: { type: "object" as const }, outputSchema: seats },
      { name: "broken", inputSchema: { type: "object" as const }, outputSchema: { type: "object" as const, properties: { n: { type: "no-such-type" } } } }
    ]
  }))
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const structuredContent = request.params.name === "miscount" ? { seats: "many" } : { seats: 3 }
    return { content: [{ type: "text" as const, text: JSON.stringify(structuredContent) }], structuredContent }
  })
  const [client, transport] = InMemoryTransport.createLinkedPair()
  await server.connect(transport)
  return client
}

describe("output schemas", () => {
  it.scopedLive("a schema that cannot be compiled fails only its own tool's calls; the others are listed, called and checked", () =>
    Effect.gen(function*() {
      const { gateway, services } = yield* McpGateway.make({ mcpServers: { outputs: McpConfig.inMemory(connect) } })
      const catalogue = yield* services.catalogue("outputs")
      expect(catalogue.tools.map((tool) => tool.name).sort()).toEqual(["broken", "count", "miscount"])

      expect(yield* gateway.invoke({ service: "outputs", tool: "count", args: {} })).toEqual({ seats: 3 })
      const mismatch = yield* Effect.flip(gateway.invoke({ service: "outputs", tool: "miscount", args: {} }))
      expect(mismatch.message).toMatch(/output schema/i)
      const uncompilable = yield* Effect.flip(gateway.invoke({ service: "outputs", tool: "broken", args: {} }))
      expect(uncompilable.message).toMatch(/no-such-type|schema/i)
    }))
})
