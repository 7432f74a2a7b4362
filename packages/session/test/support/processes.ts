/**
 * Runs writer processes (see writer.ts) against one store at the same time,
 * and worker processes (see worker.ts) that a test watches and kills. A
 * process's job holds the store's URL, password included: it is the first
 * line on the process's stdin, never on its command line, which every user
 * of the machine can read.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { WorkerJob } from "./worker.js"
import type { WriterJob } from "./writer.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../../../..")

const tsx = (script: string, job: unknown): ChildProcessWithoutNullStreams => {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, script)], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"]
  })
  // A process that died early leaves its stdin broken: the write is dropped, its exit says why.
  child.stdin.on("error", () => {})
  child.stdin.write(`${JSON.stringify(job)}\n`)
  return child
}

/** Process `pid`'s command line as `ps` shows it to every user ("" once it is gone). */
export const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
  } catch {
    return ""
  }
}

export interface Worker {
  readonly pid: number
  /** Every complete line written to stdout so far. */
  readonly lines: () => ReadonlyArray<string>
  readonly stderr: () => string
  /** Resolves once `predicate` holds for the lines so far; rejects after `timeoutMs` or when the process exits first. */
  readonly waitFor: (predicate: (lines: ReadonlyArray<string>) => boolean, timeoutMs: number) => Promise<void>
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals>
  /** Kills the process (SIGKILL by default) and waits for it to be gone. */
  readonly kill: (signal?: NodeJS.Signals) => Promise<number | NodeJS.Signals>
}

const live = new Set<ChildProcessWithoutNullStreams>()
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** Starts a worker process (see worker.ts); `killAll` (for a file-level `afterAll`) kills any left. */
export const startWorker = (job: WorkerJob): Worker => {
  const child = tsx("worker.ts", job)
  live.add(child)
  let stdout = ""
  let stderr = ""
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of [...listeners]) listener()
  }
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk)
    notify()
  })
  child.stderr.on("data", (chunk) => (stderr += String(chunk)))
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child)
      resolve(code ?? signal ?? "SIGKILL")
      notify()
    })
  )
  const lines = () => stdout.split("\n").slice(0, -1)
  const waitFor: Worker["waitFor"] = (predicate, timeoutMs) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        listeners.delete(check)
        clearTimeout(timer)
        if (error === undefined) resolve()
        else reject(error)
      }
      const check = () => {
        if (predicate(lines())) done()
        else if (child.exitCode !== null || child.signalCode !== null) {
          done(new Error(`worker exited (${child.exitCode ?? child.signalCode}) first; stdout:\n${stdout}\nstderr:\n${stderr}`))
        }
      }
      const timer = setTimeout(
        () => done(new Error(`worker did not get there in ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)),
        timeoutMs
      )
      listeners.add(check)
      check()
    })
  return {
    pid: child.pid!,
    lines,
    stderr: () => stderr,
    waitFor,
    exited,
    kill: (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/** Kills every worker this process started that is still running. */
export const killAll = async (): Promise<void> => {
  const left = [...live]
  for (const child of left) child.kill("SIGKILL")
  await Promise.all(left.map((child) => new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve))))
}

/** Starts one writer per job, releases them together, and returns their conflict counts. */
export const runWriters = async (
  jobs: ReadonlyArray<WriterJob>,
  options: { readonly onStarted?: (pid: number) => void } = {}
): Promise<ReadonlyArray<number>> => {
  const children = jobs.map((job) => tsx("writer.ts", job))
  for (const child of children) options.onStarted?.(child.pid!)
  const outputs = children.map((child) => {
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += String(chunk)))
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", () => stdout.includes("ready") && resolve())
      child.once("exit", (code) => reject(new Error(`writer exited (${code}) before it was ready: ${stderr}`)))
    })
    const done = new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => {
        if (code !== 0) return reject(new Error(`writer exited with ${code}: ${stderr}`))
        const last = stdout.trim().split("\n").pop() ?? "{}"
        resolve((JSON.parse(last) as { conflicts: number }).conflicts)
      })
    })
    // Awaited below; this only keeps an early failure from being reported as unhandled.
    done.catch(() => {})
    return { ready, done }
  })
  try {
    await Promise.all(outputs.map((output) => output.ready))
    for (const child of children) child.stdin.write("go\n")
    return await Promise.all(outputs.map((output) => output.done))
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  }
}
