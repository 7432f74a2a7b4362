import { Agent, Conversation, Ids, SessionStore } from "@baton/core"
import { Effect, Schema } from "effect"

const State = Schema.Struct({ city: Schema.optional(Schema.String) })
const [concierge, weather] = [Ids.agentId("concierge"), Ids.agentId("weather")]

const agents = [
  Agent.make<typeof State.Type>({
    id: concierge, description: "Greets guests", handoffTargets: [weather],
    capabilities: [{ intent: "greet", description: "greetings", keywords: ["hello"], examples: ["hi"] }],
    handle: ({ message }) => /weather in (\w+)/i.test(message.content)
      ? Effect.succeed(Agent.transfer(weather, "weather question", { state: { city: RegExp.$1 } }))
      : Effect.succeed(Agent.reply("Hello! Ask me about the weather somewhere."))
  }),
  Agent.make<typeof State.Type>({
    id: weather, description: "Reports the weather", requiredContext: ["city"],
    capabilities: [{ intent: "weather", description: "forecasts", keywords: ["weather", "rain"], examples: ["will it rain"] }],
    handle: ({ state }) => Effect.succeed(Agent.reply(`Sunny in ${state.city} all week.`))
  })
]

const program = Effect.gen(function*() {
  const chat = yield* Conversation.Conversation
  for (const text of ["hello", "what's the weather in Lisbon?"]) {
    const turn = yield* chat.turn("session-1", "ana", text)
    for (const h of turn.handoffs) console.log(`  ↪ ${h.from} → ${h.newAgentId}: ${h.success ? "context preserved" : h.errors.join("; ")}`)
    console.log(`${turn.agent}: ${turn.reply}`)
  }
})

program.pipe(
  Effect.provide(Conversation.layer({ agents, stateSchema: State, initialState: () => ({}), entryAgent: concierge })),
  Effect.provide(SessionStore.layerMemory),
  Effect.runPromise
)
