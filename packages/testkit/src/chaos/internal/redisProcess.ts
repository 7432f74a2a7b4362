/**
 * One `redis-server` process of our own: its configuration in a file (mode
 * 0600) in its folder, never on its command line, so `ps` shows no password;
 * started under a guard that stops it when this process ends; ready once it
 * answers `PING`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as net from "node:net"
import * as Path from "node:path"
import * as RedisCommand from "./redisCommand.js"

/** A free TCP port on the loopback interface (free when asked: bind it at once). */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A configuration value as the config file reads it: quoted, with `\` and `"` escaped. */
const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`

/**
 * Writes `config` (directive → value) to `file`, readable by this user only:
 * it may hold a password.
 */
export const writeConfig = (file: string, config: ReadonlyArray<readonly [string, string]>): void =>
  writeFileSync(file, config.map(([directive, value]) => `${directive} ${quote(value)}\n`).join(""), { mode: 0o600 })

// redis-server cannot notice that its parent died, so a small shell runs it
// and waits on a pipe from us: when the pipe closes — we stop the server, or
// this process ends, even by SIGKILL — the shell stops the server. The shell
// prints the server's pid first.
const GUARD = 'B="$1"; shift; "$B" "$@" & c=$!; echo "$c"; read _ ; kill "$c" 2>/dev/null; wait "$c"'

/** A server started by `launch`. */
export interface Running {
  readonly guard: ChildProcess
  readonly pid: number
}

/**
 * Starts `binary` with the configuration file `configFile` (its only
 * argument, so the command line holds no secret); resolves once it answers `PING` (authenticated with `password`, when it
 * has one), rejects when it exits first or does not answer within ~3 s.
 */
export const launch = async (options: {
  readonly binary: string
  readonly port: number
  readonly configFile: string
  readonly password?: string | undefined
}): Promise<Running> => {
  const { binary, configFile, password, port } = options
  const guard = spawn("/bin/sh", ["-c", GUARD, "sh", binary, configFile], { stdio: ["pipe", "pipe", "pipe"] })
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
    if (stdout.includes("\n") && (await RedisCommand.ping(port, password))) return { guard, pid }
    await sleep(20)
  }
  guard.stdin?.end()
  throw new Error(`it did not answer on port ${port}: ${stderr.trim()}`)
}

/** Whether process `pid` exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Stops a server: closing the pipe makes the shell stop it (SIGTERM) and
 * wait for it; a server that does not stop within 2 s is killed.
 */
export const terminate = (running: Running): Promise<void> =>
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

/** The folder's configuration file. */
export const configPath = (dir: string): string => Path.join(dir, "redis.conf")

/** The redis-cli next to `binary` (`$REDIS_CLI` first). */
export const cliBinary = (binary: string): string =>
  process.env["REDIS_CLI"] ?? (Path.isAbsolute(binary) ? Path.join(Path.dirname(binary), "redis-cli") : "redis-cli")
