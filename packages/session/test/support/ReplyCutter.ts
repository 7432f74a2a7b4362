/**
 * A TCP proxy in front of a server that can lose its replies: what a
 * network partition does to a command that reached the server. While
 * `holdReplies` is on, what the server answers is dropped; `cut` then
 * closes every connection through the proxy, and new connections are
 * relayed in full again.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as net from "node:net"

export interface ReplyCutter {
  readonly port: number
  readonly holdReplies: () => void
  readonly cut: () => void
}

export const scoped = (target: number): Effect.Effect<ReplyCutter, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => {
      let holding = false
      const pairs = new Set<readonly [net.Socket, net.Socket]>()
      const server = net.createServer((client) => {
        const upstream = net.connect(target, "127.0.0.1")
        const pair = [client, upstream] as const
        pairs.add(pair)
        client.on("data", (chunk) => upstream.write(chunk))
        upstream.on("data", (chunk) => holding || client.write(chunk))
        const close = () => {
          pairs.delete(pair)
          client.destroy()
          upstream.destroy()
        }
        client.on("close", close).on("error", close)
        upstream.on("close", close).on("error", close)
      })
      return new Promise<{ server: net.Server; cutter: ReplyCutter }>((resolve) =>
        server.listen(0, "127.0.0.1", () =>
          resolve({
            server,
            cutter: {
              port: (server.address() as net.AddressInfo).port,
              holdReplies: () => (holding = true),
              cut: () => {
                for (const [client, upstream] of pairs) {
                  client.destroy()
                  upstream.destroy()
                }
                pairs.clear()
                holding = false
              }
            }
          })
        )
      )
    }),
    ({ cutter, server }) =>
      Effect.promise(() => {
        cutter.cut()
        return new Promise<void>((resolve) => server.close(() => resolve()))
      })
  ).pipe(Effect.map(({ cutter }) => cutter))
