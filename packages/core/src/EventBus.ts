/**
 * The live event stream. Publishing never blocks a turn: a slow subscriber
 * loses the oldest events beyond its buffer rather than slowing everyone.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { BatonEvent } from "./BatonEvent.js"

/** @since 0.1.0 @category tags */
export class EventBus extends Context.Tag("@baton/core/EventBus")<
  EventBus,
  {
    readonly publish: (event: BatonEvent) => Effect.Effect<void>
    readonly subscribe: Effect.Effect<Stream.Stream<BatonEvent>, never, Scope.Scope>
  }
>() {}

/** @since 0.1.0 @category layers */
export const layer = (options?: { readonly bufferPerSubscriber?: number }): Layer.Layer<EventBus> =>
  Layer.scoped(
    EventBus,
    Effect.gen(function*() {
      const hub = yield* Effect.acquireRelease(
        PubSub.sliding<BatonEvent>(options?.bufferPerSubscriber ?? 4096),
        PubSub.shutdown
      )
      // Most processes have no live subscriber most of the time; counting
      // them lets a publish with nobody listening cost nothing.
      let subscribers = 0
      return {
        publish: (event) => (subscribers === 0 ? Effect.void : Effect.asVoid(PubSub.publish(hub, event))),
        subscribe: Effect.acquireRelease(
          Effect.map(PubSub.subscribe(hub), (queue) => {
            subscribers++
            return Stream.fromQueue(queue)
          }),
          () => Effect.sync(() => void subscribers--)
        )
      }
    })
  )

/**
 * Publish when an `EventBus` is provided; otherwise do nothing.
 *
 * @since 0.1.0 @category accessors
 */
export const publish = (event: BatonEvent): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(EventBus), (bus) => bus._tag === "None" ? Effect.void : bus.value.publish(event))
