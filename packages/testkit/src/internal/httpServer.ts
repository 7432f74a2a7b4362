/**
 * A mock over Streamable HTTP on 127.0.0.1: `/mcp` for MCP sessions (one SDK
 * transport per session, found by the `mcp-session-id` header) and
 * `POST /control` for the JSON control requests. Every request is checked
 * first: addressed to the mock on loopback (`loopbackRequest`), carrying the
 * required `Authorization` when one is set, and with a body that parses as
 * JSON within core's nesting bound (`-32700` otherwise).
 */
import { JsonInput } from "@baton/core"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { ErrorCode, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { randomUUID } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Runtime from "effect/Runtime"
import * as MockControl from "../MockControl.js"
import { refusal } from "./loopbackRequest.js"
import type { Host } from "./mockHost.js"

export interface HttpServing {
  readonly port: number
  readonly close: () => Promise<void>
}

export interface HttpOptions {
  readonly port: number
  /** The `Authorization` header every request must carry; others are answered 401. */
  readonly authorization?: string | undefined
}

const maxBodyBytes = 1_000_000

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const json = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

// JSON-RPC's implementation-defined server error, which the SDK's transport
// also answers refusals with.
const serverError = -32000

const rpcError = (res: Http.ServerResponse, status: number, message: string, code = serverError) =>
  json(res, status, { jsonrpc: "2.0", id: null, error: { code, message } })

/** Why a body cannot be used, answered as JSON-RPC does whichever endpoint it was sent to. */
interface Unreadable {
  readonly status: number
  readonly code: number
  readonly message: string
}

/** The body as JSON: within 1 MB, and parsed with core's nesting bound (-32700 otherwise). */
const readJson = async (req: Http.IncomingMessage): Promise<Either.Either<unknown, Unreadable>> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBodyBytes) {
      return Either.left({ status: 413, code: ErrorCode.InvalidRequest, message: "the body is larger than 1 MB" })
    }
    chunks.push(chunk as Buffer)
  }
  return Either.mapLeft(
    JsonInput.parse(Buffer.concat(chunks).toString("utf8")),
    (reason) => ({ status: 400, code: ErrorCode.ParseError, message: `Parse error: ${reason}` })
  )
}

const unreadable = (res: Http.ServerResponse, problem: Unreadable) => rpcError(res, problem.status, problem.message, problem.code)

export const listen = async (
  host: Host<unknown>,
  runtime: Runtime.Runtime<never>,
  options: HttpOptions
): Promise<HttpServing> => {
  const sessions = new Map<string, StreamableHTTPServerTransport>()

  const control = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    if (req.method !== "POST") return json(res, 405, { error: "use POST with a JSON control request" })
    const body = await readJson(req)
    if (Either.isLeft(body)) return unreadable(res, body.left)
    const request = MockControl.decode(body.right)
    if (Either.isLeft(request)) return json(res, 400, { error: request.left.message })
    const answer = await Runtime.runPromise(runtime)(Effect.either(MockControl.run(host.control, request.right)))
    return Either.isLeft(answer) ? json(res, 400, { error: answer.left.message }) : json(res, 200, answer.right)
  }

  const mcp = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    const sessionId = req.headers["mcp-session-id"]
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined
    // 404 tells the client its session is gone (the mock restarted or crashed) and to initialize again.
    if (typeof sessionId === "string" && existing === undefined) return rpcError(res, 404, `Session not found: ${sessionId}`)
    if (req.method !== "POST") {
      return existing === undefined ? rpcError(res, 400, "Bad Request: no mcp-session-id header") : existing.handleRequest(req, res)
    }
    // Every body is read here, so that each one is parsed with the same bound.
    const read = await readJson(req)
    if (Either.isLeft(read)) return unreadable(res, read.left)
    const body = read.right
    if (existing !== undefined) return existing.handleRequest(req, res, body)
    // Only an initialize opens a session; anything else without a session id is refused before a server is made for it.
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
    const forbidden = refusal(req.headers, (server.address() as AddressInfo).port)
    if (forbidden !== undefined) return rpcError(res, 403, forbidden)
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      return rpcError(res, 401, "Unauthorized: this mock requires an Authorization header")
    }
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
    server.listen(options.port, "127.0.0.1", () => {
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
