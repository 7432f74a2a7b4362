/**
 * Cross-session learning: a per-user preference profile built from what the
 * user said ("I prefer aisle seats") and what they chose (the flight they
 * picked), across all their sessions.
 *
 * - Every preference has a **value**, a **confidence** (0..1) and its
 *   **recency** (`lastSeen`); `confidenceOf` discounts old evidence with a
 *   half-life (180 days by default).
 * - **Learning rule** (`observe`): a statement weighs 0.6 and a choice 0.3.
 *   Evidence for the current value raises its confidence to
 *   `1 - (1 - c)(1 - w)`. A statement of another value replaces it; a choice
 *   of another value weakens it to `c(1 - w)` and replaces it once it falls
 *   below the choice's weight: people say what they want, and pick what was
 *   on offer.
 * - **Personalisation** (`rank`): items scored by the confidence of every
 *   preference they match, stable for ties.
 * - **Next actions** (`suggest`): what users did after the same step,
 *   learned per user (`recordAction`), then the app's own defaults (`next`:
 *   a travel app offers hotels after flights).
 * - **Already answered** (`answered`, `unanswered`): a question whose answer
 *   is known with enough confidence is not asked again.
 *
 * **Storage.** `PreferenceProfiles` keeps each profile in core's
 * `SessionStore` port as the application state of a reserved session,
 * `ReservedSession.make("profile", userId)` (`profile:<userId>`), which
 * stores commit only for that user; the store's TTL and redaction apply,
 * and `SessionManager` does not list it among the user's sessions. Every
 * update reads, applies a pure function and commits with compare-and-set
 * on the version; a concurrent update (two sessions of the user learning at
 * once) gets `SessionConflict` and is applied again on the fresh profile,
 * so none is lost.
 *
 * **Every read checks the owner.** A record under the user's profile id
 * that is held for another user — squatted before stores refused that — or
 * whose profile names another user is not the user's profile: it reads as
 * no profile, and the next update replaces it. A profile that cannot be read
 * (its record is corrupted, or its state is no profile) fails `get` with
 * `ProfileUnreadable`, one line that says why; the next update starts a new
 * profile, so one bad record costs the user their learned preferences once,
 * not a failure on every turn. Nothing is dropped silently: a corrupted
 * record stays in the store's quarantine, and a readable state that is no
 * profile is kept as a snapshot labelled `unreadable profile` first.
 *
 * @since 0.1.0
 */
import { Errors, Ids, ReservedSession, SessionState, SessionStore } from "@baton/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category schemas */
export const Value = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)
/** @since 0.1.0 @category models */
export type Value = typeof Value.Type

/** Said by the user, or picked from what was offered. @since 0.1.0 @category schemas */
export const Source = Schema.Literal("stated", "chosen")
/** @since 0.1.0 @category models */
export type Source = typeof Source.Type

/** @since 0.1.0 @category schemas */
export const Preference = Schema.Struct({
  value: Value,
  /** 0..1, before the recency discount (`confidenceOf`). */
  confidence: Schema.Number.pipe(Schema.between(0, 1)),
  /** `stated` once the user has said it; `chosen` while only their choices support it. */
  source: Source,
  /** How many times this value was observed. */
  observations: Schema.Number,
  /** Epoch milliseconds. */
  firstSeen: Schema.Number,
  lastSeen: Schema.Number,
  /** The latest sessions the value was observed in, newest last. */
  sessions: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type Preference = typeof Preference.Type

/** @since 0.1.0 @category schemas */
export const Action = Schema.Struct({ action: Schema.String, sessionId: Schema.String, at: Schema.Number })
/** @since 0.1.0 @category models */
export type Action = typeof Action.Type

/** @since 0.1.0 @category constants */
export const SCHEMA_VERSION = 1 as const

/** @since 0.1.0 @category schemas */
export const Profile = Schema.Struct({
  schemaVersion: Schema.Literal(SCHEMA_VERSION),
  userId: Ids.UserId,
  preferences: Schema.Record({ key: Schema.String, value: Preference }),
  /** The latest actions, oldest first (at most `MAX_ACTIONS`). */
  actions: Schema.Array(Action),
  /** How often the user went from one action to another within a session. */
  transitions: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Number }) }),
  updatedAt: Schema.Number
})
/** @since 0.1.0 @category models */
export type Profile = typeof Profile.Type

/** @since 0.1.0 @category models */
export interface Observation {
  readonly key: string
  readonly value: Value
  readonly source: Source
  readonly sessionId: string
  /** Epoch milliseconds. */
  readonly at: number
}

/** @since 0.1.0 @category constants */
export const weights: Readonly<Record<Source, number>> = { stated: 0.6, chosen: 0.3 }

