import { InvalidationBus as CoreBus } from "@baton/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { InvalidationBus } from "../src/index.js"
import * as RedisServer from "./support/RedisServer.js"

afterAll(() => RedisServer.disposeAll())

const collect = (stream: Stream.Stream<string>, n: number) =>
  Effect.map(Stream.runCollect(Stream.take(stream, n)), Chunk.toArray)

describe("InvalidationBus", () => {
  it("is core's port", () => {
    expect(InvalidationBus.InvalidationBus).toBe(CoreBus.InvalidationBus)
    expect(InvalidationBus.layerMemory).toBe(CoreBus.layerMemory)
  })

  it.scoped("delivers every published hint to every subscriber (memory)", () =>
    Effect.gen(function*() {
      const bus = yield* InvalidationBus.InvalidationBus
      const one = yield* bus.subscribe
      const two = yield* bus.subscribe
      yield* bus.publish(InvalidationBus.sessionTag("s-1"))
      yield* bus.publish("prefs:u-1")
      expect(yield* collect(one, 2)).toEqual(["session:s-1", "prefs:u-1"])
      expect(yield* collect(two, 2)).toEqual(["session:s-1", "prefs:u-1"])
    }).pipe(Effect.provide(InvalidationBus.layerMemory)))

  it.scoped("carries hints between buses with their own Redis connections", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(() => RedisServer.start()), (s) =>
        Effect.promise(() => s.dispose()))
      const layer = InvalidationBus.layerRedis({ url: server.url, keyPrefix: "bus-test" })
      // Each build opens its own publisher and subscriber connections, as another process would.
      const build = Effect.map(Layer.build(layer), Context.get(InvalidationBus.InvalidationBus))
      const first = yield* build
      const second = yield* build
      const seenBySecond = yield* second.subscribe
      const seenByFirst = yield* first.subscribe
      yield* first.publish("availability:off_1")
      yield* second.publish("availability:off_2")
      expect(yield* collect(seenBySecond, 2)).toEqual(["availability:off_1", "availability:off_2"])
      expect(yield* collect(seenByFirst, 2)).toEqual(["availability:off_1", "availability:off_2"])
    }))
})
