/**
 * One worker process: the compiled worker (with tsx's loader when the host
 * app is written in TypeScript), given its options as the first line on its
 * stdin (they hold the store's URL, password included, and a command line is
 * readable by every user of the machine), then spoken to in JSON lines, its
 * stderr kept (the tail) for the reason it died.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createInterface } from "node:readline"
import { pathToFileURL } from "node:url"
import * as Programs from "../../internal/programs.js"
import * as Protocol from "../ClusterProtocol.js"
import type * as ClusterWorker from "../ClusterWorker.js"

// Resolved through `require` because test runners do not all offer
// `import.meta.resolve`; tsx exports its loader for every condition.
const tsx = () => {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
  } catch {
    return undefined
  }
}

/**
 * `node` arguments for a worker of the app `app`. Nothing of the worker's
 * options: they go to its stdin.
 */
export const nodeArgs = (app: string): Array<string> => {
  const loader = /\.[cm]?tsx?$/.test(app) ? tsx() : undefined
  return [...(loader === undefined ? [] : ["--import", loader]), Programs.path("cluster/worker")]
}

export interface WorkerProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly send: (message: Protocol.ToWorker) => void
  /** The last lines the worker wrote to stderr. */
  readonly stderr: () => string
  /** Closes stdin: the worker stops by itself. */
  readonly close: () => void
}

export const spawnWorker = (
  options: ClusterWorker.Options,
  handlers: {
    readonly onMessage: (message: Protocol.FromWorker) => void
    readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void
  }
): WorkerProcess => {
  const child = spawn(process.execPath, nodeArgs(options.app), { stdio: ["pipe", "pipe", "pipe"] })
  let tail = ""
  child.stderr!.on("data", (chunk) => {
    tail = (tail + String(chunk)).slice(-4_000)
  })
  // A worker that died leaves its pipes broken; writes to them are dropped.
  child.stdin!.on("error", () => {})
  child.stdin!.write(Protocol.encodeOptions(options))
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = Protocol.decodeFromWorkerLine(line)
    if (message._tag === "Some") handlers.onMessage(message.value)
  })
  // The last lines on stdout arrive before "close", not always before "exit".
  child.once("close", (code, signal) => handlers.onExit(code, signal))
  child.once("error", () => {})
  return {
    child,
    pid: child.pid ?? -1,
    send: (message) => {
      if (child.stdin!.writable) child.stdin!.write(Protocol.encode(message))
    },
    stderr: () => tail,
    close: () => child.stdin!.end()
  }
}
