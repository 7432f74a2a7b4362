/** Helpers the testkit's tests share: an SDK client per mock and event-loop-paced waiting. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A connected SDK client, closed with the scope. */
export const connect = (transport: Transport): Effect.Effect<Client, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Client({ name: "testkit-test", version: "1.0.0" })
      await client.connect(transport)
      return client
    }),
    (client) => Effect.promise(() => client.close())
  )

/** Calls a tool; a rejected call fails the effect with the SDK's error. */
export const call = (
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options: { readonly signal?: AbortSignal } = {}
): Effect.Effect<CallToolResult, Error> =>
  Effect.tryPromise({
    try: () => client.callTool({ name, arguments: args }, undefined, options) as Promise<CallToolResult>,
    catch: (error) => error as Error
  })

/** The structured content of a successful call. */
export const data = <A = any>(result: CallToolResult): A => {
  if (result.isError === true) throw new Error(`expected success, got ${JSON.stringify(result.content)}`)
  return result.structuredContent as A
}

/** The text of an `isError` result. */
export const errorText = (result: CallToolResult): string => {
  if (result.isError !== true) throw new Error(`expected an isError result, got ${JSON.stringify(result)}`)
  return result.content.map((block) => (block.type === "text" ? block.text : "")).join("")
}

/** One turn of the real event loop: lets in-memory messages travel without touching any clock. */
export const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Lets pending I/O settle: a bounded number of event-loop turns. */
export const settle = Effect.repeatN(turn, 20)

/** Waits, turn by turn (never by time), until `read` satisfies `done`. */
export const waitUntil = <A, E>(read: Effect.Effect<A, E>, done: (a: A) => boolean, what: string, turns = 2000) =>
  Effect.gen(function*() {
    for (let i = 0; i < turns; i++) {
      const value = yield* read
      if (done(value)) return value
      yield* turn
    }
    return yield* Effect.die(new Error(`gave up waiting for ${what}`))
  })

export const flightSearch = { origin: "LHR", destination: "JFK", departure_date: "2026-06-01", adults: 2 }

export const twoAdults = [
  { given_name: "Ada", family_name: "Lovelace" },
  { given_name: "Charles", family_name: "Babbage" }
]
