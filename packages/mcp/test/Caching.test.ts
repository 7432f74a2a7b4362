/**
 * The gateway's cache across services: a lifetime per tool, dependency tags
 * (a reservation invalidates the cached availability of its offer), hot keys
 * warmed at start and after invalidation, and invalidation shared through an
 * `InvalidationBus` (in memory, and over a real Redis server). Upstream
 * calls are counted by the testkit's flights mock; lifetimes follow the
 * `TestClock`.
 */
import { EventBus, InvalidationBus, ToolGateway } from "@baton/core"
import { InvalidationBus as RedisBus } from "@baton/session"
import { MockServer, MockServices } from "@baton/testkit"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as RedisServer from "../../session/test/support/RedisServer.js"
import { type McpConfig, McpGateway } from "../src/index.js"
import { captureEvents, eventually, repoRoot } from "./helpers.js"

afterAll(() => RedisServer.disposeAll())

const search = { origin: "LHR", destination: "JFK", departure_date: "2026-06-01", adults: 2 }
const passengers = [
  { given_name: "Ada", family_name: "Lovelace", type: "adult" },
  { given_name: "Charles", family_name: "Babbage", type: "adult" }
]

/** Availability cached for 1 s (searches for a minute); reserve and cancel invalidate their offer's. */
const flightTools: McpConfig.ServerOptions["tools"] = {
  search_flights: { cacheTtlMs: 60_000 },
  check_availability: { cacheTtlMs: 1_000, tags: ["availability:{offer_id}"] },
  reserve: { invalidates: ["availability:{offer_id}"] },
  cancel_reservation: { invalidates: ["availability:{result.reservation.offer_id}"] }
}

type Flights = MockServer.MockServer<unknown>
type Gateway = Context.Tag.Service<ToolGateway.ToolGateway>

const flightsMock = MockServer.make(MockServices.flights, { seed: 3 }) as Effect.Effect<Flights, never, never>

const entry = (mock: Flights, options: McpConfig.ServerOptions = {}): McpConfig.InMemoryServer =>
  ({ ...options, inMemory: () => Effect.runPromise(mock.connect) })

/** A gateway over the mock, kept for the rest of the test's scope. */
const gatewayOver = (
  mock: Flights,
  options: McpConfig.ServerOptions,
  bus?: Layer.Layer<InvalidationBus.InvalidationBus>
) => {
  const gateway = McpGateway.layer({ mcpServers: { flights: entry(mock, options) } })
  return Effect.map(
    Layer.build(bus === undefined ? gateway : Layer.provide(gateway, bus)),
    Context.get(ToolGateway.ToolGateway)
  )
}

const callsTo = (mock: Flights, tool: string) => Effect.map(mock.stats, (stats) => stats.tools[tool]?.calls ?? 0)

const availability = (gateway: Gateway, offerId: string) =>
  Effect.map(
    gateway.invoke({ service: "flights", tool: "check_availability", args: { offer_id: offerId } }),
    (answer) => (answer as { readonly seats_left: number }).seats_left
  )

const reserve = (gateway: Gateway, offerId: string, key: string) =>
  Effect.map(
    gateway.invoke({
      service: "flights",
      tool: "reserve",
      args: { offer_id: offerId, passengers, idempotency_key: key },
      idempotencyKey: key
    }),
    (answer) => (answer as { readonly reservation: { readonly id: string } }).reservation.id
  )

/** Two offers' ids, found through a throwaway gateway (offer ids encode their query, so they stay valid). */
const twoOffers = (mock: Flights) =>
  Effect.scoped(Effect.gen(function*() {
    const gateway = yield* gatewayOver(mock, {})
    const found = yield* gateway.invoke({ service: "flights", tool: "search_flights", args: search })
    const offers = (found as { readonly offers: ReadonlyArray<{ readonly id: string }> }).offers
    return [offers[0]!.id, offers[1]!.id] as const
  }))

const workerScript = fileURLToPath(new URL("./fixtures/cacheWorker.ts", import.meta.url))

/**
 * A second process with its own gateway, mock and Redis connections
 * (`fixtures/cacheWorker.ts`), ready once its hot key is warm; `ask` sends
 * one command and waits for its answer line. Killed with the scope.
 */
