/** Call counts per tool, as the control handle and `_control stats` report them. */
import type { MockStats, ToolStats } from "../MockControl.js"

interface Counter {
  calls: number
  inFlight: number
  readonly faults: Map<string, number>
}

export interface CallStats {
  readonly connected: () => void
  readonly called: (tool: string, faults: ReadonlyArray<string>) => void
  readonly settled: (tool: string) => void
  readonly snapshot: (service: string) => MockStats
}

export const make = (): CallStats => {
  const tools = new Map<string, Counter>()
  let connections = 0
  const counter = (tool: string) => {
    const found = tools.get(tool)
    if (found !== undefined) return found
    const created: Counter = { calls: 0, inFlight: 0, faults: new Map() }
    tools.set(tool, created)
    return created
  }
  return {
    connected: () => {
      connections++
    },
    called: (tool, faults) => {
      const c = counter(tool)
      c.calls++
      c.inFlight++
      for (const kind of faults) c.faults.set(kind, (c.faults.get(kind) ?? 0) + 1)
    },
    settled: (tool) => {
      counter(tool).inFlight--
    },
    snapshot: (service) => {
      const perTool: Record<string, ToolStats> = {}
      for (const [tool, c] of tools) {
        perTool[tool] = { calls: c.calls, inFlight: c.inFlight, faults: Object.fromEntries(c.faults) }
      }
      const all = [...tools.values()]
      return {
        service,
        calls: all.reduce((sum, c) => sum + c.calls, 0),
        inFlight: all.reduce((sum, c) => sum + c.inFlight, 0),
        connections,
        tools: perTool
      }
    }
  }
}
