import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fallback from "../src/Fallback.js"
import type { TransportClosed } from "../src/ToolGateway.js"
import { badArguments, ofTag, transportClosed, withEvents } from "./policyKit.js"

const isTransportClosed = (error: unknown): error is TransportClosed =>
  (error as { _tag?: string })._tag === "TransportClosed"

describe("Fallback", () => {
  it.effect("answers for a selected failure and says so with an event", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const cached = Fallback.make({
          service: "weather",
          when: isTransportClosed,
          fallback: () => Effect.succeed({ tempC: 20, stale: true })
        })
        const call: Effect.Effect<{ tempC: number; stale: boolean }, TransportClosed | typeof badArguments> = Effect
          .fail(transportClosed)
        // The refinement removes TransportClosed from the error channel.
        const answered: Effect.Effect<{ tempC: number; stale: boolean }, typeof badArguments> = cached(call)
        expect(yield* answered).toEqual({ tempC: 20, stale: true })
        expect(ofTag(events, "FallbackUsed")).toEqual([
          {
            _tag: "FallbackUsed",
            at: 0,
            service: "weather",
            error: `Connection to service "flights" closed: socket hang up`
          }
        ])
      })
    ))

  it.effect("lets other failures and successes through untouched", () =>
    withEvents((events) =>
      Effect.gen(function*() {
        const cached = Fallback.make({
          service: "weather",
          when: isTransportClosed,
          fallback: () => Effect.succeed("cached")
        })
        expect(yield* Effect.flip(cached(Effect.fail(badArguments)))).toBe(badArguments)
        expect(yield* cached(Effect.succeed("fresh"))).toBe("fresh")
        expect(events).toEqual([])
      })
    ))

  it.effect("without a selector it answers for every typed failure, with the error at hand", () =>
    Effect.gen(function*() {
      const partial = Fallback.make({
        service: "activities",
        fallback: (error: unknown) => Effect.succeed({ items: [], note: `partial: ${(error as Error).message}` })
      })
      expect(yield* partial(Effect.fail(transportClosed))).toEqual({
        items: [],
        note: `partial: Connection to service "flights" closed: socket hang up`
      })
    }))
})
