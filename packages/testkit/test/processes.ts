/** Mock servers in child processes, started the way the CLI and MCP clients start them, and always stopped. */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { MockServerCommand } from "../src/index.js"

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))

/** The `node` arguments that run the compiled mock-server bin, as the app and the CLI run it. */
export const binArgs = (args: ReadonlyArray<string>) => MockServerCommand.nodeArgs(args)

export const exitCode = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)))

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * `mock-server <args> --http 0` in a child process; yields the URL it
 * announces. The child is killed (and awaited) when the scope closes.
 */
export const spawnHttpMock = (
  args: ReadonlyArray<string>
): Effect.Effect<{ readonly child: ChildProcess; readonly url: string }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: ChildProcess; readonly url: string }>((resume) => {
      const child = spawn(process.execPath, binArgs([...args, "--http", "0"]), {
        cwd: repoRoot,
        // The IPC channel makes the mock exit if this test process dies.
        stdio: ["ignore", "pipe", "pipe", "ipc"]
      })
      let stdout = ""
      let stderr = ""
      let done = false
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        const found = /listening on (\S+)/.exec(stdout)
        if (found !== null && !done) {
          done = true
          resume(Effect.succeed({ child, url: found[1]! }))
        }
      })
      child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
      child.once("exit", (code) => {
        if (!done) {
          done = true
          resume(Effect.die(new Error(`the mock exited with ${code} before listening: ${stderr}`)))
        }
      })
      return Effect.sync(() => void child.kill("SIGKILL"))
    }),
    ({ child }) =>
      Effect.promise(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
        await exitCode(child)
      })
  )
