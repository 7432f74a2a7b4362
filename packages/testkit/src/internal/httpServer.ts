/**
 * A mock over Streamable HTTP on 127.0.0.1: `/mcp` for MCP sessions (one SDK
 * transport per session, found by the `mcp-session-id` header) and
 * `POST /control` for the JSON control requests.
 */
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { randomUUID } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Runtime from "effect/Runtime"
import * as MockControl from "../MockControl.js"
import type { Host } from "./mockHost.js"

export interface HttpServing {
  readonly port: number
  readonly close: () => Promise<void>
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const json = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

const rpcError = (res: Http.ServerResponse, status: number, message: string) =>
  json(res, status, { jsonrpc: "2.0", id: null, error: { code: -32000, message } })

const readJson = async (req: Http.IncomingMessage): Promise<unknown> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 1_000_000) throw new Error("the body is larger than 1 MB")
    chunks.push(chunk as Buffer)
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"))
}

export const listen = async (
  host: Host<unknown>,
  runtime: Runtime.Runtime<never>,
  port: number
): Promise<HttpServing> => {
  const sessions = new Map<string, StreamableHTTPServerTransport>()

  const control = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    if (req.method !== "POST") return json(res, 405, { error: "use POST with a JSON control request" })
    let body: unknown
    try {
      body = await readJson(req)
    } catch (error) {
      return json(res, 400, { error: `the body is not JSON: ${describe(error)}` })
    }
    const request = MockControl.decode(body)
    if (Either.isLeft(request)) return json(res, 400, { error: request.left.message })
    const answer = await Runtime.runPromise(runtime)(Effect.either(MockControl.run(host.control, request.right)))
    return Either.isLeft(answer) ? json(res, 400, { error: answer.left.message }) : json(res, 200, answer.right)
  }

  const mcp = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    const sessionId = req.headers["mcp-session-id"]
    if (typeof sessionId === "string") {
      const transport = sessions.get(sessionId)
      // 404 tells the client its session is gone (the mock restarted or crashed) and to initialize again.
      if (transport === undefined) return rpcError(res, 404, `Session not found: ${sessionId}`)
      return transport.handleRequest(req, res)
    }
    if (req.method !== "POST") return rpcError(res, 400, "Bad Request: no mcp-session-id header")
    // Only an initialize opens a session; anything else without a session id is refused before a server is made for it.
    let body: unknown
    try {
      body = await readJson(req)
    } catch (error) {
      return rpcError(res, 400, `Parse error: ${describe(error)}`)
    }
    if (!(Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body))) {
      return rpcError(res, 400, "Bad Request: no mcp-session-id header and not an initialize request")
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, transport)
    })
    await host.serve(transport, () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
    })
    return transport.handleRequest(req, res, body)
  }

  const server = Http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
    const route = path === "/mcp" ? mcp : path === "/control" ? control : undefined
    if (route === undefined) return json(res, 404, { error: `no route ${path}; use /mcp or /control` })
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: describe(error) })
      else res.destroy()
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await host.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
