/**
 * What the gateway adds to a tool call: sequential `echo` calls through a raw
 * SDK `Client.callTool` and through `McpGateway` (in one fiber, so that no
 * `runPromise` is counted), over in-memory, stdio and HTTP fixture servers.
 *
 *   node --conditions=@baton/source --import tsx packages/mcp/bench/gateway.ts [calls]
 *
 * Numbers are reported, never asserted.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { EventBus, ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpConfig, McpGateway } from "../src/index.js"
import { inMemory } from "../test/fixtures/inMemory.js"

const calls = Number(process.argv[2] ?? 10_000)
const warmup = Math.min(2_000, calls)
const root = fileURLToPath(new URL("../../..", import.meta.url))
const script = fileURLToPath(new URL("../test/fixtures/server.ts", import.meta.url))
const nodeArgs = ["--conditions=@baton/source", "--import", "tsx", script]
const args = { text: "hello" }

const percentile = (samples: Array<number>, p: number) =>
  samples.sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * p))]! * 1000

const raw = async (transport: Transport) => {
  const client = new Client({ name: "bench", version: "0.0.0" })
  await client.connect(transport)
  const params = { name: "echo", arguments: args }
  for (let i = 0; i < warmup; i++) await client.callTool(params)
  const samples: Array<number> = []
  for (let i = 0; i < calls; i++) {
    const started = performance.now()
    await client.callTool(params)
    samples.push(performance.now() - started)
  }
  await client.close()
  return samples
}

const viaGateway = (server: McpConfig.ServerConfig, withBus: boolean) => {
  const gateway = McpGateway.layer({ mcpServers: { bench: server } })
  const program = Effect.gen(function*() {
    const tools = yield* ToolGateway.ToolGateway
    const call = tools.invoke({ service: "bench", tool: "echo", args })
    for (let i = 0; i < warmup; i++) yield* call
    const samples: Array<number> = []
    for (let i = 0; i < calls; i++) {
      const started = performance.now()
      yield* call
      samples.push(performance.now() - started)
    }
    return samples
  })
  return Effect.runPromise(Effect.provide(program, withBus ? Layer.merge(gateway, EventBus.layer()) : gateway))
}

const httpServer = () =>
  new Promise<{ url: string; stop: () => void }>((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, "--http"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.on("data", (chunk: Buffer) => {
      const port = /listening (\d+)/.exec(chunk.toString())?.[1]
      if (port) resolve({ url: `http://127.0.0.1:${port}/mcp`, stop: () => child.kill("SIGKILL") })
    })
  })

const rows: Array<string> = []
const report = (transport: string, baseline: Array<number>, cases: ReadonlyArray<[string, Array<number>]>) => {
  const base = percentile(baseline, 0.5)
  rows.push(`| ${transport} | raw SDK callTool | ${base.toFixed(1)} µs | ${percentile(baseline, 0.99).toFixed(1)} µs | |`)
  for (const [name, samples] of cases) {
    const p50 = percentile(samples, 0.5)
    const added = p50 - base
    rows.push(
      `| ${transport} | ${name} | ${p50.toFixed(1)} µs | ${percentile(samples, 0.99).toFixed(1)} µs | ` +
        `+${added.toFixed(1)} µs (${((added / base) * 100).toFixed(0)} %) |`
    )
  }
}

const stdio = { command: process.execPath, args: [...nodeArgs, "--stdio"], cwd: root }
report("in-memory", await raw(await inMemory({ label: "raw" })()), [
  ["gateway", await viaGateway(McpConfig.inMemory(inMemory({ label: "gw" })), false)],
  ["gateway + EventBus", await viaGateway(McpConfig.inMemory(inMemory({ label: "gw" })), true)]
])
report("stdio", await raw(new StdioClientTransport(stdio)), [
  ["gateway + EventBus", await viaGateway(stdio, true)]
])
const http = await httpServer()
report("HTTP", await raw(new StreamableHTTPClientTransport(new URL(http.url))), [
  ["gateway + EventBus", await viaGateway({ url: http.url }, true)]
])
http.stop()

console.log(`${calls} sequential calls each, Node ${process.version}\n`)
console.log("| transport | path | p50 | p99 | added at p50 |\n|---|---|---:|---:|---:|")
console.log(rows.join("\n"))
