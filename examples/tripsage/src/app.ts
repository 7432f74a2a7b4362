/**
 * TripSage as a Baton app: its agents, state and routing in a conversation
 * layer, its tools served by the mock MCP services through the MCP gateway
 * (in process, or as child processes over stdio or HTTP), each traveller's
 * preference profile (kept in the same session store, learned from every
 * turn, read by the agents), and the demo scenario. `baton demo
 * [--transport …]` loads this module and plays `app.demo`.
 *
 * @since 0.1.0
 */
import { type BatonApp, Conversation, RoutingStrategy } from "@baton/core"
import { PreferenceProfile } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Accommodations from "./agents/Accommodations.js"
import * as Booking from "./agents/Booking.js"
import * as Budget from "./agents/Budget.js"
import * as Destination from "./agents/Destination.js"
import * as Flights from "./agents/Flights.js"
import * as Roster from "./agents/Roster.js"
import * as Triage from "./agents/Triage.js"
import { demo, traveller } from "./Demo.js"
import * as Profile from "./Profile.js"
import * as Services from "./Services.js"
import * as TripState from "./TripState.js"
import * as Workflows from "./Workflows.js"

/**
 * New sessions start with Triage, which notes the trip before anyone else
 * speaks; afterwards the capability match routes.
 *
 * @since 0.1.0 @category routing
 */
export const welcomeNewSessions: RoutingStrategy.RoutingStrategy = {
  name: "welcome",
  rank: (request) =>
    Effect.succeed(
      request.activeAgent === null
        ? [{ agent: Roster.triage, confidence: 1, reasoning: "new sessions start with triage" }]
        : []
    )
}

/** @since 0.1.0 @category agents */
export const agents = [Triage.agent, Destination.agent, Flights.agent, Accommodations.agent, Budget.agent, Booking.agent]

/**
 * The conversation over the travel services, reached by `options.transport`,
 * learning each traveller's profile as it goes (`Profile.learning`), with a
 * `BatonApp.FaultInjector` over the same services for scenarios whose turns
 * inject faults. Profiles live in the session store the runner provides.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (options: BatonApp.LayerOptions) =>
  Layer.merge(
    Profile.learning.pipe(
      Layer.provide(
        Conversation.layer({
          agents,
          stateSchema: TripState.TripState,
          initialState: TripState.initial,
          entryAgent: Roster.triage,
          routing: { strategies: [welcomeNewSessions, RoutingStrategy.capability()] }
        })
      ),
      Layer.provide(Profile.layer)
    ),
    Services.faultInjector
  ).pipe(
    // The services' ports stay in the app's context: a runner that shows the
    // services (the chat) reads their health and breakers through ServiceHealth.
    Layer.provideMerge(Services.layer(options.transport)),
    Layer.provide(PreferenceProfile.layer)
  )

/** @since 0.1.0 @category apps */
export const app: BatonApp.BatonApp = {
  name: "TripSage",
  description: "A travel planner: destination research, flights, stays, budget and booking",
  layer,
  demo,
  loadScenario: traveller,
  workflows: Workflows.named
}