const cacheWorker = (url: string, offer: string) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly ask: (command: string) => Promise<string>; readonly kill: () => void }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", workerScript, url, offer], {
          cwd: repoRoot,
          stdio: ["pipe", "pipe", "inherit"]
        })
        const waiting: Array<(line: string) => void> = []
        const kill = () => void child.kill("SIGKILL")
        const timer = setTimeout(() => {
          kill()
          reject(new Error("the cache worker was not ready within 90 s"))
        }, 90_000)
        child.once("exit", (code) => reject(new Error(`the cache worker exited with ${code}`)))
        createInterface({ input: child.stdout! }).on("line", (line) => {
          if (line === "ready") {
            clearTimeout(timer)
            resolve({
              ask: (command) =>
                new Promise((answer) => {
                  waiting.push(answer)
                  child.stdin!.write(`${command}\n`)
                }),
              kill
            })
          } else waiting.shift()?.(line)
        })
      })
    ),
    (worker) => Effect.sync(worker.kill)
  )

/** Waits (real time, bounded) until the mock has seen `count` calls of `tool`. */
const callsReach = (mock: Flights, tool: string, count: number) =>
  eventually(Effect.filterOrFail(callsTo(mock, tool), (calls) => calls === count, (calls) => `${tool}: ${calls} calls`))

