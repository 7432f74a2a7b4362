/**
 * One Redis command on a connection of its own, in RESP (arguments are sent
 * as bulk strings, so a password with spaces or quotes goes through as it
 * is), authenticated first when a password is given. Enough for the
 * readiness checks and the cluster's administration (`PING`, `INFO`,
 * `CLUSTER INFO|NODES|FAILOVER`): replies are read as text, an error reply
 * is a rejection. The testkit does not depend on a Redis client library.
 */
import * as net from "node:net"

/** A reply: text for simple, bulk and integer replies, `null` for a nil, an array for an array. */
export type Reply = string | null | ReadonlyArray<Reply>

/** An `-ERR …` reply from the server. */
export class ErrorReply extends Error {}

const encode = (args: ReadonlyArray<string>) =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`

/** Parses one reply at `at`; undefined while the buffer holds less than a whole reply. */
const parse = (buffer: Buffer, at: number): { readonly reply: Reply | ErrorReply; readonly next: number } | undefined => {
  const end = buffer.indexOf("\r\n", at)
  if (end < 0) return undefined
  const head = buffer.toString("utf8", at + 1, end)
  switch (String.fromCharCode(buffer[at]!)) {
    case "+":
    case ":":
      return { reply: head, next: end + 2 }
    case "-":
      return { reply: new ErrorReply(head), next: end + 2 }
    case "$": {
      const length = Number(head)
      if (length < 0) return { reply: null, next: end + 2 }
      if (buffer.length < end + 2 + length + 2) return undefined
      return { reply: buffer.toString("utf8", end + 2, end + 2 + length), next: end + 2 + length + 2 }
    }
    case "*": {
      const count = Number(head)
      if (count < 0) return { reply: null, next: end + 2 }
      const items: Array<Reply> = []
      let next = end + 2
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, next)
        if (item === undefined) return undefined
        if (item.reply instanceof ErrorReply) return item
        items.push(item.reply)
        next = item.next
      }
      return { reply: items, next }
    }
    default:
      return { reply: new ErrorReply(`unexpected reply ${JSON.stringify(buffer.toString("utf8", at, end))}`), next: end + 2 }
  }
}

/**
 * Sends `args` to the server on 127.0.0.1:`port` and resolves with its
 * reply; rejects on an error reply, a refused connection or no whole reply
 * within `timeoutMs` (default 2 s).
 */
export const command = (
  port: number,
  args: ReadonlyArray<string>,
  options: { readonly password?: string | undefined; readonly timeoutMs?: number } = {}
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const expected = options.password === undefined ? 1 : 2
    let buffer = Buffer.alloc(0)
    let settled = false
    const done = (outcome: Reply | Error) => {
      if (settled) return
      settled = true
      socket.destroy()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    socket.setTimeout(options.timeoutMs ?? 2_000, () => done(new Error(`no reply from port ${port} to ${args[0]}`)))
    socket.on("error", done)
    socket.on("close", () => done(new Error(`port ${port} closed the connection before replying to ${args[0]}`)))
    socket.on("connect", () => {
      socket.write((options.password === undefined ? "" : encode(["AUTH", options.password])) + encode(args))
    })
    socket.on("data", (data) => {
      buffer = Buffer.concat([buffer, data])
      const replies: Array<Reply | ErrorReply> = []
      let at = 0
      while (replies.length < expected) {
        const parsed = parse(buffer, at)
        if (parsed === undefined) return
        replies.push(parsed.reply)
        at = parsed.next
      }
      const failed = replies.find((reply): reply is ErrorReply => reply instanceof ErrorReply)
      done(failed ?? (replies.at(-1) as Reply))
    })
  })

/** Whether the server answers `PING` (after `AUTH`, with a password). */
export const ping = (port: number, password?: string): Promise<boolean> =>
  command(port, ["PING"], { password, timeoutMs: 500 }).then((reply) => reply === "PONG", () => false)

/** The `field:value` lines of an `INFO` or `CLUSTER INFO` reply. */
export const fields = (reply: Reply): ReadonlyMap<string, string> =>
  new Map(
    (typeof reply === "string" ? reply : "").split(/\r?\n/).flatMap((line) => {
      const at = line.indexOf(":")
      return at > 0 ? [[line.slice(0, at), line.slice(at + 1).trim()] as const] : []
    })
  )
