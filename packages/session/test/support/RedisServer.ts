/**
 * A real `redis-server` for tests: on a free loopback port, in a temporary
 * folder, without persistence (`save ""`, `appendonly no`) unless asked for
 * an append-only file (`appendOnly`: `appendonly yes`, `appendfsync always`,
 * so every acknowledged write is on disk). Its settings, a password among
 * them, are in a configuration file (mode 0600) in its folder: its command
 * line names only that file. It can be stopped — gracefully or
 * with SIGKILL — and started again on the same port and folder (fault tests;
 * with the AOF it reloads what it had), and `dispose` stops it and removes
 * the folder. `disposeAll` (for a file-level
 * `afterAll`) and a normal process exit stop whatever is left.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import * as TempDir from "./TempDir.js"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  readonly running: () => boolean
  /** The server's pid, while it runs. */
  readonly pid: () => number | undefined
  /**
   * The command line it was started with, while it runs (redis-server
   * rewrites the title `ps` shows once it is up, so this is what `ps` could
   * show while it starts).
   */
  readonly argv: () => ReadonlyArray<string> | undefined
  /** Stops the server (SIGTERM, or `signal`), keeping its port and folder. */
  readonly stop: (signal?: "SIGTERM" | "SIGKILL") => Promise<void>
  /** Stops it (`signal`, default SIGTERM) and starts it again on the same port and folder. */
  readonly restart: (signal?: "SIGTERM" | "SIGKILL") => Promise<void>
  /** Starts a stopped server again on the same port and folder. */
  readonly start: () => Promise<void>
  /** Stops it and removes its folder. */
  readonly dispose: () => Promise<void>
}

const BINARY = process.env.REDIS_SERVER ?? "/usr/bin/redis-server"

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

const ping = (port: number, password: string | undefined) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on("error", () => done(false))
    socket.on("connect", () => socket.write(password === undefined ? "PING\r\n" : `AUTH ${password}\r\nPING\r\n`))
    let reply = ""
    socket.on("data", (data) => {
      reply += data.toString()
      if (reply.includes("+PONG")) done(true)
      else if (reply.includes("-")) done(false)
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface StartOptions {
  /** Require this password (`requirepass`). */
  readonly password?: string
  /** Persist every write to an append-only file before answering (`appendfsync always`). */
  readonly appendOnly?: boolean
}

/** A configuration value as redis-server reads it: quoted, with `\\` and `"` escaped. */
const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`

/** The server's settings in `dir/redis.conf`, readable by this user only: it may hold a password. */
const writeConfig = (port: number, dir: string, options: StartOptions) => {
  const file = path.join(dir, "redis.conf")
  const settings: ReadonlyArray<readonly [string, string]> = [
    ["port", String(port)],
    ["bind", "127.0.0.1"],
    ["save", ""],
    ...(options.appendOnly === true ? [["appendonly", "yes"], ["appendfsync", "always"]] as const : [["appendonly", "no"]] as const),
    ["dir", dir],
    ["daemonize", "no"],
    ["loglevel", "warning"],
    ...(options.password === undefined ? [] : [["requirepass", options.password]] as const)
  ]
  writeFileSync(file, settings.map(([name, value]) => `${name} ${quote(value)}\n`).join(""), { mode: 0o600 })
  return file
}

const launch = async (port: number, dir: string, options: StartOptions): Promise<ChildProcess> => {
  const child = spawn(BINARY, [writeConfig(port, dir, options)], { stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)))
  const kill = () => child.kill("SIGKILL")
  process.once("exit", kill)
  child.once("exit", () => process.removeListener("exit", kill))
  // Bounded by time, not attempts: a refused ping returns at once, and a busy machine may take seconds to start it.
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr}`)
    if (await ping(port, options.password)) return child
    await sleep(20)
  }
  child.kill("SIGKILL")
  throw new Error(`redis-server did not answer on port ${port}: ${stderr}`)
}

const terminate = (child: ChildProcess, signal: "SIGTERM" | "SIGKILL" = "SIGTERM") =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
    setTimeout(() => child.kill("SIGKILL"), 2_000).unref()
  })

const live = new Set<RedisServer>()

/** Disposes every server this process started and has not disposed yet. */
export const disposeAll = async (): Promise<void> => {
  await Promise.all([...live].map((server) => server.dispose()))
}

export const start = async (options: StartOptions = {}): Promise<RedisServer> => {
  const temp = TempDir.create("baton-redis-")
  const dir = temp.dir
  let child: ChildProcess | undefined
  let port = 0
  // Another process may take the free port before the server binds it.
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort()
    try {
      child = await launch(port, dir, options)
    } catch (error) {
      if (attempt >= 4) {
        temp.remove()
        throw error
      }
    }
  }
  const stop = async (signal?: "SIGTERM" | "SIGKILL") => {
    if (child !== undefined) await terminate(child, signal)
    child = undefined
  }
  const startAgain = async () => {
    if (child === undefined) child = await launch(port, dir, options)
  }
  const server: RedisServer = {
    port,
    url: options.password === undefined
      ? `redis://127.0.0.1:${port}`
      : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    dir,
    running: () => child !== undefined,
    pid: () => child?.pid,
    argv: () => child?.spawnargs,
    stop,
    restart: async (signal) => {
      await stop(signal)
      await startAgain()
    },
    start: startAgain,
    dispose: async () => {
      live.delete(server)
      await stop()
      temp.remove()
    }
  }
  live.add(server)
  return server
}

/** A server for the scope's lifetime. */
export const scoped: Effect.Effect<RedisServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => start()),
  (server) => Effect.promise(server.dispose)
)

/** A server with an append-only file (`appendfsync always`), for the scope's lifetime. */
export const scopedAppendOnly: Effect.Effect<RedisServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => start({ appendOnly: true })),
  (server) => Effect.promise(server.dispose)
)

/** A server requiring a password, for the scope's lifetime. */
export const scopedWithPassword = (password: string): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => start({ password })), (server) => Effect.promise(server.dispose))
