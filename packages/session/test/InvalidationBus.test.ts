import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidationBus } from "../src/index.js"

describe("InvalidationBus", () => {
  it.scoped("delivers every published hint to every subscriber (memory)", () =>
    Effect.gen(function*() {
      const bus = yield* InvalidationBus.InvalidationBus
      const one = yield* bus.subscribe
      const two = yield* bus.subscribe
      yield* bus.publish(InvalidationBus.sessionTag("s-1"))
      yield* bus.publish("prefs:u-1")
      expect(Chunk.toArray(yield* Stream.runCollect(Stream.take(one, 2)))).toEqual(["session:s-1", "prefs:u-1"])
      expect(Chunk.toArray(yield* Stream.runCollect(Stream.take(two, 2)))).toEqual(["session:s-1", "prefs:u-1"])
    }).pipe(Effect.provide(InvalidationBus.layerMemory)))
})
