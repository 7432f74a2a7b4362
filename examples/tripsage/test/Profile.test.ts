import { Conversation, Ids, SessionStore } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import { PreferenceProfile } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layer } from "../src/app.js"

const app = Layer.provideMerge(layer({ transport: "in-process" }), SessionStore.layerMemory)
const ana = "ana"

describe("Profile.learning", () => {
  it.live("learns every acknowledged turn once, from concurrent sessions of the same traveller", () =>
    Effect.gen(function*() {
      const conversation = yield* Conversation.Conversation
      const store = yield* SessionStore.SessionStore
      const sessions = Array.from({ length: 6 }, (_, i) => `trip-${i}`)
      yield* Effect.forEach(
        sessions,
        (sessionId, i) => conversation.turn(sessionId, ana, i % 2 === 0 ? "I prefer aisle seats." : "I'm vegetarian, always."),
        { concurrency: "unbounded", discard: true }
      )
      const profile = yield* PreferenceProfile.make(store).get(Ids.userId(ana))
      expect(profile.preferences.seat).toMatchObject({ value: "aisle", source: "stated", observations: 3 })
      expect(profile.preferences.dietary).toMatchObject({ value: "vegetarian", source: "stated", observations: 3 })
      expect([...profile.preferences.seat!.sessions, ...profile.preferences.dietary!.sessions].sort()).toEqual(sessions)
    }).pipe(Effect.provide(app)))

  it.live("a turn that fails teaches nothing", () =>
    Effect.gen(function*() {
      const conversation = yield* Conversation.Conversation
      const store = yield* SessionStore.SessionStore
      yield* conversation.turn("owned", "someone-else", "hello")
      const refused = yield* Effect.flip(conversation.turn("owned", ana, "I prefer window seats."))
      expect(refused._tag).toBe("Forbidden")
      const profile = yield* PreferenceProfile.make(store).get(Ids.userId(ana))
      expect(profile.preferences).toEqual({})
    }).pipe(Effect.provide(app)))
})
