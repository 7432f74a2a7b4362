/**
 * A server-side `Transport` wrapper that injects faults between the wire and
 * the MCP server. Working on messages rather than inside tool handlers lets
 * it do what a handler cannot: answer with a JSON-RPC error code, hold the
 * `initialize`, drop an answer, send a result that breaks its schema past the
 * server's own validation, or die between doing the work and answering.
 * The same wrapper serves in-memory, stdio and HTTP sessions.
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { CallToolResult, JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js"
import type { Decision, Reshape } from "./faultPlan.js"

/** The tool that controls a mock; never faulted, never counted. */
export const controlTool = "_control"

export interface CallPolicy {
  /** How long to hold an `initialize` arriving now. */
  readonly initializeDelay: () => number
  readonly decide: (call: { readonly id: RequestId; readonly tool: string; readonly args: unknown }) => Decision
  /** The call with this tool name is answered, dropped or abandoned. */
  readonly settled: (tool: string) => void
}

export interface FaultTransportOptions {
  readonly policy: CallPolicy
  /** Resolves after `ms`, rejects when `signal` aborts. Runs on the mock's clock. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** What a crash does: exit the process, or close this connection. */
  readonly crash: (transport: FaultTransport) => void
}

interface Pending {
  readonly tool: string
  readonly crash: boolean
  readonly reshape: ReadonlyArray<Reshape>
}

type Request = { readonly id: RequestId; readonly method: string; readonly params?: Record<string, unknown> }

const isRequest = (message: JSONRPCMessage): message is JSONRPCMessage & Request =>
  "method" in message && "id" in message

const isResponse = (message: JSONRPCMessage): message is JSONRPCMessage & { readonly id: RequestId } =>
  !("method" in message) && "id" in message

export class FaultTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void

  /** Requests waiting out a delay, by id; `tool` is undefined for a held `initialize`. */
  private readonly waiting = new Map<RequestId, { readonly tool: string | undefined; readonly abort: AbortController }>()
  /** Calls the server is working on, whose answer goes through `send`. */
  private readonly pending = new Map<RequestId, Pending>()
  /** Calls that will never be answered. */
  private readonly hung = new Map<RequestId, string>()

  constructor(readonly inner: Transport, private readonly options: FaultTransportOptions) {
    inner.onmessage = (message, extra) => this.receive(message, extra)
    inner.onerror = (error) => this.onerror?.(error)
    inner.onclose = () => {
      this.abandonAll()
      this.onclose?.()
    }
  }

  get sessionId() {
    return this.inner.sessionId
  }

  setProtocolVersion(version: string) {
    this.inner.setProtocolVersion?.(version)
  }

  start() {
    return this.inner.start()
  }

  async close() {
    this.abandonAll()
    await this.inner.close()
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions) {
    const entry = isResponse(message) ? this.pending.get(message.id) : undefined
    if (entry === undefined || !isResponse(message)) return this.inner.send(message, options)
    this.pending.delete(message.id)
    this.options.policy.settled(entry.tool)
    if (entry.crash) return this.options.crash(this)
    const answer = "result" in message && entry.reshape.length > 0 && !(message.result as CallToolResult).isError
      ? { ...message, result: entry.reshape.reduce((result, f) => f(result), message.result as CallToolResult) }
      : message
    return this.inner.send(answer, options)
  }

  private forward(message: JSONRPCMessage, extra: MessageExtraInfo | undefined) {
    this.onmessage?.(message, extra)
  }

  private receive(message: JSONRPCMessage, extra: MessageExtraInfo | undefined) {
    if (isRequest(message)) {
      if (message.method === "initialize") return this.initialize(message, extra)
      if (message.method === "tools/call" && message.params?.["name"] !== controlTool) return this.call(message, extra)
    } else if ("method" in message && message.method === "notifications/cancelled") {
      this.cancel((message.params as { readonly requestId?: RequestId } | undefined)?.requestId)
    }
    this.forward(message, extra)
  }

  private initialize(message: Request & JSONRPCMessage, extra: MessageExtraInfo | undefined) {
    const delayMs = this.options.policy.initializeDelay()
    if (delayMs <= 0) return this.forward(message, extra)
    this.wait(message.id, undefined, delayMs, () => this.forward(message, extra))
  }

  private call(message: Request & JSONRPCMessage, extra: MessageExtraInfo | undefined) {
    const tool = String(message.params?.["name"])
    const decision = this.options.policy.decide({ id: message.id, tool, args: message.params?.["arguments"] })
    const act = () => this.act(message, extra, tool, decision)
    if (decision.delayMs > 0) this.wait(message.id, tool, decision.delayMs, act)
    else act()
  }

  private act(message: Request & JSONRPCMessage, extra: MessageExtraInfo | undefined, tool: string, decision: Decision) {
    const outcome = decision.outcome
    switch (outcome._tag) {
      case "Proceed":
        this.pending.set(message.id, { tool, crash: decision.crash, reshape: decision.reshape })
        return this.forward(message, extra)
      case "Hang":
        this.hung.set(message.id, tool)
        return
      case "Reply": {
        this.options.policy.settled(tool)
        const body = "error" in outcome
          ? { jsonrpc: "2.0" as const, id: message.id, error: outcome.error }
          : { jsonrpc: "2.0" as const, id: message.id, result: outcome.result }
        this.inner.send(body, { relatedRequestId: message.id }).catch((error: unknown) =>
          this.onerror?.(error instanceof Error ? error : new Error(String(error)))
        )
      }
    }
  }

  private wait(id: RequestId, tool: string | undefined, ms: number, then: () => void) {
    const abort = new AbortController()
    this.waiting.set(id, { tool, abort })
    this.options.sleep(ms, abort.signal).then(
      () => {
        this.waiting.delete(id)
        then()
      },
      // Aborted: the client cancelled the call or the connection closed; there is no one to answer.
      () => undefined
    )
  }

  private cancel(id: RequestId | undefined) {
    if (id === undefined) return
    const waiting = this.waiting.get(id)
    if (waiting !== undefined) {
      this.waiting.delete(id)
      waiting.abort.abort()
      if (waiting.tool !== undefined) this.options.policy.settled(waiting.tool)
    }
    const hung = this.hung.get(id)
    if (hung !== undefined) {
      this.hung.delete(id)
      this.options.policy.settled(hung)
    }
    // The server drops the answer of a cancelled call, so it will never pass through `send`.
    const pending = this.pending.get(id)
    if (pending !== undefined) {
      this.pending.delete(id)
      this.options.policy.settled(pending.tool)
    }
  }

  private abandonAll() {
    for (const id of [...this.waiting.keys(), ...this.hung.keys(), ...this.pending.keys()]) this.cancel(id)
  }
}
