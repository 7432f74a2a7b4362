import { Ids, Scenario, SessionState, SessionStore } from "@baton/core"
import { SessionManager } from "@baton/session"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as JsonFile from "../src/sessions/JsonFile.js"
import { baton } from "./support.js"

// 200,000 levels: deep enough to end any recursive walk's stack, a few hundred KB of text.
const nested = (levels: number, inner = "0") => "[".repeat(levels) + inner + "]".repeat(levels)

describe("JsonFile.parse", () => {
  it("refuses a value nested 200,000 levels deep with a readable reason instead of overflowing the stack", () => {
    const deep = `{"name":"deep","userId":"u","sessionId":"s","turns":[{"text":"hi","expect":{"agent":${nested(200_000)}}}]}`
    const parsed = JsonFile.parse(Scenario.Scenario, "a valid scenario", "deep.json", deep, { strict: true })
    if (Either.isRight(parsed)) expect.fail("a 200,000-level scenario was accepted")
    expect(parsed.left.message).toMatch(/^deep\.json: it nests more than \d+ levels deep/)
    expect(parsed.left.problems).toEqual([])
  })

  it("refuses a deeply nested session export the same way", () => {
    const parsed = JsonFile.parse(SessionManager.SessionExport, "a Baton session export", "export.json", nested(200_000))
    expect(Either.isLeft(parsed) && parsed.left.message).toMatch(/^export\.json: it nests more than \d+ levels deep/)
  })

  it("still reads a scenario nested as deeply as scenarios are", () => {
    const text = JSON.stringify({ name: "ok", userId: "u", sessionId: "s", turns: [{ text: "hi", expect: { handoffs: ["a->b"] } }] })
    expect(Either.isRight(JsonFile.parse(Scenario.Scenario, "a valid scenario", "ok.json", text))).toBe(true)
  })

  it("says why text that is not JSON was refused", () => {
    const parsed = JsonFile.parse(Scenario.Scenario, "a valid scenario", "cut.json", "{\"name\": \"cut short\", \"turns\": [")
    expect(Either.isLeft(parsed) && parsed.left.message).toMatch(/^cut\.json: it is not valid JSON at .+$/)
  })
})

describe("baton sessions import (spawned)", () => {
  it("exits 2 on an export nested 200,000 levels deep, saying so instead of crashing", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "baton-json-file-"))
    try {
      const file = Path.join(dir, "deep-export.json")
      writeFileSync(file, nested(200_000))
      const { code, stderr, stdout } = await baton(["sessions", "import", file, "--user", "ana"], { timeoutMs: 60_000 })
      expect(stdout).toBe("")
      expect(stderr).toMatch(/^error: .+deep-export\.json: it nests more than \d+ levels deep .+\n$/)
      expect(code).toBe(2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe("JsonFile.parse of a session export", () => {
  it.effect("reads an export of a session nested as deeply as a store keeps, which the scenario bound would refuse", () =>
    Effect.gen(function*() {
      const sessionId = Ids.sessionId("deep-but-kept")
      const userId = Ids.userId("ana")
      // The record (1) holds the context (2) holding the state: a state 98 deep is a record 100 deep.
      const state = JSON.parse("[".repeat(98) + "]".repeat(98))
      const store = SessionStore.makeMemory()
      yield* store.commit({ state: { ...SessionState.empty({ sessionId, userId, state, now: 0 }), version: 1 }, expectedVersion: 0, events: [] })
      const sessions = yield* Effect.provideService(SessionManager.make, SessionStore.SessionStore, store)
      const exported = yield* sessions.exportSession(sessionId, userId)
      expect(Either.isLeft(JsonFile.parse(SessionManager.SessionExport, "a Baton session export", "trip.json", exported))).toBe(true)
      const read = JsonFile.parse(SessionManager.SessionExport, "a Baton session export", "trip.json", exported, {
        maxDepth: SessionManager.EXPORT_MAX_DEPTH
      })
      expect(Either.isRight(read) && read.right.session.sessionId).toBe(sessionId)
    }))
})
