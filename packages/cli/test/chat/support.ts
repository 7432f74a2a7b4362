/**
 * What the chat's tests share: an engine over the test app, waiting for a
 * condition (bounded), and the CLI as a process with piped stdin.
 */
import { SessionStore } from "@baton/core"
import { SessionManager } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import * as ChatEngine from "../../src/chat/ChatEngine.js"
import { nodeArgs, root } from "../support.js"
import { app } from "./fixtures/weatherApp.js"

/**
 * The test app's engine over an in-memory store shared by every engine made
 * with the same `sessions`; `close` stops the app's services.
 */
export const engine = async (
  options: Partial<Omit<ChatEngine.Options, "store">> & { readonly sessions?: SessionStore.Service } = {}
) => {
  const sessions = options.sessions ?? SessionStore.makeMemory()
  const services = Layer.mergeAll(app.layer({ transport: "in-process" }), SessionManager.layer).pipe(
    Layer.provideMerge(Layer.succeed(SessionStore.SessionStore, sessions))
  )
  const scope = await Effect.runPromise(Scope.make())
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  try {
    const context = await Effect.runPromise(Layer.buildWithScope(services, scope))
    const made = await Effect.runPromise(
      ChatEngine.make({
        appName: app.name,
        sessionId: options.sessionId ?? "s1",
        userId: options.userId ?? "ana",
        store: "memory",
        ...(options.storeFlags === undefined ? {} : { storeFlags: options.storeFlags })
      }).pipe(Effect.provide(context), Scope.extend(scope))
    )
    return { engine: made, sessions, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Resolves once `check` returns a value other than undefined; fails after `timeoutMs` with `describe()`. */
export const until = async <A>(
  check: () => A | undefined,
  describe: () => string,
  timeoutMs = 60_000
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const found = check()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last seen:\n${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * `baton <args>` from the repository root with `input` piped to its stdin
 * (so it is not a terminal); killed and failed after `timeoutMs`.
 */
export const piped = (args: ReadonlyArray<string>, input: string, timeoutMs = 60_000) =>
  new Promise<Ran>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(args), { cwd: root, env: { ...process.env, NO_COLOR: "1" } })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`baton ${args.join(" ")} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input)
  })
