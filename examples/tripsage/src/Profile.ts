/**
 * The traveller's profile in TripSage: agents read it through the
 * `TravelProfile` service in their requirements, and `learning` wraps the
 * conversation so that every turn that went through teaches the profile
 * what the traveller said and chose.
 *
 * Learning happens after the turn's commit, once per acknowledged turn — a
 * turn the runtime re-ran after a concurrent write is not learned twice —
 * and never fails the turn: the profile is a help, not a dependency.
 *
 * @since 0.1.0
 */
import { Conversation, Ids } from "@baton/core"
import { PreferenceProfile } from "@baton/session"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Preferences from "./Preferences.js"
import { TripState } from "./TripState.js"

/** @since 0.1.0 @category models */
export interface Service {
  /** The traveller's profile; empty when it cannot be read (the reason is logged). */
  readonly get: (userId: Ids.UserId) => Effect.Effect<PreferenceProfile.Profile>
}

/** @since 0.1.0 @category tags */
export class TravelProfile extends Context.Tag("@baton/example-tripsage/TravelProfile")<TravelProfile, Service>() {}

/** The traveller's profile, for agents. @since 0.1.0 @category accessors */
export const get = (userId: Ids.UserId): Effect.Effect<PreferenceProfile.Profile, never, TravelProfile> =>
  Effect.flatMap(TravelProfile, (service) => service.get(userId))

/**
 * Profiles kept by `PreferenceProfiles` (in the session store).
 *
 * @since 0.1.0 @category layers
 */
export const layer: Layer.Layer<TravelProfile, never, PreferenceProfile.PreferenceProfiles> = Layer.effect(
  TravelProfile,
  Effect.map(PreferenceProfile.PreferenceProfiles, (profiles) => ({
    get: (userId) =>
      profiles.get(userId).pipe(
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning(`TripSage goes on without the profile: ${error.message}`), PreferenceProfile.empty(userId))
        )
      )
  }))
)

/**
 * A fixed profile for every traveller (tests; an empty one for a first visit).
 *
 * @since 0.1.0 @category layers
 */
export const layerFixed = (profile: (userId: Ids.UserId) => PreferenceProfile.Profile): Layer.Layer<TravelProfile> =>
  Layer.succeed(TravelProfile, { get: (userId) => Effect.succeed(profile(userId)) })

/** @since 0.1.0 @category layers */
export const layerEmpty: Layer.Layer<TravelProfile> = layerFixed((userId) => PreferenceProfile.empty(userId))

const decodeTrip = Schema.decodeUnknownOption(TripState)

const tripOf = (session: Option.Option<{ readonly context: { readonly state: unknown } }>): TripState | undefined =>
  Option.getOrUndefined(Option.flatMap(session, (found) => decodeTrip(found.context.state)))

/**
 * Everything a turn teaches: the preferences and answers in its text
 * (stated), the choices it made (chosen), and the steps it completed.
 *
 * @since 0.1.0 @category learning
 */
export const lessons = (
  text: string,
  before: TripState | undefined,
  after: TripState,
  sessionId: string,
  at: number
): {
  readonly observations: ReadonlyArray<PreferenceProfile.Observation>
  readonly actions: ReadonlyArray<PreferenceProfile.Action>
} => ({
  observations: [
    ...[...Preferences.read(text), ...Preferences.answersIn(text)].map(([key, value]) => ({
      key,
      value,
      source: "stated" as const,
      sessionId,
      at
    })),
    ...Preferences.fromChoices(before, after).map(([key, value]) => ({ key, value, source: "chosen" as const, sessionId, at }))
  ],
  actions: Preferences.actionsOf(before, after).map((action) => ({ action, sessionId, at }))
})

/**
 * The conversation, learning from every turn that went through.
 *
 * @since 0.1.0 @category layers
 */
export const learning: Layer.Layer<
  Conversation.Conversation,
  never,
  Conversation.Conversation | PreferenceProfile.PreferenceProfiles
> = Layer.effect(
  Conversation.Conversation,
  Effect.gen(function*() {
    const inner = yield* Conversation.Conversation
    const profiles = yield* PreferenceProfile.PreferenceProfiles
    const learn = (sessionId: string, userId: string, text: string, before: TripState | undefined) =>
      Effect.gen(function*() {
        const after = tripOf(yield* inner.session(sessionId, userId))
        if (after === undefined) return
        const taught = lessons(text, before, after, sessionId, yield* Clock.currentTimeMillis)
        if (taught.observations.length === 0 && taught.actions.length === 0) return
        yield* profiles.update(Ids.userId(userId), (profile) =>
          taught.actions.reduce(
            PreferenceProfile.recordAction,
            taught.observations.reduce(PreferenceProfile.observe, profile)
          ))
      }).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("TripSage could not update the traveller's profile", cause))
      )
    return {
      ...inner,
      turn: (sessionId, userId, text) =>
        Effect.gen(function*() {
          const before = tripOf(Option.flatten(yield* Effect.option(inner.session(sessionId, userId))))
          const result = yield* inner.turn(sessionId, userId, text)
          yield* learn(sessionId, userId, text, before)
          return result
        })
    }
  })
)
