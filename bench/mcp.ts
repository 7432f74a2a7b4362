/**
 * What `McpGateway.invoke` adds to a raw SDK `Client.callTool`, on the
 * testkit's `maps.geocode` mock (a cheap tool, so the overhead shows): in
 * process and over a real stdio child. Each tinybench run makes `BATCH`
 * sequential calls — the gateway's inside one fiber, as an agent's calls are —
 * so the figures are per call, averaged over a batch.
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

const clients: Array<Client> = []
const rawClient = async (transport: Transport) => {
  const client = new Client({ name: "bench", version: "0.0.0" })
  await client.connect(transport)
  clients.push(client)
  return client
}

const runtimes: Array<ManagedRuntime.ManagedRuntime<ToolGateway.ToolGateway, unknown>> = []
const gateway = (server: McpConfig.ServerConfig) => {
  const runtime = ManagedRuntime.make(Layer.merge(McpGateway.layer({ mcpServers: { maps: server } }), EventBus.layer()))
  runtimes.push(runtime)
  const batch = Effect.flatMap(ToolGateway.ToolGateway, (tools) =>
    Effect.repeatN(tools.invoke({ service: "maps", tool: "geocode", args }), BATCH - 1))
  return () => runtime.runPromise(batch)
}

const rawBatch = (client: () => Client) => async () => {
  const params = { name: "geocode", arguments: args }
  for (let i = 0; i < BATCH; i++) await client().callTool(params)
}

let inMemoryClient: Client
let stdioClient: Client
const cases: Array<Case> = [
  {
    name: "raw SDK callTool, in-memory",
    setup: async () => void (inMemoryClient = await rawClient(await connectInMemory())),
    fn: rawBatch(() => inMemoryClient),
    batch: BATCH
  },
  { name: "McpGateway.invoke, in-memory", fn: gateway(McpConfig.inMemory(connectInMemory)), batch: BATCH },
  {
    name: "raw SDK callTool, stdio",
    setup: async () => void (stdioClient = await rawClient(new StdioClientTransport(stdio))),
    fn: rawBatch(() => stdioClient),
    batch: BATCH
  },
  { name: "McpGateway.invoke, stdio", fn: gateway(stdio), batch: BATCH }
]

export const suite: Suite = {
  name: "mcp",
  cases,
  after: async () => {
    for (const client of clients) await client.close()
    for (const runtime of runtimes) await runtime.dispose()
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