/** @since 0.1.0 @category constants */
export const MAX_ACTIONS = 50

const MAX_SESSIONS = 10

/** @since 0.1.0 @category constants */
export const DEFAULT_HALF_LIFE: Duration.Duration = Duration.days(180)

/** @since 0.1.0 @category constructors */
export const empty = (userId: Ids.UserId, now = 0): Profile => ({
  schemaVersion: SCHEMA_VERSION,
  userId,
  preferences: {},
  actions: [],
  transitions: {},
  updatedAt: now
})

const withSession = (sessions: ReadonlyArray<string>, sessionId: string) =>
  [...sessions.filter((id) => id !== sessionId), sessionId].slice(-MAX_SESSIONS)

const fresh = (observation: Observation): Preference => ({
  value: observation.value,
  confidence: weights[observation.source],
  source: observation.source,
  observations: 1,
  firstSeen: observation.at,
  lastSeen: observation.at,
  sessions: [observation.sessionId]
})

/**
 * The profile with one more piece of evidence, by the learning rule above.
 *
 * @since 0.1.0 @category learning
 */
export const observe = (profile: Profile, observation: Observation): Profile => {
  const current = profile.preferences[observation.key]
  const weight = weights[observation.source]
  let next: Preference
  if (current === undefined) {
    next = fresh(observation)
  } else if (current.value === observation.value) {
    next = {
      ...current,
      confidence: 1 - (1 - current.confidence) * (1 - weight),
      source: current.source === "stated" || observation.source === "stated" ? "stated" : "chosen",
      observations: current.observations + 1,
      lastSeen: Math.max(current.lastSeen, observation.at),
      sessions: withSession(current.sessions, observation.sessionId)
    }
  } else if (observation.source === "stated") {
    next = fresh(observation)
  } else {
    const weakened = current.confidence * (1 - weight)
    next = weakened < weight ? fresh(observation) : { ...current, confidence: weakened }
  }
  return {
    ...profile,
    preferences: { ...profile.preferences, [observation.key]: next },
    updatedAt: Math.max(profile.updatedAt, observation.at)
  }
}

/**
 * The profile with an action the user took (e.g. `"flights"` once a flight is
 * chosen). The step from the same session's previous action is learned.
 *
 * @since 0.1.0 @category learning
 */
export const recordAction = (profile: Profile, action: Action): Profile => {
  const previous = [...profile.actions].reverse().find((earlier) => earlier.sessionId === action.sessionId)
  const transitions = previous === undefined || previous.action === action.action
    ? profile.transitions
    : {
      ...profile.transitions,
      [previous.action]: {
        ...profile.transitions[previous.action],
        [action.action]: (profile.transitions[previous.action]?.[action.action] ?? 0) + 1
      }
    }
  return {
    ...profile,
    actions: [...profile.actions, action].slice(-MAX_ACTIONS),
    transitions,
    updatedAt: Math.max(profile.updatedAt, action.at)
  }
}

/**
 * A preference's confidence at `now`: halved for every `halfLife` since it
 * was last seen.
 *
 * @since 0.1.0 @category accessors
 */
export const confidenceOf = (
  preference: Preference,
  now: number,
  halfLife: Duration.DurationInput = DEFAULT_HALF_LIFE
): number => {
  const age = Math.max(0, now - preference.lastSeen)
  return preference.confidence * Math.pow(0.5, age / Duration.toMillis(Duration.decode(halfLife)))
}

/** @since 0.1.0 @category models */
export interface AnswerOptions {
  /** Below this (recency-discounted) confidence a question is asked again. Default 0.5. */
  readonly minConfidence?: number
  readonly halfLife?: Duration.DurationInput
}

/**
 * The known answer to `key`, when it is held with enough confidence.
 *
 * @since 0.1.0 @category accessors
 */
export const answered = (profile: Profile, key: string, now: number, options: AnswerOptions = {}): Option.Option<Value> => {
  const preference = profile.preferences[key]
  return preference !== undefined && confidenceOf(preference, now, options.halfLife) >= (options.minConfidence ?? 0.5)
    ? Option.some(preference.value)
    : Option.none()
}

/**
 * The questions among `keys` still to ask.
 *
 * @since 0.1.0 @category accessors
 */
export const unanswered = (
  profile: Profile,
  keys: ReadonlyArray<string>,
  now: number,
  options: AnswerOptions = {}
): Array<string> => keys.filter((key) => Option.isNone(answered(profile, key, now, options)))

/**
 * One preference an item may match: `matches(item, preferred)` is asked only
 * when the profile holds a value for `key`.
 *
 * @since 0.1.0 @category personalisation
 */
