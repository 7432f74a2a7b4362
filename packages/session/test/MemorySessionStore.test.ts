import { type Errors, Ids, SessionState, SessionStore } from "@baton/core"
import { describe, expectTypeOf, it } from "@effect/vitest"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { conformance, StoreUnderTest } from "./conformance.js"

const shortTtlMs = 60_000

conformance(
  "memory",
  Layer.sync(StoreUnderTest, () => ({
    store: SessionStore.makeMemory(),
    shortLived: SessionStore.makeMemory({ ttl: shortTtlMs }),
    shortTtlMs,
    advance: (ms) => TestClock.adjust(ms),
    raw: undefined
  })),
  { virtualClock: true, raw: false, propertyRuns: 500 }
)

describe("SessionStore.commit", () => {
  it("fails with a conflict, a lost lease or a store error, all typed", () => {
    const store = SessionStore.makeMemory()
    const state = SessionState.empty({ sessionId: Ids.sessionId("s"), userId: Ids.userId("u"), state: {}, now: 0 })
    expectTypeOf(store.commit({ state: { ...state, version: 1 }, expectedVersion: 0, events: [], fencingToken: 1 })).toEqualTypeOf<
      Effect.Effect<void, Errors.SessionConflict | Errors.LeaseLost | Errors.SessionStoreError>
    >()
  })
})
