/**
 * Session builders and the read-modify-commit writer shared by the tests and
 * the writer processes (no test-runner imports here).
 */
import { type BatonEvent, type Ids, Message, SessionState, type SessionStore } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export const turnStarted = (sessionId: Ids.SessionId, userId: Ids.UserId, text: string, at = 0): BatonEvent.BatonEvent => ({
  _tag: "TurnStarted",
  sessionId,
  userId,
  text,
  at
})

/** An empty session at `version` whose application state is a list of items. */
export const plainState = (
  sessionId: Ids.SessionId,
  userId: Ids.UserId,
  version: number,
  items: ReadonlyArray<string> = []
): SessionState.SessionState => ({
  ...SessionState.empty({ sessionId, userId, state: { items }, now: 1_700_000_000_000 }),
  version
})

const Items = Schema.Struct({ items: Schema.Array(Schema.String) })
export const itemsOf = (state: SessionState.SessionState) => Schema.decodeUnknownSync(Items)(state.context.state).items

/**
 * One read-modify-commit that appends `item` to the state's items and, as a
 * message, to the history, retried on conflict: what a worker does with a
 * session. Each attempt yields between its read and its commit so that
 * concurrent writers interleave. `onConflict` counts retries.
 */
export const appendItem = (
  store: SessionStore.Service,
  sessionId: Ids.SessionId,
  userId: Ids.UserId,
  item: string,
  onConflict: () => void = () => {}
) =>
  Effect.gen(function*() {
    const current = yield* store.load(sessionId)
    const base = Option.getOrElse(current, () => plainState(sessionId, userId, 0))
    yield* Effect.yieldNow()
    const { history } = base.context
    const said: Message.Message = { id: Message.idAt(sessionId, history.length), role: "user", content: item, time: history.length }
    yield* store.commit({
      state: {
        ...base,
        context: { ...base.context, history: [...history, said], state: { items: [...itemsOf(base), item] } },
        version: base.version + 1
      },
      expectedVersion: base.version,
      events: [turnStarted(sessionId, userId, item)]
    })
  }).pipe(
    Effect.tapErrorTag("SessionConflict", () => Effect.sync(onConflict)),
    Effect.retry({ times: 100_000, while: (error) => error._tag === "SessionConflict" })
  )
