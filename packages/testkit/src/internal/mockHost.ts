/**
 * One running mock service: its state, its faults and its stats, shared by
 * every connection. Each connection gets its own SDK `McpServer` (a server
 * object serves one transport) behind a `FaultTransport`.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as FaultSpec from "../FaultSpec.js"
import type { MockControl } from "../MockControl.js"
import type { MockService } from "../MockService.js"
import * as CallStats from "./callStats.js"
import * as ControlTool from "./controlTool.js"
import * as FaultPlan from "./faultPlan.js"
import { type CallPolicy, FaultTransport } from "./faultTransport.js"

/** What a crash does: end the process (a real server dying) or close the connection (in process). */
export type CrashMode = "exit" | "disconnect"

export interface HostOptions<State> {
  readonly service: MockService<State>
  readonly seed: number
  readonly faults: FaultSpec.FaultSpec
  /** Supplies the clock for delays, flapping and timestamps. */
  readonly runtime: Runtime.Runtime<never>
  readonly crash: CrashMode
}

export interface Host<State> {
  readonly control: MockControl<State>
  /** Serves one connection over `transport`; `onClosed` runs when it closes. */
  readonly serve: (transport: Transport, onClosed?: () => void) => Promise<void>
  readonly close: () => Promise<void>
}

export const make = <State>(options: HostOptions<State>): Host<State> => {
  const { runtime, service, seed } = options
  const now = () => Runtime.runSync(runtime)(Clock.currentTimeMillis)
  const instance = service.make({ seed, now })
  const stats = CallStats.make()
  const install = (spec: FaultSpec.FaultSpec) =>
    FaultPlan.make(spec, { service: service.name, seed, installedAt: now() })
  let plan = install(options.faults)

  const policy: CallPolicy = {
    initializeDelay: () => plan.initializeDelay(now()),
    decide: ({ tool }) => {
      const decision = plan.decide(tool, now())
      stats.called(tool, decision.applied)
      return decision
    },
    settled: stats.settled
  }
  const sleep = (ms: number, signal: AbortSignal) =>
    Runtime.runPromise(runtime)(Effect.sleep(Duration.millis(ms)), { signal })
  const crash = options.crash === "exit"
    ? () => process.exit(FaultSpec.crashExitCode)
    : (transport: FaultTransport) => void transport.close()

  const control: MockControl<State> = {
    service: service.name,
    setFaults: (faults) => Effect.flatMap(FaultSpec.decode(faults), (spec) => Effect.sync(() => void (plan = install(spec)))),
    clearFaults: Effect.sync(() => void (plan = install(FaultSpec.empty))),
    faults: Effect.sync(() => plan.spec),
    state: Effect.sync(() => instance.state()),
    stats: Effect.sync(() => stats.snapshot(service.name))
  }

  const open = new Set<FaultTransport>()
  const serve = async (transport: Transport, onClosed?: () => void) => {
    const server = new McpServer(
      { name: `baton-mock-${service.name}`, version: service.version },
      { instructions: `${service.description} (Baton mock service, seed ${seed})` }
    )
    instance.register(server)
    ControlTool.register(server, control, runtime)
    const faulty = new FaultTransport(transport, { policy, sleep, crash })
    open.add(faulty)
    server.server.onclose = () => {
      open.delete(faulty)
      onClosed?.()
    }
    stats.connected()
    await server.connect(faulty)
  }

  return {
    control,
    serve,
    close: async () => {
      await Promise.all([...open].map((transport) => transport.close()))
    }
  }
}
