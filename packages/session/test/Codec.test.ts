import { Ids, Message, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Migrations from "../src/Migrations.js"
import { checksum, decodeState, encodeState, isJsonPlain } from "../src/internal/codec.js"

const isSession = Schema.is(SessionState.SessionState)

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

  it("writes ASCII bytes whose checksum is the one a reader computes over the text it reads back; every text comes back as it was", () => {
    const sessionId = Ids.sessionId("s-codec")
    // Any text, lone surrogates included: beyond ASCII every character is a
    // \u escape, so nothing is lost to UTF-8 (which has no lone surrogates).
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 8 }), (contents) => {
        const base = SessionState.empty({ sessionId, userId: Ids.userId("u-codec"), state: { note: contents[0] ?? "" }, now: 0 })
        const history = contents.map((content, i): Message.Message => ({ id: Message.idAt(sessionId, i), role: "user", content, time: i }))
        const record = Either.getOrThrow(encodeState({ ...base, context: { ...base.context, history }, version: 1 }))
        expect(record.bytes.every((byte) => byte < 0x80)).toBe(true)
        const text = record.bytes.toString("utf8")
        expect(checksum(text)).toBe(record.checksum)
        const read = Either.getOrThrow(decodeState(Migrations.builtin, sessionId, { json: text, checksum: record.checksum }))
        expect(read.context.history.map((m) => m.content)).toEqual(contents)
        expect(read.context.state).toEqual({ note: contents[0] ?? "" })
      })
    )
  })

  it("a checksummed record of any shape is read as a session or refused with a reason, never thrown on", () => {
    const sessionId = Ids.sessionId("s-codec-shape")
    const base = SessionState.empty({ sessionId, userId: Ids.userId("u-codec"), state: { a: 1 }, now: 0 })
    const history: ReadonlyArray<Message.Message> = [{ id: Message.idAt(sessionId, 0), role: "user", content: "hi", time: 0 }]
    const good = JSON.parse(
      Either.getOrThrow(encodeState({ ...base, context: { ...base.context, history }, version: 1 })).bytes.toString("utf8")
    ) as Record<string, unknown>
    const keys = Object.keys(good).filter((key) => key !== "schemaVersion" && key !== "sessionId")
    const contextKeys = Object.keys(good.context as object)
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...keys), fc.jsonValue(), { maxKeys: 3 }),
        fc.dictionary(fc.constantFrom(...contextKeys), fc.jsonValue(), { maxKeys: 2 }),
        (top, context) => {
          const json = JSON.stringify({ ...good, context: { ...(good.context as object), ...context }, ...top })
          const read = decodeState(Migrations.builtin, sessionId, { json, checksum: checksum(json) })
          if (Either.isRight(read)) expect(isSession(read.right)).toBe(true)
          else expect(read.left).toMatch(/does not decode as a session|holds session/)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("reads a record written in plain UTF-8, as records were before they were ASCII", () => {
    const sessionId = Ids.sessionId("s-codec-utf8")
    const base = SessionState.empty({ sessionId, userId: Ids.userId("u-codec"), state: { budget: "€2400" }, now: 0 })
    const history = ["Lisbon – 2 travellers", "€182, one stop 😀"].map((content, i): Message.Message => ({
      id: Message.idAt(sessionId, i),
      role: "user",
      content,
      time: i
    }))
    const ascii = Either.getOrThrow(encodeState({ ...base, context: { ...base.context, history }, version: 1 })).bytes
    const plain = Buffer.from(JSON.stringify(JSON.parse(ascii.toString("utf8"))))
    expect(plain.some((byte) => byte >= 0x80)).toBe(true)
    const read = Either.getOrThrow(decodeState(Migrations.builtin, sessionId, { json: plain, checksum: checksum(plain) }))
    expect(read.context.history.map((m) => m.content)).toEqual(["Lisbon – 2 travellers", "€182, one stop 😀"])
    expect(read.context.state).toEqual({ budget: "€2400" })
  })
})
