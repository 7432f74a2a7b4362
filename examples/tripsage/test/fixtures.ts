import { type Agent, type HandoffContext, Ids, Message, ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Profile from "../src/Profile.js"
import * as Services from "../src/Services.js"
import type { FlightOption, HotelOption, TripState } from "../src/TripState.js"

export const sessionId = Ids.sessionId("test-session")

/** London → Lisbon for two, 10–17 Dec 2026, £2,500: the demo's trip before anything is chosen. */
export const lisbonTrip: TripState = {
  origin: { code: "LHR", name: "London" },
  destination: { code: "LIS", name: "Lisbon" },
  departDate: "2026-12-10",
  returnDate: "2026-12-17",
  travellers: 2,
  budget: 2500
}

/** What the flights service offers as option 2 for `lisbonTrip` (seed `Services.seed`). */
export const anaFlight: FlightOption = {
  id: "off_WyJMSFIiLCJMSVMiLCIyMDI2LTEyLTEwIiwiMjAyNi0xMi0xNyIsImVjb25vbXkiLDIsMCwwLCJHQlAiLDJd",
  airline: "ANA",
  flightNumber: "NH90",
  from: "LHR",
  to: "LIS",
  departDate: "2026-12-10",
  departTime: "07:25",
  durationMinutes: 147,
  stops: 0,
  returnDate: "2026-12-17",
  price: 452.6
}

/** The accommodations service's best rated stay for `lisbonTrip` (seed `Services.seed`). */
export const historicSuites: HotelOption = {
  id: "lst_WyJMaXNib24iLDEwXQ",
  name: "Historic Lisbon Suites",
  kind: "hotel",
  area: "Harbour",
  rating: 4.8,
  stars: 5,
  pricePerNight: 214.3,
  total: 1500.1
}

/** Flights £452.60 + 7 nights £1,500.10. */
export const chosenTotal = 1952.7

export const travellers = [
  { givenName: "Ana", familyName: "Sousa" },
  { givenName: "Ben", familyName: "Carter" }
] as const

/** The context a handoff delivered, as far as the agents read it. */
export const arrivedFrom = (from: string, to: string, state: TripState): HandoffContext.HandoffContext => ({
  schemaVersion: 1,
  handoffId: "test/h0",
  userId: Ids.userId("traveller"),
  sessionId,
  from: Ids.agentId(from),
  to: Ids.agentId(to),
  reason: "test",
  mode: "transfer",
  conversationHistory: { summary: null, summarisedCount: 0, recent: [], totalMessages: 0, lastMessageId: null },
  currentState: state,
  preferences: {},
  agentStack: [],
  searchContext: {},
  checksum: "test",
  createdAt: 0
})

export const inputFor = (
  text: string,
  state: TripState,
  options: {
    readonly arrival?: HandoffContext.HandoffContext
    readonly returned?: Agent.Returned
    readonly agentStack?: ReadonlyArray<string>
    readonly preferences?: Readonly<Record<string, unknown>>
  } = {}
): Agent.AgentInput<TripState> => {
  const message: Message.Message = { id: Message.idAt(sessionId, 0), role: "user", content: text, time: 0 }
  return {
    sessionId,
    userId: Ids.userId("traveller"),
    message,
    history: [message],
    state,
    preferences: options.preferences ?? {},
    agentStack: (options.agentStack ?? []).map(Ids.agentId),
    arrival: Option.fromNullable(options.arrival),
    returned: Option.fromNullable(options.returned)
  }
}

/** The mock MCP services in this process, behind the MCP gateway: what the app runs on by default. */
export const services = Services.layer("in-process")

/** Runs an agent's brain once against fresh in-process services, for a traveller TripSage has not met. */
export const handle = <E>(
  agent: Agent.Agent<TripState, E, ToolGateway.ToolGateway | Profile.TravelProfile>,
  input: Agent.AgentInput<TripState>
) => agent.handle(input).pipe(Effect.provide(Layer.merge(services, Profile.layerEmpty)))

/** The in-process services' gateway, recording every call before passing it on (and an empty profile). */
export const recordingGateway = () => {
  const calls: Array<ToolGateway.ToolCall> = []
  const layer = Layer.effect(
    ToolGateway.ToolGateway,
    Effect.map(ToolGateway.ToolGateway, (inner) => ({
      invoke: (call: ToolGateway.ToolCall) =>
        Effect.suspend(() => {
          calls.push(call)
          return inner.invoke(call)
        })
    }))
  ).pipe(Layer.provide(services), Layer.merge(Profile.layerEmpty))
  return { calls, layer }
}

/** The state an outcome leaves behind; fails the test when the outcome carries none. */
export const stateOf = (outcome: Agent.Outcome<TripState>): TripState => {
  if (outcome.state === undefined) throw new Error(`expected the ${outcome._tag} to carry state`)
  return outcome.state
}
