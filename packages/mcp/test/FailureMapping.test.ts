import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "@effect/vitest"
import { classify, resultError } from "../src/internal/errors.js"

const call = { service: "s", tool: "t", timeoutMs: 100, aborted: false, closed: false }

describe("failure classification", () => {
  it("tells our cancellation from a timeout, both reported as -32001", () => {
    const timeout = new McpError(-32001, "Request timed out", { timeout: 100 })
    expect(classify(timeout, call).error).toMatchObject({ _tag: "ToolTimeout", timeoutMs: 100 })
    expect(classify(timeout, { ...call, aborted: true }).error._tag).toBe("ToolCancelled")
  })

  it("trusts ConnectionClosed only when the connection did close", () => {
    const closed = new McpError(-32000, "Connection closed")
    expect(classify(closed, { ...call, closed: true })).toMatchObject({ error: { _tag: "TransportClosed" }, broken: true })
    // Servers use -32000 for errors of their own too.
    expect(classify(closed, call)).toMatchObject({ error: { _tag: "ToolProtocolError", code: -32000 }, broken: false })
  })

  it("keeps the code and retry-after hint of other JSON-RPC errors", () => {
    const error = new McpError(-32099, "MCP error -32099: busy", { retryAfterMs: 40 })
    expect(classify(error, call).error).toMatchObject({ code: -32099, detail: "busy", retryAfterMs: 40 })
  })

  it("treats a forgotten HTTP session as a closed transport, other statuses as protocol errors", () => {
    expect(classify(new StreamableHTTPError(404, "Session not found"), call)).toMatchObject({
      error: { _tag: "TransportClosed" },
      broken: true
    })
    expect(classify(new StreamableHTTPError(502, "Bad gateway"), call)).toMatchObject({
      error: { _tag: "ToolProtocolError", code: 502 },
      broken: false
    })
  })

  it("reports an invalid result as a protocol error and a failed send as a closed transport", () => {
    const invalid = Object.assign(new Error("content: expected array"), { issues: [] })
    expect(classify(invalid, call).error).toMatchObject({ _tag: "ToolProtocolError", code: -32603 })
    const refused = new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })
    expect(classify(refused, call)).toMatchObject({
      error: { _tag: "TransportClosed", detail: "fetch failed (ECONNREFUSED)" },
      broken: true
    })
  })

  it("shows no credentials of a URL named in a transport's or a server's failure", () => {
    const sent = new TypeError("Request cannot be constructed from a URL that includes credentials: http://u:pw@h:1/mcp?key=k1")
    expect(classify(sent, call).error).toMatchObject({
      _tag: "TransportClosed",
      detail: "Request cannot be constructed from a URL that includes credentials: http://***@h:1/mcp?key=***"
    })
    const answered = new StreamableHTTPError(502, "Error POSTing to endpoint: upstream http://u:pw@h:2/mcp?token=t2 failed")
    expect(classify(answered, call).error).toMatchObject({ detail: "Streamable HTTP error: Error POSTing to endpoint: upstream http://***@h:2/mcp?token=*** failed" })
    const server = new McpError(-32099, "MCP error -32099: cannot reach https://svc:pw@h:3/api?sig=s3")
    expect(classify(server, call).error).toMatchObject({ detail: "cannot reach https://***@h:3/api?sig=***" })
  })

  it("finds a retry-after hint in structured content, _meta or JSON text", () => {
    const text = (value: string) => [{ type: "text" as const, text: value }]
    expect(resultError("s", "t", { content: text("a"), isError: true, _meta: { retryAfterMs: 5 } }).retryAfterMs).toBe(5)
    expect(resultError("s", "t", { content: text(`{"retryAfterMs":7}`), isError: true }).retryAfterMs).toBe(7)
    expect(resultError("s", "t", { content: [], isError: true }).detail).toBe("the tool reported an error without details")
  })
})
