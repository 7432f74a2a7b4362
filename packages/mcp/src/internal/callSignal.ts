/**
 * The cancellation signal of one tool call.
 *
 * The SDK learns of a cancelled request only through `RequestOptions.signal`:
 * it calls `throwIfAborted()`, adds one `abort` listener and reads `aborted`
 * and `reason`, nothing else. A real `AbortSignal` spends ~2.5 µs per call on
 * EventTarget listener bookkeeping (a quarter of an in-memory call), so each
 * call gets this minimal signal instead. The conformance suite proves, over
 * every transport, that an interrupted call still reaches the server as
 * `notifications/cancelled`.
 */
export class CallSignal {
  aborted = false
  reason: unknown = undefined
  private onAbort: (() => void) | undefined = undefined

  addEventListener(_type: "abort", listener: () => void): void {
    this.onAbort = listener
  }

  removeEventListener(): void {
    this.onAbort = undefined
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.onAbort?.()
  }

  /** What the SDK's options are typed to take; it uses only the members above. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal
  }
}
