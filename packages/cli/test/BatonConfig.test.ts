import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as BatonConfig from "../src/BatonConfig.js"
import { writeConfig } from "./support.js"

describe("BatonConfig.load", () => {
  it.effect("refuses a file nested 200,000 levels deep with a ConfigError naming it, instead of throwing", () =>
    Effect.gen(function*() {
      const path = writeConfig(`{"app": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`)
      const error = yield* Effect.flip(BatonConfig.load(path))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toBe(
        `${path}: is not a valid Baton config: it nests more than 100 levels deep (arrays and objects inside each other); at most 100 are allowed`
      )
    }))

  it.effect("reads the app and names a file that is not JSON", () =>
    Effect.gen(function*() {
      expect(Option.getOrThrow(yield* BatonConfig.load(writeConfig({ app: "./app.ts", mcpServers: {} })))).toEqual({ app: "./app.ts" })
      const broken = writeConfig("{\"app\": ")
      const error = yield* Effect.flip(BatonConfig.load(broken))
      expect(error.message).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: is not a valid Baton config: it is not valid JSON`))
    }))
})
