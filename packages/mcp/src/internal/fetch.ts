import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js"

const isEventStream = (response: Response) =>
  response.headers.get("content-type")?.toLowerCase().startsWith("text/event-stream") === true

/**
 * A fetch for `StreamableHTTPClientTransport` that keeps its one shared
 * AbortSignal away from Node's fetch.
 *
 * The transport passes its own signal to every request so that `close()`
 * aborts them all. Node's fetch adds an abort listener to that signal per
 * request and removes it only when the request object is garbage-collected,
 * so a busy client warns MaxListenersExceeded after ~1,500 calls and holds
 * every listener meanwhile. Here each request gets its own controller; one
 * listener on the shared signal aborts those still in flight. A request
 * counts as in flight until its response body ends: a JSON answer is read at
 * once, an event stream (a streamed answer, the standalone SSE stream) may
 * stay open, so it is released when the stream finishes.
 *
 * Use one instance per transport.
 */
export const requestScopedFetch = (base: FetchLike = fetch): FetchLike => {
  const inFlight = new Set<AbortController>()
  let shared: AbortSignal | undefined
  const abortAll = () => {
    for (const controller of inFlight) controller.abort(shared?.reason)
    inFlight.clear()
  }
  return async (url, init) => {
    const signal = init?.signal
    if (signal == null) return base(url, init)
    if (signal.aborted) throw signal.reason
    if (signal !== shared) {
      shared?.removeEventListener("abort", abortAll)
      shared = signal
      signal.addEventListener("abort", abortAll, { once: true })
    }
    const controller = new AbortController()
    inFlight.add(controller)
    const release = () => void inFlight.delete(controller)
    try {
      const response = await base(url, { ...init, signal: controller.signal })
      if (response.body === null || !isEventStream(response)) {
        release()
        return response
      }
      const body = response.body.pipeThrough(new TransformStream({ flush: release }))
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
    } catch (error) {
      release()
      throw error
    }
  }
}
