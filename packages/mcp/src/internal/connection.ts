import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { McpConnectError } from "../Errors.js"
import type { ServerConfig } from "../McpConfig.js"
import type { ConnectOptions, Endpoint, McpConnection } from "../McpConnection.js"
import { requestScopedFetch } from "./fetch.js"
import { lazyValidator } from "./outputSchemas.js"
import { redactText, redactUrl } from "./serverAddress.js"
import { withoutUserinfo } from "./urlCredentials.js"

// The SDK's stdio close waits up to 2 s for the process to exit after stdin
// ends, then 2 s after SIGTERM, then sends SIGKILL.
const exitGraceMs = 5_000
const terminateSessionMs = 1_000
const probeTimeoutMs = 2_000

const defaultClientInfo = { name: "baton", version: "0.1.0" }

export const endpoints = (service: string, server: ServerConfig): ReadonlyArray<Endpoint> => {
  const numbered = (count: number | undefined) => Array.from({ length: count ?? 1 }, (_, i) => `${service}#${i}`)
  if ("inMemory" in server) {
    return numbered(server.instances).map((id) => ({ _tag: "InMemory", id, connect: server.inMemory }))
  }
  if ("command" in server) {
    return numbered(server.instances).map((id) => ({
      _tag: "Stdio",
      id,
      command: server.command,
      args: server.args ?? [],
      env: server.env,
      cwd: server.cwd
    }))
  }
  const urls = server.instances ?? [server.url]
  // The id is shown everywhere (status, events, logs, errors): never a credential.
  const shown = urls.map(redactUrl)
  return urls.map((url, i) => ({
    _tag: "Http",
    // A URL listed twice is two instances, so it needs two names.
    id: shown.indexOf(shown[i]!) === i ? shown[i]! : `${shown[i]}#${i}`,
    ...withoutUserinfo({ url, headers: server.headers })
  }))
}

const open = async (endpoint: Endpoint): Promise<Transport> => {
  switch (endpoint._tag) {
    case "Stdio":
      return new StdioClientTransport({
        command: endpoint.command,
        args: [...endpoint.args],
        ...(endpoint.env === undefined ? {} : { env: { ...endpoint.env } }),
        ...(endpoint.cwd === undefined ? {} : { cwd: endpoint.cwd }),
        // The server's diagnostics belong with ours; a pipe nobody reads would fill and block it.
        stderr: "inherit"
      })
    case "Http":
      return new StreamableHTTPClientTransport(new URL(endpoint.url), {
        fetch: requestScopedFetch(),
        ...(endpoint.headers === undefined ? {} : { requestInit: { headers: { ...endpoint.headers } } })
      })
    case "InMemory":
      return endpoint.connect()
  }
}

/**
 * The SDK runs a notification's handler a microtask after it arrives but
 * settles a response at once. A progress notification read in the same chunk
 * as its request's response (common over stdio) then finds its handler
 * already removed and is dropped. Settling responses a microtask later too
 * keeps the order the server sent.
 */
const keepNotificationsBeforeResponses = (transport: Transport) => {
  const deliver = transport.onmessage
  if (deliver === undefined) return
  transport.onmessage = (message, extra) => {
    if ("id" in message && !("method" in message)) queueMicrotask(() => deliver(message, extra))
    else deliver(message, extra)
  }
}

const within = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())])

// Shown in status and logs; fetch and the SDK name URLs in their messages.
const reasonOf = (error: unknown) => {
  if (!(error instanceof Error)) return redactText(String(error))
  const code = (error as NodeJS.ErrnoException).code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code
  // Node's spawn errors already end with their code ("spawn npx ENOENT").
  return redactText(code === undefined || error.message.includes(code) ? error.message : `${error.message} (${code})`)
}

export const connect = (
  endpoint: Endpoint,
  options: ConnectOptions
): Effect.Effect<McpConnection, McpConnectError, Scope.Scope> => Effect.suspend(() => makeConnection(endpoint, options))

const makeConnection = (endpoint: Endpoint, options: ConnectOptions) => {
  let transport: Transport | undefined
  let closed = false
  let markClosed: () => void = () => {}
  const whenClosed = new Promise<void>((resolve) => (markClosed = resolve))
  const client = new Client(options.clientInfo ?? defaultClientInfo, { capabilities: {}, jsonSchemaValidator: lazyValidator })
  client.onclose = () => {
    closed = true
    markClosed()
  }
  // Over HTTP a server that went away shows only here: the event stream
  // carrying a call's answer is cut, and that answer never comes. A ping
  // that cannot even be sent means the server is gone: closing fails the
  // calls in flight now (as TransportClosed) instead of at their timeout.
  client.onerror = (error) => {
    if (endpoint._tag !== "Http" || closed || !error.message.startsWith("SSE stream disconnected")) return
    client.ping({ timeout: probeTimeoutMs }).catch((failure: unknown) => {
      if (!(failure instanceof McpError)) void client.close().catch(() => undefined)
    })
  }

  // Waits for the transport to report closing, so that a stdio child has
  // exited before the scope is done with it.
  const shutDown = async () => {
    if (transport === undefined) return
    if (transport instanceof StreamableHTTPClientTransport && !closed) {
      await within(transport.terminateSession(), terminateSessionMs)
    }
    await within(client.close(), exitGraceMs)
    await within(whenClosed, exitGraceMs)
  }

  const acquire = Effect.tryPromise({
    try: async (): Promise<McpConnection> => {
      try {
        transport = await open(endpoint)
        await client.connect(transport, { timeout: options.timeoutMs })
        keepNotificationsBeforeResponses(transport)
      } catch (error) {
        await shutDown()
        throw error
      }
      const pid = transport instanceof StdioClientTransport ? transport.pid ?? undefined : undefined
      return {
        endpoint,
        client,
        pid,
        isClosed: () => closed,
        closed: Effect.promise(() => whenClosed),
        close: () => void client.close().catch(() => undefined)
      }
    },
    catch: (error) => new McpConnectError({ service: options.service, instance: endpoint.id, reason: reasonOf(error) })
  })

  return Effect.acquireRelease(acquire, () => Effect.promise(shutDown))
}
