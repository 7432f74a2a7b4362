/**
 * `pnpm start`: plays the demo scenario with plain console output, the
 * services in process. The `baton demo` command plays the same scenario with
 * a richer transcript, checks its expectations, and can run the services as
 * processes.
 *
 * @since 0.1.0
 */
import { BatonApp, Conversation, SessionStore } from "@baton/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layer } from "./app.js"
import { demo } from "./Demo.js"

const play = Effect.gen(function*() {
  const conversation = yield* Conversation.Conversation
  const faults = yield* BatonApp.FaultInjector
  yield* Console.log(`TripSage — ${demo.name}`)
  for (const turn of demo.turns) {
    // A turn's faults (the degraded turn) hold for that turn only.
    const injected = Object.entries(turn.faults ?? {})
    yield* Effect.forEach(injected, ([service, spec]) => faults.set(service, spec), { discard: true })
    const result = yield* conversation.turn(demo.sessionId, demo.userId, turn.text).pipe(
      Effect.ensuring(Effect.forEach(injected, ([service]) => Effect.ignore(faults.clear(service)), { discard: true }))
    )
    yield* Console.log(`\nyou: ${turn.text}`)
    for (const [service, spec] of injected) yield* Console.log(`  ⚡ fault injected into ${service}: ${spec}`)
    for (const handoff of result.handoffs) {
      const outcome = handoff.success ? `context preserved ${handoff.contextPreserved ? "✓" : "✗"}` : `refused: ${handoff.errors.join("; ")}`
      yield* Console.log(`  ↪ ${handoff.from} → ${handoff.to} (${handoff.mode}) — ${outcome}`)
    }
    for (const message of result.messages) yield* Console.log(`${message.agent}: ${message.content}`)
  }
})

play.pipe(
  Effect.provide(Layer.provide(layer({ transport: "in-process" }), SessionStore.layerMemory)),
  Effect.runPromise
).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
