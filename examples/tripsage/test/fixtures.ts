import { type Agent, type HandoffContext, Ids, Message, ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as InProcessGateway from "../src/InProcessGateway.js"
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

export const tapFlight: FlightOption = {
  id: "LHR-LIS-20261210-2",
  airline: "TAP Air Portugal",
  flightNumber: "TP1407",
  from: "LHR",
  to: "LIS",
  departDate: "2026-12-10",
  departTime: "09:50",
  durationMinutes: 147,
  stops: 0,
  returnDate: "2026-12-17",
  pricePerPerson: 365
}

export const alfamaHotel: HotelOption = { id: "LIS-H1", name: "Hotel Alfama", area: "Alfama", stars: 3, pricePerNight: 119 }

/** Flights 2 × £365 + 7 nights × £119. */
export const chosenTotal = 730 + 833

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
  } = {}
): Agent.AgentInput<TripState> => {
  const message: Message.Message = { id: Message.idAt(sessionId, 0), role: "user", content: text, time: 0 }
  return {
    sessionId,
    userId: Ids.userId("traveller"),
    message,
    history: [message],
    state,
    preferences: {},
    agentStack: (options.agentStack ?? []).map(Ids.agentId),
    arrival: Option.fromNullable(options.arrival),
    returned: Option.fromNullable(options.returned)
  }
}

/** Runs an agent's brain once against the in-process services. */
export const handle = <E>(
  agent: Agent.Agent<TripState, E, ToolGateway.ToolGateway>,
  input: Agent.AgentInput<TripState>
) => agent.handle(input).pipe(Effect.provide(InProcessGateway.layer))

/** A gateway that records every call before serving it in process. */
export const recordingGateway = () => {
  const calls: Array<ToolGateway.ToolCall> = []
  const inner = InProcessGateway.make()
  const layer = Layer.succeed(ToolGateway.ToolGateway, {
    invoke: (call) => Effect.suspend(() => {
      calls.push(call)
      return inner.invoke(call)
    })
  })
  return { calls, layer }
}

/** The state an outcome leaves behind; fails the test when the outcome carries none. */
export const stateOf = (outcome: Agent.Outcome<TripState>): TripState => {
  if (outcome.state === undefined) throw new Error(`expected the ${outcome._tag} to carry state`)
  return outcome.state
}
