/**
 * The store options' Redis side: one server or a cluster (a
 * `redis+cluster://` URL, or `--redis-node`s with the password from the
 * environment), described without secrets, and refused with a one-line
 * reason when they cannot name a Redis.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import type { Io } from "../src/Io.js"
import * as StoreOptions from "../src/StoreOptions.js"

const io = (env: Readonly<Record<string, string>> = {}): Io => ({
  write: () => {},
  writeError: () => {},
  cwd: "/work",
  env,
  isTTY: false,
  columns: undefined
})

describe("StoreOptions (Redis)", () => {
  it("describes one server and a cluster by their hosts, never their password", () => {
    expect(StoreOptions.describe(io(), { store: "redis", redisUrl: "redis://:s3cret@10.0.0.5:6380" })).toBe("redis 10.0.0.5:6380")
    expect(StoreOptions.describe(io({ BATON_REDIS_URL: "redis+cluster://:s3cret@10.0.0.5:7000,10.0.0.6:7001" }), { store: "redis" }))
      .toBe("redis cluster 10.0.0.5:7000,10.0.0.6:7001")
    expect(StoreOptions.describe(io({ BATON_REDIS_PASSWORD: "s3cret" }), { store: "redis", redisNode: ["10.0.0.5:7000", "10.0.0.6:7001"] }))
      .toBe("redis cluster 10.0.0.5:7000,10.0.0.6:7001")
  })

  it("a URL that names no Redis is described, not thrown on, and is a usage problem that does not quote it", () => {
    const options = { store: "redis", redisUrl: "s3cret-not-a-url" } as const
    expect(StoreOptions.describe(io(), options)).toBe("redis (an unreadable URL)")
    const problem = StoreOptions.problem(io(), options)
    expect(problem).toBe("the Redis URL is neither redis://[:password@]host:port nor redis+cluster://[:password@]host:port,host:port")
    expect(StoreOptions.problem(io({ BATON_REDIS_URL: "http://s3cret@example.com" }), { store: "redis" })).toContain(
      "the Redis URL in BATON_REDIS_URL is neither"
    )
    expect(StoreOptions.problem(io(), { store: "redis", redisUrl: "redis://127.0.0.1:6379" })).toBeUndefined()
    expect(StoreOptions.problem(io(), { store: "redis" })).toBeUndefined()
  })

  it("has no Redis problem to report for another store, whatever BATON_REDIS_URL holds", () => {
    const env = io({ BATON_REDIS_URL: "not a url" })
    expect(StoreOptions.problem(env, { store: "sqlite" })).toBeUndefined()
    expect(StoreOptions.problem(env, { store: "memory" })).toBeUndefined()
  })

  it("--redis-node makes a cluster URL whose password comes from BATON_REDIS_PASSWORD", () => {
    const nodes = { store: "redis", redisNode: ["127.0.0.1:7000", "[::1]:7001"] } as const
    expect(Redacted.value(StoreOptions.redisUrl(io({ BATON_REDIS_PASSWORD: "p@ss word" }), nodes))).toBe(
      "redis+cluster://:p%40ss%20word@127.0.0.1:7000,[::1]:7001"
    )
    expect(Redacted.value(StoreOptions.redisUrl(io(), nodes))).toBe("redis+cluster://127.0.0.1:7000,[::1]:7001")
    // The nodes win over a URL in the environment.
    expect(Redacted.value(StoreOptions.redisUrl(io({ BATON_REDIS_URL: "redis://10.0.0.1:6379" }), nodes))).toBe(
      "redis+cluster://127.0.0.1:7000,[::1]:7001"
    )
    expect(StoreOptions.problem(io(), nodes)).toBeUndefined()
  })

  it("refuses nodes that are not host:port, and a URL given with nodes", () => {
    expect(StoreOptions.problem(io(), { store: "redis", redisNode: ["127.0.0.1"] })).toBe(
      '--redis-node must be host:port (a node of a Redis Cluster), got "127.0.0.1"'
    )
    expect(StoreOptions.problem(io(), { store: "redis", redisNode: ["127.0.0.1:99999"] })).toContain("must be host:port")
    expect(StoreOptions.problem(io(), { store: "redis", redisNode: [":s3cret@127.0.0.1:7000"] })).toBe(
      '--redis-node must be host:port (a node of a Redis Cluster), got "…@…"'
    )
    expect(StoreOptions.problem(io(), { store: "redis", redisUrl: "redis://127.0.0.1:6379", redisNode: ["127.0.0.1:7000"] }))
      .toBe("give a Redis Cluster either as --redis-url redis+cluster://host:port,… or as --redis-node host:port, not both")
  })
})
