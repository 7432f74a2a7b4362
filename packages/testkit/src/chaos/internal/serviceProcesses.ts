/**
 * The mock service processes a worker runs over stdio, found through `ps`
 * as the worker's descendants whose command line is
 * `… mock-server <service> …`, and killed with SIGKILL: a crash the service
 * did not choose, which the worker's MCP pool must notice and recover from.
 */
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"

interface Row {
  readonly pid: number
  readonly ppid: number
  readonly args: ReadonlyArray<string>
}

const processes = Effect.async<ReadonlyArray<Row>>((resume) => {
  execFile("ps", ["-eo", "pid=,ppid=,args="], { maxBuffer: 16 * 1024 * 1024 }, (error, out) => {
    if (error !== null) return resume(Effect.succeed([]))
    resume(Effect.succeed(out.split("\n").flatMap((line) => {
      const [pid, ppid, ...args] = line.trim().split(/\s+/)
      return pid === undefined || ppid === undefined ? [] : [{ pid: Number(pid), ppid: Number(ppid), args }]
    })))
  })
})

const descendants = (rows: ReadonlyArray<Row>, roots: ReadonlyArray<number>): Array<Row> => {
  const found: Array<Row> = []
  let parents = new Set(roots)
  while (parents.size > 0) {
    const children = rows.filter((row) => parents.has(row.ppid))
    found.push(...children)
    parents = new Set(children.map((row) => row.pid))
  }
  return found
}

const serves = (row: Row, service: string) => {
  const at = row.args.findIndex((arg) => /(^|\/)mock-server(\.[jt]s)?$/.test(arg))
  return at >= 0 && row.args[at + 1] === service
}

/** SIGKILLs the service's processes under `workers`; the pids killed. */
export const kill = (workers: ReadonlyArray<number>, service: string): Effect.Effect<Array<number>> =>
  Effect.map(processes, (rows) =>
    descendants(rows, workers).filter((row) => serves(row, service)).flatMap((row) => {
      try {
        process.kill(row.pid, "SIGKILL")
        return [row.pid]
      } catch {
        // It exited between `ps` and the kill: nothing left to crash.
        return []
      }
    }))