export interface Criterion<A> {
  readonly key: string
  readonly matches: (item: A, preferred: Value) => boolean
}

/** @since 0.1.0 @category personalisation */
export interface Ranked<A> {
  readonly item: A
  /** The sum of the confidences of the preferences the item matches. */
  readonly score: number
  /** The keys it matches. */
  readonly matched: ReadonlyArray<string>
  /** Its position before ranking. */
  readonly index: number
}

/**
 * `items` best match first; items matching nothing keep their order after
 * those that match (the services' own order, e.g. price, breaks ties).
 *
 * @since 0.1.0 @category personalisation
 */
export const rank = <A>(
  items: ReadonlyArray<A>,
  profile: Profile,
  criteria: ReadonlyArray<Criterion<A>>,
  now: number,
  halfLife?: Duration.DurationInput
): Array<Ranked<A>> =>
  items
    .map((item, index) => {
      let score = 0
      const matched: Array<string> = []
      for (const criterion of criteria) {
        const preference = profile.preferences[criterion.key]
        if (preference === undefined || !criterion.matches(item, preference.value)) continue
        score += confidenceOf(preference, now, halfLife)
        matched.push(criterion.key)
      }
      return { item, score, matched, index }
    })
    .sort((a, b) => b.score - a.score || a.index - b.index)

/** @since 0.1.0 @category suggestions */
export interface SuggestOptions {
  /**
   * The app's own idea of what comes after each action, offered when the
   * profile has not learned otherwise (a travel app: after flights, hotels).
   * Default none: only what the user was seen to do.
   */
  readonly next?: Readonly<Record<string, ReadonlyArray<string>>>
  /** Default 2. */
  readonly limit?: number
}

/**
 * The next actions to offer after `done` (this session's actions, oldest
 * first): after the latest action, what this user most often did next, then
 * the defaults; then the same for the actions before it. What is done
 * already is left out.
 *
 * @since 0.1.0 @category suggestions
 */
export const suggest = (profile: Profile, done: ReadonlyArray<string>, options: SuggestOptions = {}): Array<string> => {
  const next = options.next ?? {}
  const candidates = [...done].reverse().flatMap((action) => [
    ...Object.entries(profile.transitions[action] ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([learned]) => learned),
    ...(next[action] ?? [])
  ])
  const skip = new Set(done)
  return [...new Set(candidates)].filter((action) => !skip.has(action)).slice(0, options.limit ?? 2)
}

// ---------------------------------------------------------------------------
// Storage

/**
 * A stored profile that cannot be read: its record is corrupted, or its
 * state does not decode as a profile. The error names the problem in one
 * line; the next update starts a new profile (see the module's storage).
 *
 * @since 0.1.0 @category errors
 */
export class ProfileUnreadable extends Schema.TaggedError<ProfileUnreadable>("@baton/session/ProfileUnreadable")(
  "ProfileUnreadable",
  { userId: Ids.UserId, reason: Schema.String }
) {
  override get message() {
    return `The preference profile of "${this.userId}" cannot be read: ${this.reason}.`
  }
}

/** @since 0.1.0 @category errors */
export type ProfileError =
  | ProfileUnreadable
  | Errors.SessionConflict
  | Errors.SessionCorrupted
  | Errors.SessionStoreError

/**
 * The reserved session that holds a user's profile.
 *
 * @since 0.1.0 @category constructors
 */
export const sessionIdOf = (userId: Ids.UserId): Ids.SessionId => ReservedSession.make("profile", userId)

/** @since 0.1.0 @category models */
export interface Service {
  /**
   * The user's profile; empty when nothing was learned yet, or when what is
   * stored under its id is not the user's. `ProfileUnreadable` when it
   * cannot be read.
   */
  readonly get: (userId: Ids.UserId) => Effect.Effect<Profile, ProfileError>
  /** Applies `f` to the current profile and stores the result; retried on a concurrent update. */
  readonly update: (userId: Ids.UserId, f: (profile: Profile) => Profile) => Effect.Effect<Profile, ProfileError>
  readonly observe: (userId: Ids.UserId, observations: ReadonlyArray<Observation>) => Effect.Effect<Profile, ProfileError>
  readonly recordAction: (userId: Ids.UserId, action: Action) => Effect.Effect<Profile, ProfileError>
}

/** @since 0.1.0 @category tags */
export class PreferenceProfiles extends Context.Tag("@baton/session/PreferenceProfiles")<PreferenceProfiles, Service>() {}

/** @since 0.1.0 @category models */
export interface Options {
  /** How often an update is applied again after a concurrent one. Default 50. */
  readonly conflictRetries?: number
}

