import * as Effect from "effect/Effect"
import type { Redis } from "ioredis"

/**
 * Every key of the given servers (a server, or a cluster's masters), found
 * with SCAN — never KEYS — with what it holds, read by its type: what the
 * conformance suite searches for data that must not be stored.
 */
export const dumpKeys = (servers: () => ReadonlyArray<Redis>) =>
  Effect.promise(async () => {
    const out: Array<string> = []
    for (const server of servers()) {
      let cursor = "0"
      do {
        const [next, keys] = await server.scan(cursor, "COUNT", 500)
        cursor = next
        for (const key of keys) {
          const type = await server.type(key)
          const value = type === "string"
            ? await server.get(key)
            : type === "hash"
            ? await server.hgetall(key)
            : type === "stream"
            ? await server.xrange(key, "-", "+")
            : type === "set"
            ? await server.smembers(key)
            : `(${type})`
          out.push(`${key} ${JSON.stringify(value)}`)
        }
      } while (cursor !== "0")
    }
    return out.join("\n")
  })
