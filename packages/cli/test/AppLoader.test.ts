import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
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

describe("AppLoader.layer", () => {
  const app = (layer: (options: { readonly transport: string }) => unknown) =>
    ({ name: "Odd", description: "An app whose layer is not one", layer }) as unknown as Parameters<typeof AppLoader.layer>[0]

  it.effect("builds the app's layer for the transport asked for", () =>
    Effect.gen(function*() {
      const asked: Array<string> = []
      const built = yield* AppLoader.layer(app((options) => (asked.push(options.transport), Layer.empty)), "odd.ts", {
        transport: "stdio"
      })
      expect(Layer.isLayer(built)).toBe(true)
      expect(asked).toEqual(["stdio"])
    }))

  it.effect("refuses a `layer` that returns something else, or throws", () =>
    Effect.gen(function*() {
      const other = yield* Effect.flip(AppLoader.layer(app(() => 42), "odd.ts", { transport: "in-process" }))
      expect(other.message).toBe("cannot load the app from odd.ts: its `layer` did not return a Layer")
      const thrown = yield* Effect.flip(AppLoader.layer(app(() => {
        throw new Error("no services here")
      }), "odd.ts", { transport: "http" }))
      expect(thrown.message).toBe("cannot load the app from odd.ts: its `layer` threw: no services here")
    }))
})
