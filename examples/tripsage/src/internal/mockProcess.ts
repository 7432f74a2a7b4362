/**
 * The testkit's mock services as child processes: the command that starts
 * one, and an HTTP one started, announced and stopped with a scope.
 */
import { MockServerCommand } from "@baton/testkit"
import { type ChildProcess, spawn } from "node:child_process"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** A mock service process did not start. */
export class MockServiceFailed extends Schema.TaggedError<MockServiceFailed>("@baton/example-tripsage/MockServiceFailed")(
  "MockServiceFailed",
  { service: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `The ${this.service} mock service did not start: ${this.reason}`
  }
}

/** `node` and its arguments to run `mock-server <service> <args…>`. */
export const command = (service: string, args: ReadonlyArray<string>) => ({
  command: process.execPath,
  args: MockServerCommand.nodeArgs([service, ...args])
})

// Long enough for a cold start of several processes on a busy machine.
const startTimeoutMs = 30_000
const stopGraceMs = 5_000

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (exited(child)) return resume(Effect.void)
    const force = setTimeout(() => child.kill("SIGKILL"), stopGraceMs)
    child.once("exit", () => {
      clearTimeout(force)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

const start = (service: string, args: ReadonlyArray<string>) =>
  Effect.async<{ readonly child: ChildProcess; readonly url: string }, MockServiceFailed>((resume) => {
    const { args: argv, command: node } = command(service, [...args, "--http", "0"])
    // The IPC channel makes the mock exit if this process dies without stopping it.
    const child = spawn(node, argv, { stdio: ["ignore", "pipe", "inherit", "ipc"] })
    let announced = ""
    let settled = false
    const fail = (reason: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      resume(Effect.fail(new MockServiceFailed({ service, reason })))
    }
    const timer = setTimeout(() => fail(`it did not announce its port within ${startTimeoutMs / 1000} s`), startTimeoutMs)
    child.once("error", (error) => fail(error.message))
    child.once("exit", (code, signal) => fail(`it exited (${signal ?? `code ${code}`}) before listening`))
    child.stdout!.on("data", (chunk: Buffer) => {
      if (settled) return
      announced += chunk.toString()
      const url = /listening on (\S+)/.exec(announced)?.[1]
      if (url === undefined) return
      settled = true
      clearTimeout(timer)
      resume(Effect.succeed({ child, url }))
    })
  })

/**
 * `mock-server <service> --http 0 <args…>` in a child process; succeeds with
 * the URL it announces. Closing the scope stops the process and waits for it.
 */
export const serveHttp = (
  service: string,
  args: ReadonlyArray<string>
): Effect.Effect<string, MockServiceFailed, Scope.Scope> =>
  Effect.map(Effect.acquireRelease(start(service, args), ({ child }) => stop(child)), ({ url }) => url)