describe("McpGateway cache", () => {
  it.scoped("keeps each tool's results for the tool's own lifetime (TestClock)", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      const gateway = yield* gatewayOver(mock, { tools: flightTools })
      const searchBefore = yield* callsTo(mock, "search_flights")
      const find = gateway.invoke({ service: "flights", tool: "search_flights", args: search })
      yield* find
      yield* find
      yield* availability(gateway, offer)
      yield* availability(gateway, offer)
      expect(yield* callsTo(mock, "check_availability")).toBe(1)
      expect(yield* callsTo(mock, "search_flights")).toBe(searchBefore + 1)
      yield* TestClock.adjust("1 second")
      yield* availability(gateway, offer)
      yield* find
      // Availability expired after its 1 s; the search lives for a minute.
      expect(yield* callsTo(mock, "check_availability")).toBe(2)
      expect(yield* callsTo(mock, "search_flights")).toBe(searchBefore + 1)
    }))

  it.scoped("a reservation invalidates the cached availability of its offer, and a cancellation too", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer, other] = yield* twoOffers(mock)
      const gateway = yield* gatewayOver(mock, { tools: flightTools })
      const seats = yield* availability(gateway, offer)
      yield* availability(gateway, other)
      expect(yield* callsTo(mock, "check_availability")).toBe(2)

      const reservation = yield* reserve(gateway, offer, "cache-test-reserve-1")
      expect(yield* availability(gateway, offer)).toBe(seats - 2)
      expect(yield* callsTo(mock, "check_availability")).toBe(3)
      // The other offer's availability was not touched.
      yield* availability(gateway, other)
      expect(yield* callsTo(mock, "check_availability")).toBe(3)

      // The cancellation names only the reservation: its tag comes from the result.
      yield* gateway.invoke({ service: "flights", tool: "cancel_reservation", args: { reservation_id: reservation } })
      expect(yield* availability(gateway, offer)).toBe(seats)
      expect(yield* callsTo(mock, "check_availability")).toBe(4)
    }))

  it.scoped("a failed reservation invalidates nothing", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      const gateway = yield* gatewayOver(mock, { tools: flightTools })
      yield* availability(gateway, offer)
      const tooFew = gateway.invoke({
        service: "flights",
        tool: "reserve",
        args: { offer_id: offer, passengers: passengers.slice(0, 1), idempotency_key: "cache-test-refused" }
      })
      expect((yield* Effect.flip(tooFew))._tag).toBe("ToolResultError")
      yield* availability(gateway, offer)
      expect(yield* callsTo(mock, "check_availability")).toBe(1)
    }))

  it.scopedLive("warms hot keys at start and again after they are invalidated", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      const tools = {
        ...flightTools,
        check_availability: { cacheTtlMs: 60_000, tags: ["availability:{offer_id}"], warm: [{ offer_id: offer }] }
      }
      const gateway = yield* gatewayOver(mock, { tools })
      // Warmed without anyone asking.
      yield* callsReach(mock, "check_availability", 1)
      const seats = yield* availability(gateway, offer)
      expect(yield* callsTo(mock, "check_availability")).toBe(1)

      yield* reserve(gateway, offer, "cache-test-warm-1")
      // The reservation dropped the entry; warming fetched it again, with the new count.
      yield* callsReach(mock, "check_availability", 2)
      expect(yield* availability(gateway, offer)).toBe(seats - 2)
      expect(yield* callsTo(mock, "check_availability")).toBe(2)
    }))

  it.scopedLive("reports cache hits as cached ToolCalled events", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      yield* Effect.provide(
        Effect.gen(function*() {
          const events = yield* captureEvents
          const gateway = yield* ToolGateway.ToolGateway
          yield* availability(gateway, offer)
          yield* availability(gateway, offer)
          const outcomes = yield* eventually(Effect.filterOrFail(
            Effect.sync(() =>
              events.flatMap((event) =>
                event._tag === "ToolCalled" && event.tool === "check_availability" ? [event.outcome] : []
              )
            ),
            (found) => found.length === 2,
            () => "not yet"
          ))
          expect(outcomes).toEqual(["ok", "cached"])
        }),
        Layer.merge(McpGateway.layer({ mcpServers: { flights: entry(mock, { tools: flightTools }) } }), EventBus.layer())
      )
    }))

  // Long enough that only an invalidation can make `one` ask the service again.
  const longLived = { ...flightTools, check_availability: { cacheTtlMs: 600_000, tags: ["availability:{offer_id}"] } }

  /** Gateway `one` caches an offer's availability; a reservation through `two` must drop it. */
  const sharedInvalidation = (one: Gateway, two: Gateway, mock: Flights, offer: string, key: string) =>
    Effect.gen(function*() {
      yield* availability(one, offer)
      yield* availability(one, offer)
      const before = yield* callsTo(mock, "check_availability")
      yield* reserve(two, offer, key)
      // The hint travels asynchronously: ask `one` until it goes back to the service.
      yield* eventually(Effect.filterOrFail(
        Effect.zipRight(availability(one, offer), callsTo(mock, "check_availability")),
        (calls) => calls === before + 1,
        () => "still cached"
      ))
    })

  it.scopedLive("shares invalidation between gateways through an in-memory InvalidationBus", () =>
    Effect.gen(function*() {
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      const shared = Layer.succeedContext(yield* Layer.build(InvalidationBus.layerMemory))
      const one = yield* gatewayOver(mock, { tools: longLived }, shared)
      const two = yield* gatewayOver(mock, { tools: longLived }, shared)
      yield* sharedInvalidation(one, two, mock, offer, "cache-test-bus-1")
    }))

  it.scopedLive("shares invalidation between gateways with their own Redis connections", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(() => RedisServer.start()), (s) =>
        Effect.promise(() => s.dispose()))
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      // Two builds of the layer: two publisher and two subscriber connections, as two processes have.
      const redisBus = RedisBus.layerRedis({ url: server.url, keyPrefix: "cache-test" }).pipe(Layer.orDie)
      const one = yield* gatewayOver(mock, { tools: longLived }, redisBus)
      const two = yield* gatewayOver(mock, { tools: longLived }, redisBus)
      yield* sharedInvalidation(one, two, mock, offer, "cache-test-redis-1")
    }))

  it.scopedLive("a reservation in this process invalidates, and re-warms, another process's cache over Redis", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(() => RedisServer.start()), (s) =>
        Effect.promise(() => s.dispose()))
      const mock = yield* flightsMock
      const [offer] = yield* twoOffers(mock)
      const worker = yield* cacheWorker(server.url, offer)
      const ask = (command: string) => Effect.promise(() => worker.ask(command))
      // Warm at start, and served from the cache afterwards.
      expect(yield* ask("check")).toMatch(/^seats \d+$/)
      expect(yield* ask("calls")).toBe("calls 1")

      const redisBus = RedisBus.layerRedis({ url: server.url, keyPrefix: "cache-worker" }).pipe(Layer.orDie)
      const here = yield* gatewayOver(mock, { tools: flightTools }, redisBus)
      yield* reserve(here, offer, "cache-test-process-1")
      // The worker drops its entry on the hint and fetches the hot key again, unasked.
      yield* eventually(Effect.filterOrFail(ask("calls"), (answer) => answer === "calls 2", (answer) => answer))
      yield* ask("check")
      expect(yield* ask("calls")).toBe("calls 2")
    }))
})
