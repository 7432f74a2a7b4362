/**
 * What a mock MCP service is: a name, and a factory for its state and tools.
 * One instance serves every connection of a mock server, so a reservation
 * made over one connection is visible (and cancellable) from another, and
 * the control handle reads the same state.
 *
 * @since 0.1.0
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"

/** @since 0.1.0 @category models */
export interface MockServiceContext {
  /** The data seed: the same seed gives the same offers, listings and forecasts. */
  readonly seed: number
  /** Epoch milliseconds from the mock's clock (Effect's `Clock` in process). */
  readonly now: () => number
}

/** @since 0.1.0 @category models */
export interface MockServiceInstance<State> {
  /** Registers the tools on one connection's server. */
  readonly register: (server: McpServer) => void
  /** A JSON snapshot of the state (reservations, payments…). */
  readonly state: () => State
}

/** @since 0.1.0 @category models */
export interface MockService<State = unknown> {
  readonly name: string
  readonly version: string
  readonly description: string
  readonly make: (context: MockServiceContext) => MockServiceInstance<State>
}

/**
 * The state of a service that keeps none (weather, maps, activities).
 *
 * @since 0.1.0 @category models
 */
export type Stateless = Readonly<Record<string, never>>
