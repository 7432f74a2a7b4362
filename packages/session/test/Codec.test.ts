import { Ids, Message, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Migrations from "../src/Migrations.js"
import { checksum, decodeState, encodeState, isJsonPlain } from "../src/internal/codec.js"

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

  it("writes UTF-8 bytes whose checksum is the one a reader computes over the text it reads back", () => {
    const sessionId = Ids.sessionId("s-codec")
    // Any text, lone surrogates included: the bytes carry their UTF-8 form
    // (U+FFFD for a lone surrogate), which is what a store hands back.
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 8 }), (contents) => {
        const base = SessionState.empty({ sessionId, userId: Ids.userId("u-codec"), state: { note: contents[0] ?? "" }, now: 0 })
        const history = contents.map((content, i): Message.Message => ({ id: Message.idAt(sessionId, i), role: "user", content, time: i }))
        const record = Either.getOrThrow(encodeState({ ...base, context: { ...base.context, history }, version: 1 }))
        const text = record.bytes.toString("utf8")
        // Every byte is the JSON's: written again from its parse, it is the same.
        expect(record.bytes.equals(Buffer.from(JSON.stringify(JSON.parse(text))))).toBe(true)
        expect(checksum(text)).toBe(record.checksum)
        const read = Either.getOrThrow(decodeState(Migrations.builtin, sessionId, { json: text, checksum: record.checksum }))
        expect(read.context.history.map((m) => m.content)).toEqual(contents.map((c) => Buffer.from(c).toString("utf8")))
      })
    )
  })
})
