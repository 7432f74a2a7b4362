/**
 * Runs writer processes (see writer.ts) against one store at the same time.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { WriterJob } from "./writer.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../../../..")

/** Starts one writer per job, releases them together, and returns their conflict counts. */
export const runWriters = async (jobs: ReadonlyArray<WriterJob>): Promise<ReadonlyArray<number>> => {
  const children = jobs.map((job) =>
    spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", path.join(here, "writer.ts"), JSON.stringify(job)], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"]
    })
  )
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
