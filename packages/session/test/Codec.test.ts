import { SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { isJsonPlain } from "../src/internal/codec.js"

describe("the stored record codec", () => {
  it("reads checksummed records without re-validation only while SessionState is its own encoded form", () => {
    expect(isJsonPlain(SessionState.SessionState.ast)).toBe(true)
    interface Node {
      readonly next: ReadonlyArray<Node>
    }
    const Lazy: Schema.Schema<Node> = Schema.Struct({ next: Schema.Array(Schema.suspend((): Schema.Schema<Node> => Lazy)) })
    expect(isJsonPlain(Lazy.ast)).toBe(true)
    expect(isJsonPlain(Schema.Struct({ at: Schema.Date }).ast)).toBe(false)
    expect(isJsonPlain(Schema.Struct({ at: Schema.DateFromSelf }).ast)).toBe(false)
    expect(isJsonPlain(Schema.Struct({ n: Schema.optionalWith(Schema.NumberFromString, { exact: true }) }).ast)).toBe(false)
    expect(isJsonPlain(Schema.Struct({ n: Schema.optionalWith(Schema.Number, { default: () => 0 }) }).ast)).toBe(false)
  })
})
