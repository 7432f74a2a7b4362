/**
 * A `redis-server` of our own on a free loopback port, in a temporary
 * folder, that a chaos run can stop and start again on the same port. With
 * `durable` it keeps an append-only file fsynced on every write
 * (`--appendonly yes --appendfsync always`), so everything a client was told
 * is written survives a restart; without it nothing is persisted.
 *
 * `dispose` stops it and removes the folder. The server also stops when
 * this process ends, however it ends.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"

/** @since 0.1.0 @category errors */
export class RedisServerError extends Schema.TaggedError<RedisServerError>("@baton/testkit/RedisServerError")(
  "RedisServerError",
  { reason: Schema.String }
) {
  override get message() {
    return `redis-server: ${this.reason} (set REDIS_SERVER to the binary if it is not /usr/bin/redis-server)`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  /** Keep an append-only file, fsynced on every write. Default false. */
  readonly durable?: boolean
  /** The binary. Default `$REDIS_SERVER`, else `/usr/bin/redis-server`. */
  readonly binary?: string
}

/** @since 0.1.0 @category models */
export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  readonly running: () => boolean
  /** The server's pid, while it runs. */
  readonly pid: () => number | undefined
  /** Stops the server (SIGTERM, SIGKILL after 2 s), keeping its port and folder. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port, with what it persisted. */
  readonly restart: Effect.Effect<void, RedisServerError>
  /** Stops it and removes its folder. */
  readonly dispose: Effect.Effect<void>
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on("error", () => done(false))
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (data) => done(data.toString().includes("+PONG")))
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// redis-server cannot notice that its parent died, so a small shell runs it
// and waits on a pipe from us: when the pipe closes — we stop the server, or
// this process ends, even by SIGKILL — the shell stops the server. The shell
// prints the server's pid first.
const GUARD = 'B="$1"; shift; "$B" "$@" & c=$!; echo "$c"; read _ ; kill "$c" 2>/dev/null; wait "$c"'

interface Running {
  readonly guard: ChildProcess
  readonly pid: number
}

const launch = async (binary: string, port: number, dir: string, durable: boolean): Promise<Running> => {
  const guard = spawn("/bin/sh", ["-c", GUARD, "sh", binary,
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    ...(durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    "--dir", dir,
    "--daemonize", "no",
    "--loglevel", "warning"
  ], { stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  let failed: Error | undefined
  guard.stdout?.on("data", (chunk) => (stdout += String(chunk)))
  guard.stderr?.on("data", (chunk) => (stderr += String(chunk)))
  guard.once("error", (error) => (failed = error))
  guard.stdin?.on("error", () => {})
  for (let attempt = 0; attempt < 150; attempt++) {
    if (failed !== undefined) throw failed
    if (guard.exitCode !== null) throw new Error(`it exited: ${stderr.trim()}`)
    const pid = Number(stdout.split("\n")[0])
    if (stdout.includes("\n") && (await ping(port))) return { guard, pid }
    await sleep(20)
  }
  guard.stdin?.end()
  throw new Error(`it did not answer on port ${port}: ${stderr.trim()}`)
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// Closing the pipe makes the shell stop the server (SIGTERM) and wait for
// it; a server that does not stop within 2 s is killed.
const terminate = (running: Running) =>
  new Promise<void>((resolve) => {
    const { guard, pid } = running
    if (guard.exitCode !== null || guard.signalCode !== null) return resolve()
    const force = setTimeout(() => {
      if (alive(pid)) process.kill(pid, "SIGKILL")
    }, 2_000)
    guard.once("exit", () => {
      clearTimeout(force)
      resolve()
    })
    guard.stdin?.end()
  })

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Starts a server; remember to `dispose` it (or use `scoped`).
 *
 * @since 0.1.0 @category constructors
 */
export const start = (options: Options = {}): Effect.Effect<RedisServer, RedisServerError> =>
  Effect.tryPromise({
    try: async () => {
      const binary = options.binary ?? process.env["REDIS_SERVER"] ?? "/usr/bin/redis-server"
      const durable = options.durable ?? false
      const dir = mkdtempSync(Path.join(tmpdir(), "baton-chaos-redis-"))
      let child: Running | undefined
      let port = 0
      // Another process may take the free port before the server binds it.
      for (let attempt = 0; child === undefined; attempt++) {
        port = await freePort()
        try {
          child = await launch(binary, port, dir, durable)
        } catch (error) {
          if (attempt >= 4) {
            rmSync(dir, { recursive: true, force: true })
            throw error
          }
        }
      }
      const stop = Effect.promise(async () => {
        if (child !== undefined) await terminate(child)
        child = undefined
      })
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        dir,
        running: () => child !== undefined,
        pid: () => child?.pid,
        stop,
        restart: Effect.zipRight(
          stop,
          Effect.tryPromise({
            try: async () => void (child = await launch(binary, port, dir, durable)),
            catch: (error) => new RedisServerError({ reason: `did not start again on port ${port}: ${describe(error)}` })
          })
        ),
        dispose: Effect.zipRight(stop, Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      } satisfies RedisServer
    },
    catch: (error) => new RedisServerError({ reason: `did not start: ${describe(error)}` })
  })

/**
 * A server for the scope's lifetime.
 *
 * @since 0.1.0 @category constructors
 */
export const scoped = (options: Options = {}): Effect.Effect<RedisServer, RedisServerError, Scope.Scope> =>
  Effect.acquireRelease(start(options), (server) => server.dispose)
