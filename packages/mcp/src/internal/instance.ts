import type * as McpConnection from "../McpConnection.js"
import type { PooledInstance } from "../McpPool.js"
import { HealthStats } from "./health.js"

/** An instance's mutable state; the gateway updates it on every call. */
export class Instance implements PooledInstance {
  connection: McpConnection.McpConnection | undefined = undefined
  outstanding = 0
  connects = 0
  lastError: string | undefined = undefined
  readonly stats = new HealthStats()

  constructor(readonly endpoint: McpConnection.Endpoint, private readonly timeoutMs: number) {}

  get id(): string {
    return this.endpoint.id
  }

  get connected(): boolean {
    return this.connection !== undefined && !this.connection.isClosed()
  }

  readonly health = (): number => (this.connected ? this.stats.score(this.timeoutMs) : 0)
}
