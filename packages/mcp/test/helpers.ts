/**
 * Shared test plumbing: fixture servers as child processes, event capture,
 * and polling for conditions that arrive asynchronously (reconnections).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type BatonEvent, EventBus } from "@baton/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { McpConfig } from "../src/index.js"

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
const serverScript = fileURLToPath(new URL("./fixtures/server.ts", import.meta.url))
// Only the fixture is TypeScript (transpiled by tsx); the packages it uses are their compiled dist.
const nodeArgs = ["--import", "tsx", serverScript]

/** A stdio fixture server entry: `node … server.ts --stdio`. */
export const stdioServer = (options: Partial<McpConfig.CommandServer> = {}): McpConfig.CommandServer => ({
  command: process.execPath,
  args: [...nodeArgs, "--stdio"],
  cwd: repoRoot,
  ...options
})

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface HttpChild {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** SIGKILL, and wait for the exit. */
  readonly kill: Effect.Effect<void>
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/**
 * A fixture server over HTTP in a child process, on `port` (0: any free
 * port). The scope kills it if the test has not.
 */
export const httpServer = (options: { readonly port?: number; readonly label?: string } = {}) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ child: ChildProcess; port: number }>((resolve, reject) => {
        const args = [...nodeArgs, "--http", "--port", String(options.port ?? 0), "--label", options.label ?? "http"]
        const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] })
        let output = ""
        child.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString("utf8")
          const match = /listening (\d+)/.exec(output)
          if (match) resolve({ child, port: Number(match[1]) })
        })
        child.once("exit", (code) => reject(new Error(`the HTTP fixture exited with ${code} before listening`)))
      })
    ),
    ({ child }) =>
      Effect.promise(() => {
        child.kill("SIGKILL")
        return exited(child)
      })
  ).pipe(Effect.map(({ child, port }): HttpChild => ({
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    pid: child.pid!,
    kill: Effect.promise(() => {
      child.kill("SIGKILL")
      return exited(child)
    })
  })))

/** Events published on the `EventBus` from now on, in order. */
export const captureEvents: Effect.Effect<ReadonlyArray<BatonEvent.BatonEvent>, never, Scope.Scope | EventBus.EventBus> =
  Effect.gen(function*() {
    const bus = yield* EventBus.EventBus
    const events: Array<BatonEvent.BatonEvent> = []
    const stream = yield* bus.subscribe
    yield* Effect.forkScoped(Stream.runForEach(stream, (event) => Effect.sync(() => events.push(event))))
    return events
  })

/** Retries `check` every 20 ms until it succeeds, for at most `timeoutMs` (real time). */
export const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, timeoutMs = 60_000) =>
  Effect.retry(check, Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.millis(timeoutMs))))
