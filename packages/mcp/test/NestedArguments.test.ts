/**
 * Tool arguments nested deeper than any JSON Baton reads (an agent's tool
 * call, `baton mcp call '<json>'`) are refused before anything walks them:
 * the call key, the argument check and the SDK's serialisation all recurse.
 */
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpConfig, McpGateway } from "../src/index.js"

// Two tools that take any object: one read-only (its calls are keyed for
// coalescing), one with side effects.
const connect = (calls: Array<string>) => async () => {
  const server = new Server({ name: "anything", version: "1.0.0" }, { capabilities: { tools: {} } })
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: "look", inputSchema: { type: "object" as const }, annotations: { readOnlyHint: true } },
      { name: "store", inputSchema: { type: "object" as const } }
    ]
  }))
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    calls.push(request.params.name)
    return { content: [{ type: "text" as const, text: "ok" }] }
  })
  const [client, transport] = InMemoryTransport.createLinkedPair()
  await server.connect(transport)
  return client
}

const nested = (levels: number): unknown => {
  let value: unknown = "bottom"
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

describe("tool arguments nested too deep", () => {
  it.scopedLive("are refused as InvalidToolArguments naming the field, never sent, and the connection stays up", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const { gateway, services } = yield* McpGateway.make({ mcpServers: { any: McpConfig.inMemory(connect(calls)) } })
      for (const tool of ["look", "store"]) {
        const error = yield* Effect.flip(gateway.invoke({ service: "any", tool, args: { deep: nested(100_000) } }))
        expect(error).toBeInstanceOf(ToolGateway.InvalidToolArguments)
        expect((error as ToolGateway.InvalidToolArguments).issues).toEqual([
          "deep: it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed"
        ])
      }
      expect(calls).toEqual([])
      expect(yield* gateway.invoke({ service: "any", tool: "store", args: { shallow: nested(90) } })).toEqual([{ type: "text", text: "ok" }])
      const [status] = yield* services.status
      expect(status!.instances[0]).toMatchObject({ connected: true, connects: 1 })
      expect(calls).toEqual(["store"])
    }))
})
