/** The real CLI as a process, run from the repository root as `pnpm baton` runs it (the compiled bin), and always bounded in time. */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../../../", import.meta.url))

export const bin = Path.join(root, "packages/cli/bin/baton.js")

/** `node`'s arguments to run the CLI's bin, which runs the compiled sources (the suite's setup compiled them). */
export const nodeArgs = (args: ReadonlyArray<string>) => [bin, ...args]

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly pid: number
  /** Processes the CLI started while it ran, as seen by polling `ps`. */
  readonly children: ReadonlyArray<number>
}

/** The pids of the processes whose parent is `pid`. */
export const childrenOf = (pid: number) =>
  new Promise<Array<number>>((resolve) =>
    execFile("ps", ["-eo", "pid=,ppid="], (error, out) => {
      if (error !== null) return resolve([])
      resolve(
        out.split("\n").flatMap((line) => {
          const [child, parent] = line.trim().split(/\s+/).map(Number)
          return parent === pid && child !== undefined ? [child] : []
        })
      )
    })
  )

export interface Options {
  readonly timeoutMs?: number
  readonly cwd?: string
  /** Poll `ps` for the CLI's children while it runs. */
  readonly watchChildren?: boolean
}

/** Runs `baton <args>`; kills it and fails after `timeoutMs` (default 90 s: a safety net, on a busy machine too). */
export const baton = (args: ReadonlyArray<string>, options: Options = {}) =>
  new Promise<Ran>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(args), {
      cwd: options.cwd ?? root,
      env: { ...process.env, NO_COLOR: "1" }
    })
    let stdout = ""
    let stderr = ""
    const children = new Set<number>()
    const poll = options.watchChildren === true
      ? setInterval(() => void childrenOf(child.pid!).then((found) => found.forEach((pid) => children.add(pid))), 100)
      : undefined
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`baton ${args.join(" ")} did not finish within ${options.timeoutMs ?? 90_000} ms:\n${stdout}\n${stderr}`))
    }, options.timeoutMs ?? 90_000)
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      clearInterval(poll)
      resolve({ code, stdout, stderr, pid: child.pid!, children: [...children] })
    })
  })

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 200)
  } catch {
    return "(command unknown)"
  }
}

/**
 * The children still running `withinMs` after the CLI ended, each with its
 * command. The CLI waits for the processes it stops, but on a loaded machine
 * one may still be on its way out as the CLI's own exit is seen; a child that
 * outlives that margin is a leak.
 */
export const survivors = async (children: ReadonlyArray<number>, withinMs = 5_000): Promise<Array<string>> => {
  const deadline = Date.now() + withinMs
  let alive = children.filter(isAlive)
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    alive = alive.filter(isAlive)
  }
  return alive.map((pid) => `${pid}: ${commandOf(pid)}`)
}

/** A config file in a fresh temporary directory; returns its path. */
export const writeConfig = (config: unknown): string => {
  const path = Path.join(mkdtempSync(Path.join(tmpdir(), "baton-cli-")), "baton.config.json")
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config, null, 2))
  return path
}

/** An `mcpServers` entry that runs `baton mock-server <service> --stdio`. */
export const stdioMock = (service: string, extra: Readonly<Record<string, unknown>> = {}) => ({
  command: process.execPath,
  args: nodeArgs(["mock-server", service, "--stdio"]),
  cwd: root,
  ...extra
})

/**
 * `baton mock-server <service> --http 0` in a child process, with the URL it
 * announces. The IPC channel makes the server exit if this process dies.
 */
export const httpMock = (service: string, timeoutMs = 90_000) =>
  new Promise<{ readonly child: ChildProcess; readonly url: string }>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(["mock-server", service, "--http", "0"]), {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe", "ipc"]
    })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the ${service} mock did not announce its URL within ${timeoutMs} ms: ${stderr}`))
    }, timeoutMs)
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.stdout!.on("data", (chunk) => {
      stdout += chunk
      const url = /^listening on (\S+)$/m.exec(stdout)?.[1]
      if (url !== undefined) {
        clearTimeout(timer)
        resolve({ child, url })
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the ${service} mock exited with ${code} before listening: ${stderr}`))
    })
  })

/** Stops a child and waits for it to exit. */
export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })
