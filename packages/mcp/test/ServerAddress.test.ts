import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { ServerAddress } from "../src/index.js"

describe("ServerAddress.redactUrl", () => {
  it("hides userinfo and secret-looking query values, and keeps the rest as written", () => {
    expect(ServerAddress.redactUrl("http://alice:s3cret@127.0.0.1:7001/mcp")).toBe("http://***@127.0.0.1:7001/mcp")
    expect(ServerAddress.redactUrl("https://ghp_abc@example.com/mcp")).toBe("https://***@example.com/mcp")
    expect(ServerAddress.redactUrl("https://example.com/mcp?key=abc&region=eu&Access_Token=x&X-Amz-Signature=f00"))
      .toBe("https://example.com/mcp?key=***&region=eu&Access_Token=***&X-Amz-Signature=***")
    expect(ServerAddress.redactUrl("https://example.com/mcp?apiKey=1&api-key=2&client_secret=3&password=4&auth=5&sig=6"))
      .toBe("https://example.com/mcp?apiKey=***&api-key=***&client_secret=***&password=***&auth=***&sig=***")
    expect(ServerAddress.redactUrl("https://example.com/mcp#access_token=abc&state=1"))
      .toBe("https://example.com/mcp#access_token=***&state=1")
    expect(ServerAddress.redactUrl("http://127.0.0.1:7001/mcp")).toBe("http://127.0.0.1:7001/mcp")
    expect(ServerAddress.redactUrl("http://localhost:7001/mcp?region=eu&page=2")).toBe("http://localhost:7001/mcp?region=eu&page=2")
  })

  it("hides values and path segments that look like tokens whatever their name", () => {
    expect(ServerAddress.redactUrl("https://example.com/mcp?x=sk-live-4f9a8b7c6d5e4f3a2b1c")).toBe("https://example.com/mcp?x=***")
    expect(ServerAddress.redactUrl("https://actions.example.com/mcp/sk-ak-4f9a8b7c6d5e4f3a2b1c/sse"))
      .toBe("https://actions.example.com/mcp/***/sse")
  })

  it("never shows a secret placed in the userinfo or in a secret-named parameter (property)", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{8,24}$/)
    const name = fc.constantFrom("key", "token", "secret", "password", "auth", "api_key", "access_token", "sig", "X-Api-Key", "Signature")
    const path = fc.stringMatching(/^(\/[a-z]{1,8}){0,3}$/)
    fc.assert(fc.property(secret, secret, name, path, fc.boolean(), (user, password, parameter, at, encode) => {
      const userinfo = encode ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : `${user}:${password}`
      const shown = ServerAddress.redactUrl(`https://${userinfo}@mcp.example.com:8443${at}?region=eu&${parameter}=${password}`)
      expect(shown).not.toContain(user)
      expect(shown).not.toContain(password)
      expect(shown).toBe(`https://***@mcp.example.com:8443${at}?region=eu&${parameter}=***`)
    }))
  })
})

describe("ServerAddress.redactText", () => {
  it("redacts every URL in a message and leaves the words around them", () => {
    expect(ServerAddress.redactText(
      "Request cannot be constructed from a URL that includes credentials: http://bob:hunter2@127.0.0.1:9/mcp?token=t0k (redirected to https://x.example/login?code=abc)"
    )).toBe(
      "Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:9/mcp?token=*** (redirected to https://x.example/login?code=***)"
    )
    expect(ServerAddress.redactText("fetch failed (ECONNREFUSED)")).toBe("fetch failed (ECONNREFUSED)")
  })
})

describe("ServerAddress.redactArgs", () => {
  it("masks the values of secret-looking options, URLs and token-like arguments, and keeps the others", () => {
    expect(ServerAddress.redactArgs([
      "-y",
      "@modelcontextprotocol/server-github",
      "--token=ghp_abc",
      "--api-key",
      "k-123",
      "--port",
      "7001",
      "API_KEY=xyz",
      "--url",
      "https://u:p@example.com/mcp",
      "ghp_4f9a8b7c6d5e4f3a2b1c0d9e"
    ])).toEqual([
      "-y",
      "@modelcontextprotocol/server-github",
      "--token=***",
      "--api-key",
      "***",
      "--port",
      "7001",
      "API_KEY=***",
      "--url",
      "https://***@example.com/mcp",
      "***"
    ])
  })
})

describe("ServerAddress.describe", () => {
  it("shows where a server is: its redacted URLs, or its command line without env values", () => {
    expect(ServerAddress.describe({ url: "http://a:b@127.0.0.1:1/mcp?key=k" })).toBe("http://***@127.0.0.1:1/mcp?key=***")
    expect(ServerAddress.describe({ url: "http://127.0.0.1:1/mcp", instances: ["http://127.0.0.1:1/mcp", "http://127.0.0.1:2/mcp"] }))
      .toBe("http://127.0.0.1:1/mcp, http://127.0.0.1:2/mcp")
    expect(ServerAddress.describe({ command: "npx", args: ["-y", "server", "--token", "t"], env: { API_KEY: "v4lue", DEBUG: "1" } }))
      .toBe("npx -y server --token *** (env: API_KEY, DEBUG)")
    expect(ServerAddress.describe({ inMemory: () => Promise.reject(new Error("unused")) })).toBe("in memory")
  })
})
