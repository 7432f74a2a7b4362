/**
 * The chaos run's own redis-server: durable across a restart on the same
 * port, empty after a restart without persistence, and gone when disposed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, readFileSync, statSync } from "node:fs"
import * as net from "node:net"
import * as Path from "node:path"
import * as RedisServer from "../../src/chaos/RedisServer.js"
import { isAlive } from "../processes.js"

/** Sends one inline command and yields the first reply line. */
const command = (port: number, line: string) =>
  Effect.promise(() =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1" })
      // Only a server that never answers ends here: a busy machine may keep a reply for seconds.
      socket.setTimeout(15_000, () => reject(new Error(`no reply to ${line}`)))
      socket.on("error", reject)
      socket.on("connect", () => socket.write(`${line}\r\n`))
      let reply = ""
      socket.on("data", (data) => {
        reply += data.toString()
        const lines = reply.split("\r\n")
        // A bulk string ("$<length>") is followed by its value's line.
        const bulk = lines[0]!.startsWith("$") && lines[0] !== "$-1"
        if (lines.length < (bulk ? 3 : 2)) return
        socket.destroy()
        resolve(bulk ? lines[1]! : lines[0]!)
      })
    })
  )

describe("RedisServer", () => {
  it.live("durable: what was written survives a restart on the same port", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.start({ durable: true })
      try {
        expect(yield* command(server.port, "SET chaos:key kept")).toBe("+OK")
        const before = server.pid()
        yield* server.restart
        expect(server.pid()).not.toBe(before)
        expect(before !== undefined && isAlive(before)).toBe(false)
        expect(yield* command(server.port, "GET chaos:key")).toBe("kept")
      } finally {
        yield* server.dispose
      }
      expect(server.running()).toBe(false)
      expect(existsSync(server.dir)).toBe(false)
    }))

  it.live("a password is required, kept off the server's command line, and carried by its URL", () =>
    Effect.gen(function*() {
      const password = "s3cret pass\"word"
      const server = yield* RedisServer.start({ password })
      try {
        expect(yield* command(server.port, "PING")).toMatch(/^-NOAUTH/)
        expect(yield* command(server.port, `AUTH "s3cret pass\\"word"`)).toBe("+OK")
        const cmdline = readFileSync(`/proc/${server.pid()}/cmdline`, "utf8")
        expect(cmdline).toContain("redis-server")
        expect(cmdline).not.toContain("s3cret")
        expect(statSync(Path.join(server.dir, "redis.conf")).mode & 0o077).toBe(0)
        expect(server.url).toBe(`redis://:${encodeURIComponent(password)}@127.0.0.1:${server.port}`)
      } finally {
        yield* server.dispose
      }
    }))

  it.live("without persistence a restart starts empty; a stopped server refuses connections", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.start()
      try {
        yield* command(server.port, "SET chaos:key gone")
        yield* server.stop
        expect(server.running()).toBe(false)
        const refused = yield* Effect.either(Effect.tryPromise(() =>
          new Promise<void>((resolve, reject) => {
            const socket = net.connect({ port: server.port, host: "127.0.0.1" })
            socket.on("error", reject)
            socket.on("connect", () => {
              socket.destroy()
              resolve()
            })
          })
        ))
        expect(refused._tag).toBe("Left")
        yield* server.restart
        expect(yield* command(server.port, "GET chaos:key")).toBe("$-1")
      } finally {
        yield* server.dispose
      }
    }))
})
