import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as AppLoader from "../src/AppLoader.js"

const scratch = () => mkdtempSync(Path.join(tmpdir(), "baton-cli-"))

describe("AppLoader.resolve", () => {
  it.effect("prefers --app, relative to the working directory", () =>
    Effect.gen(function*() {
      expect(yield* AppLoader.resolve({ cwd: "/repo", app: "apps/mine.ts" })).toBe("/repo/apps/mine.ts")
    }))

  it.effect("reads \"app\" from baton.config.json, relative to the config file", () =>
    Effect.gen(function*() {
      const dir = scratch()
      writeFileSync(Path.join(dir, "baton.config.json"), JSON.stringify({ app: "src/app.ts", mcpServers: {} }))
      expect(yield* AppLoader.resolve({ cwd: dir })).toBe(Path.join(dir, "src/app.ts"))
      expect(yield* AppLoader.resolve({ cwd: "/elsewhere", config: Path.join(dir, "baton.config.json") })).toBe(
        Path.join(dir, "src/app.ts")
      )
    }))

  it.effect("falls back to the TripSage example without a config file", () =>
    Effect.gen(function*() {
      const dir = scratch()
      expect(yield* AppLoader.resolve({ cwd: dir })).toBe(Path.join(dir, AppLoader.DEFAULT_APP))
    }))

  it.effect("fails with a readable reason on a malformed config", () =>
    Effect.gen(function*() {
      const dir = scratch()
      writeFileSync(Path.join(dir, "baton.config.json"), JSON.stringify({ app: 42 }))
      const error = yield* Effect.flip(AppLoader.resolve({ cwd: dir }))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("is not a valid Baton config")
    }))
})

describe("AppLoader.load", () => {
  const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))

  it.effect("loads a module's `app` export", () =>
    Effect.gen(function*() {
      const app = yield* AppLoader.load(fixture("misjudgedApp.ts"))
      expect(app.name).toBe("Misjudged")
    }))

  it.effect("refuses a module without an `app` export", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AppLoader.load(fixture("noAppExport.ts")))
      expect(error.message).toMatch(/noAppExport\.ts: the module has no `app` export$/)
    }))

  it.effect("refuses an `app` export that is not a Baton app, saying what is missing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AppLoader.load(fixture("notAnApp.ts")))
      expect(error.message).toContain("its `app` export is not a Baton app")
      expect(error.message).toContain("[\"layer\"]")
    }))
})
