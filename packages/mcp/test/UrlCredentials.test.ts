/**
 * A server URL may carry credentials (`user:password@`, `?api_key=…`): they
 * reach the server, as HTTP Basic authorization for the userinfo, and
 * nothing Baton shows — status, events, logs, errors — repeats them.
 */
import { EventBus, ToolGateway } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpConnection, McpGateway, McpServices } from "../src/index.js"
import { startHttp } from "./fixtures/http.js"
import { captureEvents, eventually } from "./helpers.js"

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

// A password with characters that must be percent-encoded in a URL.
const password = "p@ss:w/rd-9f8e7d"
const encoded = encodeURIComponent(password)
const apiKey = "KEY-0a1b2c3d"
const secrets = ["alice", password, encoded, apiKey]

const fixture = (authorization?: string) =>
  Effect.acquireRelease(
    Effect.promise(() => startHttp({ label: "auth", ...(authorization === undefined ? {} : { authorization }) })),
    (server) => Effect.promise(server.close)
  )

const withCredentials = (url: string, user = "alice", secret = encoded) =>
  url.replace("http://", `http://${user}:${secret}@`) + `?api_key=${apiKey}`

/** Log lines the gateway writes while `effect` runs. */
const logged = (lines: Array<string>) =>
  Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void lines.push(String(message))))

const expectNoSecret = (shown: unknown) => {
  const text = typeof shown === "string" ? shown : JSON.stringify(shown)
  for (const secret of secrets) expect(text).not.toContain(secret)
}

describe("credentials in a server URL", () => {
  it.scopedLive("userinfo is sent as Basic authorization, and the URL is shown without it or the api_key", () =>
    Effect.gen(function*() {
      const server = yield* fixture(basic("alice", password))
      const url = withCredentials(server.url)
      const lines: Array<string> = []
      yield* Effect.provide(
        Effect.gen(function*() {
          const events = yield* captureEvents
          const gateway = yield* ToolGateway.ToolGateway
          expect(yield* gateway.invoke({ service: "secure", tool: "echo", args: { text: "hi" } })).toEqual({ text: "hi" })
          const [status] = yield* Effect.flatMap(McpServices.McpServices, (services) => services.status)
          expect(status!.instances.map((instance) => [instance.id, instance.connected])).toEqual([
            [`http://***@127.0.0.1:${server.port}/mcp?api_key=***`, true]
          ])
          const called = yield* eventually(Effect.filterOrFail(
            Effect.sync(() => events.filter((event) => event._tag === "ToolCalled")),
            (found) => found.length === 1,
            () => "no ToolCalled yet"
          ))
          expectNoSecret(called)
          expectNoSecret(status)
        }),
        Layer.merge(McpGateway.layer({ mcpServers: { secure: { url } } }), EventBus.layer()).pipe(
          Layer.provide(logged(lines))
        )
      )
      expectNoSecret(lines)
    }))

  it.scopedLive("an Authorization header from the config wins over the URL's userinfo", () =>
    Effect.gen(function*() {
      const server = yield* fixture(basic("alice", password))
      const url = withCredentials(server.url, "mallory", "wrong")
      const echoed = yield* Effect.provide(
        Effect.flatMap(ToolGateway.ToolGateway, (gateway) => gateway.invoke({ service: "secure", tool: "echo", args: { text: "hi" } })),
        McpGateway.layer({ mcpServers: { secure: { url, headers: { authorization: basic("alice", password) } } } })
      )
      expect(echoed).toEqual({ text: "hi" })
    }))

  it.scopedLive("a refused or unreachable URL is reported, logged and listed without its credentials", () =>
    Effect.gen(function*() {
      const refusing = yield* fixture(basic("bob", "other"))
      const closed = yield* Effect.promise(() => startHttp({ label: "gone" }))
      yield* Effect.promise(closed.close)
      const lines: Array<string> = []
      const statuses = yield* Effect.provide(
        Effect.flatMap(McpServices.McpServices, (services) => services.status),
        McpGateway.layer(
          { mcpServers: { refused: { url: withCredentials(refusing.url) }, down: { url: withCredentials(closed.url) } } },
          { connectTimeoutMs: 10_000 }
        ).pipe(Layer.provide(logged(lines)))
      )
      const instances = statuses.flatMap((status) => status.instances)
      expect(instances.map((instance) => instance.connected)).toEqual([false, false])
      expect(instances.every((instance) => (instance.lastError ?? "").length > 0)).toBe(true)
      expect(lines.some((line) => line.includes(`http://***@127.0.0.1:${closed.port}/mcp?api_key=***`))).toBe(true)
      expectNoSecret(statuses)
      expectNoSecret(lines)
    }))

  it("an endpoint carries the URL without userinfo, the userinfo as a header, and a shown id", () => {
    const [endpoint] = McpConnection.endpoints("secure", { url: withCredentials("http://127.0.0.1:9/mcp") })
    expect(endpoint).toEqual({
      _tag: "Http",
      id: "http://***@127.0.0.1:9/mcp?api_key=***",
      url: `http://127.0.0.1:9/mcp?api_key=${apiKey}`,
      headers: { Authorization: basic("alice", password) }
    })
  })

  it("two URLs that differ only in their credentials are two instances with two ids", () => {
    const ids = McpConnection.endpoints("pair", {
      url: "http://a:1@127.0.0.1:9/mcp",
      instances: ["http://a:1@127.0.0.1:9/mcp", "http://b:2@127.0.0.1:9/mcp"]
    }).map((endpoint) => endpoint.id)
    expect(ids).toEqual(["http://***@127.0.0.1:9/mcp", "http://***@127.0.0.1:9/mcp#1"])
  })
})
