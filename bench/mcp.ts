/**
 * What `McpGateway.invoke` adds to a raw SDK `Client.callTool`, on the
 * testkit's `maps.geocode` mock (a cheap tool, so the overhead shows): in
 * process and over a real stdio child. Each tinybench run makes `BATCH`
 * sequential calls — the gateway's inside one fiber, as an agent's calls are —
 * so the figures are per call, averaged over a batch. The gateway cases run
 * with its default policy (`McpGateway.recommendedPolicy`), but one without
 * any, for what the policy costs.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { EventBus, ToolGateway } from "@baton/core"
import { McpConfig, McpGateway } from "@baton/mcp"
import { MockServer, MockServices } from "@baton/testkit"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Scope from "effect/Scope"
import { fileURLToPath } from "node:url"
import type { Case, Suite } from "./Suite.js"

const BATCH = 50
const args = { query: "Lisbon" }
const root = fileURLToPath(new URL("..", import.meta.url))
const stdio = {
  command: process.execPath,
  args: ["--conditions=@baton/source", "--import", "tsx", "packages/testkit/src/bin/mock-server.ts", "maps", "--stdio"],
  cwd: root
}

const scope = Effect.runSync(Scope.make())
const mock = Effect.runSync(Scope.extend(MockServer.make(MockServices.maps, { seed: 1 }), scope))
const connectInMemory = () => Effect.runPromise(mock.connect)

// Each case owns its client or gateway from setup to teardown, so no other
// child process or connection is alive while a case is measured.
const rawCase = (name: string, transport: () => Promise<Transport>): Case => {
  let client: Client | undefined
  const params = { name: "geocode", arguments: args }
  return {
    name,
    setup: async () => {
      client = new Client({ name: "bench", version: "0.0.0" })
      await client.connect(await transport())
      // As any real client (and the gateway) does: the SDK then checks each
      // result against the tool's output schema, so both sides do that work.
      await client.listTools()
    },
    fn: async () => {
      for (let i = 0; i < BATCH; i++) await client!.callTool(params)
    },
    teardown: () => client!.close(),
    batch: BATCH
  }
}

const gatewayCase = (name: string, server: McpConfig.ServerConfig, options?: McpGateway.Options): Case => {
  let runtime: ManagedRuntime.ManagedRuntime<ToolGateway.ToolGateway, unknown> | undefined
  const batch = Effect.flatMap(ToolGateway.ToolGateway, (tools) =>
    Effect.repeatN(tools.invoke({ service: "maps", tool: "geocode", args }), BATCH - 1))
  return {
    name,
    setup: async () => {
      runtime = ManagedRuntime.make(Layer.merge(McpGateway.layer({ mcpServers: { maps: server } }, options), EventBus.layer()))
      await runtime.runPromise(batch)
    },
    fn: () => runtime!.runPromise(batch),
    teardown: () => runtime!.dispose(),
    batch: BATCH
  }
}

const cases: Array<Case> = [
  rawCase("raw SDK callTool, in-memory", connectInMemory),
  gatewayCase("McpGateway.invoke, in-memory", McpConfig.inMemory(connectInMemory)),
  // What the default policy (retry, breaker, bulkhead) costs a call that succeeds.
  gatewayCase("McpGateway.invoke, in-memory, no policy", McpConfig.inMemory(connectInMemory), { defaultPolicy: {} }),
  rawCase("raw SDK callTool, stdio", async () => new StdioClientTransport(stdio)),
  gatewayCase("McpGateway.invoke, stdio", stdio),
  // The same tool declared not read-only: no coalescing (and no cache) on the path.
  gatewayCase("McpGateway.invoke, stdio, read-only path off", { ...stdio, readOnlyTools: { geocode: false } })
]

export const suite: Suite = {
  name: "mcp",
  cases,
  after: () => Effect.runPromise(Scope.close(scope, Exit.void))
}
