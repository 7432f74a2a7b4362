/**
 * The mock services as Baton's MCP layer reaches them: configuration entries
 * that spawn the mock-server bin over stdio, mock-server processes over HTTP
 * (killable, restartable on the same port) with `POST /control`, and
 * in-process mocks behind an in-memory transport.
 */
import { type ChildProcess, spawn } from "node:child_process"
import type { McpConfig } from "@baton/mcp"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as MockControl from "../../src/MockControl.js"
import type * as MockServer from "../../src/MockServer.js"
import { binArgs, exitCode, repoRoot } from "../processes.js"

export interface MockOptions {
  readonly seed?: number
  /** A fault spec in the compact syntax, installed when the process starts. */
  readonly faults?: string
}

const cliArgs = (service: string, options: MockOptions) => [
  service,
  "--seed",
  String(options.seed ?? 7),
  ...(options.faults === undefined ? [] : ["--faults", options.faults])
]

/** A configuration entry that spawns `mock-server <service> --stdio`, run from the repository root. */
export const stdioMock = (
  service: string,
  options: MockOptions & McpConfig.ServerOptions & { readonly instances?: number } = {}
): McpConfig.CommandServer => {
  const { faults: _faults, seed: _seed, ...server } = options
  return {
    command: process.execPath,
    args: binArgs([...cliArgs(service, options), "--stdio"]),
    cwd: repoRoot,
    ...server
  }
}

/** A configuration entry for an in-process mock: every (re)connection opens a new session on it. */
export const inMemoryMock = (
  mock: MockServer.MockServer<unknown>,
  options: McpConfig.ServerOptions & { readonly instances?: number } = {}
): McpConfig.InMemoryServer => ({ ...options, inMemory: () => Effect.runPromise(mock.connect) })

export interface HttpMock {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** SIGKILL, and wait until the process is gone. */
  readonly kill: Effect.Effect<void>
}

const gone = (child: ChildProcess) => Effect.promise(() => exitCode(child))

/**
 * `mock-server <service> --http <port>` in a child process (port 0: a free
 * one). The scope kills it if the test has not.
 */
export const httpMock = (
  service: string,
  options: MockOptions & { readonly port?: number } = {}
): Effect.Effect<HttpMock, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: ChildProcess; readonly url: string }>((resume) => {
      const args = binArgs([...cliArgs(service, options), "--http", String(options.port ?? 0)])
      // The IPC channel makes the mock exit if this test process dies.
      const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe", "ipc"] })
      let stdout = ""
      let stderr = ""
      let started = false
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8")
        const found = /listening on (\S+)/.exec(stdout)
        if (found !== null && !started) {
          started = true
          resume(Effect.succeed({ child, url: found[1]! }))
        }
      })
      child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
      child.once("exit", (code) => {
        if (!started) {
          started = true
          resume(Effect.die(new Error(`the ${service} mock exited with ${code} before listening: ${stderr}`)))
        }
      })
      return Effect.sync(() => void child.kill("SIGKILL"))
    }),
    ({ child }) => Effect.suspend(() => (child.kill("SIGKILL"), gone(child)))
  ).pipe(Effect.map(({ child, url }): HttpMock => ({
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    kill: Effect.suspend(() => (child.kill("SIGKILL"), gone(child)))
  })))

const post = (url: string, body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url.replace(/\/mcp$/, "/control"), { method: "POST", body: JSON.stringify(body) })
    return { status: response.status, body: (await response.json()) as unknown }
  })

/** `POST /control` to an HTTP mock; dies on anything but 200. */
export const postControl = (url: string, body: MockControl.ControlRequest) =>
  Effect.flatMap(post(url, body), ({ body: answer, status }) =>
    status === 200
      ? Effect.succeed(answer)
      : Effect.dieMessage(`POST /control answered ${status}: ${JSON.stringify(answer)}`))

/** An HTTP mock's call counts, read over `POST /control`. */
export const httpStats = (url: string) =>
  Effect.flatMap(postControl(url, { action: "stats" }), Schema.decodeUnknown(MockControl.MockStats)).pipe(Effect.orDie)
