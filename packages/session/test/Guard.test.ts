import { Ids, Message, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { encodeState } from "../src/internal/codec.js"
import { compile } from "../src/internal/guard.js"

const sessionId = Ids.sessionId("s-guard")
const base = SessionState.empty({ sessionId, userId: Ids.userId("u-guard"), state: { a: [1, { b: null }] }, now: 0 })
const history: ReadonlyArray<Message.Message> = [
  { id: Message.idAt(sessionId, 0), role: "user", content: "hi", time: 0 },
  { id: Message.idAt(sessionId, 1), role: "agent", agent: Ids.agentId("flights"), content: "yes", time: 1, metadata: { n: 1 } }
]
const good = JSON.parse(
  Either.getOrThrow(
    encodeState({
      ...base,
      context: { ...base.context, history },
      activeWorkflows: [{ id: "w", name: "trip", status: "running", startedAt: 0, steps: { a: { _tag: "Completed", seq: 1, at: 2 } } }],
      cachedResults: { k: { value: 1, storedAt: 0 } },
      version: 1
    })
  ).bytes.toString("utf8")
) as Record<string, unknown>

// Values a session field may or may not accept: mostly plausible ones, so
// that about half the values below are sessions and half are not.
const fieldValue = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue() },
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.constantFrom("user", "agent", "system", "flights", "", "running", "done", "s-guard#0", null),
      fc.integer({ min: -2, max: 3 }),
      fc.double(),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue(), { maxKeys: 2 }),
      fc.array(fc.constantFrom("triage", ""), { maxLength: 2 })
    )
  }
)
const changes = <K extends string>(keys: ReadonlyArray<K>) =>
  fc.oneof(fc.constant({}), fc.dictionary(fc.constantFrom(...keys), fieldValue, { maxKeys: 1 }))

// A session but for what the arbitraries change: at the top, in the
// context, in a message, in a workflow, or a key left out.
const nearSession = fc
  .tuple(
    changes(Object.keys(good)),
    changes(["history", "state", "preferences", "searchContext"]),
    changes(["id", "role", "content", "agent", "time", "metadata"]),
    changes(["id", "status", "steps", "startedAt"]),
    fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray(["schemaVersion", "userId", "context"], { maxLength: 1 }) })
  )
  .map(([top, context, message, workflow, missing]) => {
    const goodContext = good.context as { history: ReadonlyArray<object> }
    const value: Record<string, unknown> = {
      ...good,
      context: { ...goodContext, history: [goodContext.history[0], { ...goodContext.history[1], ...message }], ...context },
      activeWorkflows: [{ ...(good.activeWorkflows as ReadonlyArray<object>)[0], ...workflow }],
      ...top
    }
    for (const key of missing) delete value[key]
    return value
  })

describe("the compiled guard of stored records", () => {
  const is = Schema.is(SessionState.SessionState)
  const guard = compile(SessionState.SessionState.ast)

  it("answers as Schema.is does on sessions and on anything near one", () => {
    expect(guard(good)).toBe(true)
    const agrees = (value: unknown) => {
      expect(guard(value)).toBe(is(value))
    }
    let sessions = 0
    fc.assert(
      fc.property(nearSession, (value) => {
        agrees(value)
        if (is(value)) sessions++
      }),
      { numRuns: 2_000 }
    )
    // Both answers were asked for, often.
    expect(sessions).toBeGreaterThan(400)
    expect(sessions).toBeLessThan(1_600)
    fc.assert(fc.property(fc.anything(), agrees), { numRuns: 500 })
  })

  it("hands schema nodes it does not compile to Schema.is", () => {
    const Dated = Schema.Struct({ at: Schema.DateFromSelf, pair: Schema.Tuple(Schema.Number, Schema.String) })
    const guardDated = compile(Dated.ast)
    expect(guardDated({ at: new Date(0), pair: [1, "a"] })).toBe(true)
    expect(guardDated({ at: "1970", pair: [1, "a"] })).toBe(false)
    expect(guardDated({ at: new Date(0), pair: [1, 2] })).toBe(false)
  })
})