const decodeProfile = Schema.decodeUnknownEither(Profile)
const encodeProfile = Schema.encodeSync(Profile)

// The first problems of a decode, `path: message`: a line a person reads,
// where the tree formatter would print the whole schema.
const problemsOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? "the profile" : issue.path.join(".")}: ${issue.message}`)
    .join("; ")

/** What a read found: the profile, and what an update builds on and replaces. */
interface Found {
  readonly profile: Profile
  /** The user's own readable session holding the profile, when there is one. */
  readonly session: Option.Option<SessionState.SessionState>
  /** The version of the record an update replaces; 0 when there is none. */
  readonly version: number
  /** Why the stored profile cannot be read, when it cannot. */
  readonly unreadable: Option.Option<string>
  /** Whether the record is readable and so kept as a snapshot before it is replaced. */
  readonly keepFirst: boolean
}

const nothing = (userId: Ids.UserId, version: number): Found => ({
  profile: empty(userId),
  session: Option.none(),
  version,
  unreadable: Option.none(),
  keepFirst: false
})

// A session holds the user's profile only when it is held for the user and
// its profile is the user's; anything else under the id is no profile.
const foundIn = (userId: Ids.UserId, stored: SessionState.SessionState): Found => {
  if (stored.userId !== userId) return nothing(userId, stored.version)
  const decoded = decodeProfile(stored.context.state)
  if (decoded._tag === "Left") {
    return {
      ...nothing(userId, stored.version),
      unreadable: Option.some(
        `it does not read as a profile (${problemsOf(decoded.left)}). ` +
          `The next update starts a new profile and keeps this one as a snapshot`
      ),
      keepFirst: true
    }
  }
  if (decoded.right.userId !== userId) return nothing(userId, stored.version)
  return { profile: decoded.right, session: Option.some(stored), version: stored.version, unreadable: Option.none(), keepFirst: false }
}

/**
 * Profiles kept in `store`.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (store: SessionStore.Service, options: Options = {}): Service => {
  const read = (userId: Ids.UserId): Effect.Effect<Found, Errors.SessionStoreError> => {
    const sessionId = sessionIdOf(userId)
    return store.restore(sessionId).pipe(
      Effect.map(Option.match({ onNone: () => nothing(userId, 0), onSome: (stored) => foundIn(userId, stored) })),
      // The store kept the record in quarantine; the next update writes over its tombstone.
      Effect.catchTag("SessionCorrupted", (corrupted) =>
        Effect.map(store.inspect(sessionId), (info) => ({
          ...nothing(userId, Option.match(info, { onNone: () => 0, onSome: (found) => found.version })),
          unreadable: Option.some(
            `its record is corrupted (${corrupted.reason}) and was kept in quarantine. The next update starts a new profile`
          )
        })))
    )
  }

  const update: Service["update"] = (userId, f) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const found = yield* read(userId)
      const sessionId = sessionIdOf(userId)
      const next = f(found.profile)
      if (found.keepFirst) {
        // Gone meanwhile: nothing to keep, and the commit below conflicts.
        yield* store.saveSnapshot(sessionId, "unreadable profile").pipe(Effect.catchTag("SessionNotFound", () => Effect.void))
      }
      const base = Option.getOrElse(
        found.session,
        () => ({ ...SessionState.empty({ sessionId, userId, state: null, now }), version: found.version })
      )
      yield* store.commit({
        state: {
          ...base,
          context: { ...base.context, state: encodeProfile(next) },
          lastActivity: now,
          version: base.version + 1
        },
        expectedVersion: base.version,
        events: []
      }).pipe(Effect.catchTag("LeaseLost", Effect.die))
      return next
    }).pipe(
      Effect.retry({
        // A short jittered pause lets the other writer finish before the re-read.
        schedule: Schedule.jittered(Schedule.spaced("1 millis")),
        times: options.conflictRetries ?? 50,
        while: (error) => error._tag === "SessionConflict"
      }),
      Effect.withSpan("baton.profile.update", { attributes: { userId } })
    )

  return {
    get: (userId) =>
      Effect.flatMap(read(userId), (found) =>
        Option.match(found.unreadable, {
          onNone: () => Effect.succeed(found.profile),
          onSome: (reason) => Effect.fail(new ProfileUnreadable({ userId, reason }))
        })),
    update,
    observe: (userId, observations) => update(userId, (profile) => observations.reduce(observe, profile)),
    recordAction: (userId, action) => update(userId, (profile) => recordAction(profile, action))
  }
}

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<PreferenceProfiles, never, SessionStore.SessionStore> = Layer.effect(
  PreferenceProfiles,
  Effect.map(SessionStore.SessionStore, (store) => make(store))
)
