/**
 * Session ids reserved for Baton's internal records. Some per-user data is
 * kept in the `SessionStore` as a session of its own — a user's preference
 * profile is the session `profile:<userId>` — so that it shares the store's
 * versioned commits, expiry and redaction. Such an id names its owner, and
 * only that user may ever hold it: otherwise anyone could create or import
 * `profile:ana` first and feed Ana's next turns their preferences.
 *
 * The rule is kept at every layer that takes an id from a caller: stores
 * refuse to commit a reserved id under another user (`violation`),
 * conversations and session management answer `Forbidden`, and readers check
 * the owner of what they read. Internal records are not conversations: they
 * are not listed among a user's sessions and turns are not played in them.
 *
 * @example
 * import { Ids, ReservedSession } from "@baton/core"
 *
 * const id = ReservedSession.make("profile", Ids.userId("ana")) // "profile:ana"
 * ReservedSession.mayHold(id, Ids.userId("ana")) // true
 * ReservedSession.mayHold(id, Ids.userId("mallory")) // false
 *
 * @since 0.2.0
 */
import * as Option from "effect/Option"
import * as Ids from "./Ids.js"

/**
 * The kinds of internal record, each the prefix of its ids.
 *
 * @since 0.2.0 @category constants
 */
export const kinds = ["profile"] as const
/** @since 0.2.0 @category models */
export type Kind = typeof kinds[number]

/** @since 0.2.0 @category models */
export interface Reserved {
  readonly kind: Kind
  /** The only user who may hold the session. */
  readonly owner: Ids.UserId
}

/**
 * The reserved session of `kind` for `userId`.
 *
 * @since 0.2.0 @category constructors
 */
export const make = (kind: Kind, userId: Ids.UserId): Ids.SessionId => Ids.sessionId(`${kind}:${userId}`)

/**
 * What a reserved id is for and whose it is; none for an ordinary session id.
 *
 * @since 0.2.0 @category accessors
 */
export const parse = (sessionId: string): Option.Option<Reserved> => {
  const colon = sessionId.indexOf(":")
  if (colon <= 0 || colon === sessionId.length - 1) return Option.none()
  const kind = sessionId.slice(0, colon)
  if (!(kinds as ReadonlyArray<string>).includes(kind)) return Option.none()
  return Option.some({ kind: kind as Kind, owner: Ids.userId(sessionId.slice(colon + 1)) })
}

/**
 * Whether the id is reserved for an internal record.
 *
 * @since 0.2.0 @category predicates
 */
export const isReserved = (sessionId: string): boolean => Option.isSome(parse(sessionId))

/**
 * Whether `userId` may hold the session: any user an ordinary id, only its
 * owner a reserved one.
 *
 * @since 0.2.0 @category predicates
 */
export const mayHold = (sessionId: string, userId: string): boolean =>
  Option.match(parse(sessionId), { onNone: () => true, onSome: (reserved) => reserved.owner === userId })

/**
 * Why a state may not be stored — a reserved id held by another user than
 * its owner — in words for an error; none when it may.
 *
 * @since 0.2.0 @category predicates
 */
export const violation = (state: { readonly sessionId: string; readonly userId: string }): Option.Option<string> =>
  mayHold(state.sessionId, state.userId)
    ? Option.none()
    : Option.some(
      `session "${state.sessionId}" is reserved for the internal records of user ` +
        `"${Option.getOrThrow(parse(state.sessionId)).owner}" and cannot be stored for user "${state.userId}"`
    )
