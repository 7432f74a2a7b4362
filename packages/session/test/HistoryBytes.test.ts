import { Ids, Message, SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import fc from "fast-check"
import * as Migrations from "../src/Migrations.js"
import { checksum, decodeState, encodeState } from "../src/internal/codec.js"

// A commit whose history extends the last one written (or read) reuses that
// record's bytes. Whatever path a record takes, it must be byte for byte the
// record of the same state written from scratch.

const sessionId = Ids.sessionId("s-history-bytes")
const base = SessionState.empty({ sessionId, userId: Ids.userId("u-history-bytes"), state: { trip: "Lisbon" }, now: 0 })

const stateOf = (history: ReadonlyArray<Message.Message>, version: number): SessionState.SessionState => ({
  ...base,
  context: { ...base.context, history },
  version
})

const messagesOf = (contents: ReadonlyArray<string>, from: number) =>
  contents.map((content, i): Message.Message => ({ id: Message.idAt(sessionId, from + i), role: "user", content, time: from + i }))

// The same state as new objects, which carry nothing from earlier encodings.
const fromScratch = (state: SessionState.SessionState) => Either.getOrThrow(encodeState(structuredClone(state)))

const read = (bytes: Buffer, checksum: number) =>
  Either.getOrThrow(decodeState(Migrations.builtin, sessionId, { json: bytes, checksum }))

const extended = (state: SessionState.SessionState, contents: ReadonlyArray<string>) =>
  stateOf([...state.context.history, ...messagesOf(contents, state.context.history.length)], state.version + 1)

const text = fc.string({ unit: "binary", maxLength: 12 })

describe("history bytes reused across commits", () => {
  it("a history extended after a commit is written as it would be from scratch", () => {
    fc.assert(
      fc.property(fc.array(fc.array(text, { maxLength: 4 }), { minLength: 1, maxLength: 5 }), (turns) => {
        let state = stateOf([], 1)
        for (const turn of turns) {
          const record = Either.getOrThrow(encodeState(state))
          expect(record.bytes.equals(fromScratch(state).bytes)).toBe(true)
          state = extended(state, turn)
        }
        const last = Either.getOrThrow(encodeState(state))
        expect(last.bytes.equals(fromScratch(state).bytes)).toBe(true)
        expect(last.checksum).toBe(fromScratch(state).checksum)
      })
    )
  })

  it("a history extended after a read is written as it would be from scratch", () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), fc.array(text, { maxLength: 3 }), (before, added) => {
        const written = Either.getOrThrow(encodeState(stateOf(messagesOf(before, 0), 1)))
        const next = extended(read(Buffer.from(written.bytes), written.checksum), added)
        expect(Either.getOrThrow(encodeState(next)).bytes.equals(fromScratch(next).bytes)).toBe(true)
      })
    )
  })

  it("bytes a client reused after the read are not trusted", () => {
    const written = Either.getOrThrow(encodeState(stateOf(messagesOf(["first", "second"], 0), 1)))
    const buffer = Buffer.from(written.bytes)
    const next = extended(read(buffer, written.checksum), ["third"])
    // The client's buffer now holds another reply: the same head, other messages.
    const at = buffer.indexOf("first")
    buffer.write("FIRST", at)
    const record = Either.getOrThrow(encodeState(next))
    expect(record.bytes.equals(fromScratch(next).bytes)).toBe(true)
    expect(read(record.bytes, record.checksum).context.history.map((m) => m.content)).toEqual(["first", "second", "third"])
  })

  it("a record whose head another writer spaced out is not cut at the wrong bracket", () => {
    const compact = Either.getOrThrow(encodeState(stateOf(messagesOf(["spaced"], 0), 1))).bytes.toString("utf8")
    const head = compact.slice(0, compact.indexOf("[{"))
    // Spaces after the opening brace move the head's first "[" to where a
    // compact head would end.
    const bracket = head.indexOf("[")
    const spaced = Buffer.from(`{${" ".repeat(head.length - bracket)}${compact.slice(1)}`)
    expect(spaced[head.length]).toBe("[".charCodeAt(0))
    const next = extended(read(spaced, checksum(spaced)), ["appended"])
    expect(Either.getOrThrow(encodeState(next)).bytes.equals(fromScratch(next).bytes)).toBe(true)
  })

  it("a record written before histories were laid out last is read and extended", () => {
    const { context, ...rest } = JSON.parse(Either.getOrThrow(encodeState(stateOf(messagesOf(["older", "layout"], 0), 1))).bytes.toString("utf8"))
    // Context first, history first in it: an order the new layout never writes.
    const old = Buffer.from(JSON.stringify({ context: { history: context.history, ...context }, ...rest }))
    const state = read(old, checksum(old))
    expect(state.context.history.map((m) => m.content)).toEqual(["older", "layout"])
    const next = extended(state, ["appended"])
    expect(Either.getOrThrow(encodeState(next)).bytes.equals(fromScratch(next).bytes)).toBe(true)
  })

  it("a record written in plain UTF-8, before records were ASCII, is read and extended as from scratch", () => {
    const ascii = Either.getOrThrow(encodeState(stateOf(messagesOf(["€182 – one stop", "hold it"], 0), 1))).bytes
    const plain = Buffer.from(JSON.stringify(JSON.parse(ascii.toString("utf8"))))
    const state = read(plain, checksum(plain))
    expect(state.context.history.map((m) => m.content)).toEqual(["€182 – one stop", "hold it"])
    const next = extended(state, ["held ✓"])
    const record = Either.getOrThrow(encodeState(next))
    expect(record.bytes.equals(fromScratch(next).bytes)).toBe(true)
    expect(read(record.bytes, record.checksum).context.history.map((m) => m.content)).toEqual(["€182 – one stop", "hold it", "held ✓"])
  })

  it("a history whose messages are frozen is written whole, and correctly", () => {
    const history = messagesOf(["frozen", "values"], 0).map((message) => Object.freeze(message))
    const first = stateOf(history, 1)
    expect(Either.getOrThrow(encodeState(first)).bytes.equals(fromScratch(first).bytes)).toBe(true)
    const next = extended(first, ["more"])
    expect(Either.getOrThrow(encodeState(next)).bytes.equals(fromScratch(next).bytes)).toBe(true)
  })

  it("a history that does not extend the last one written is written whole", () => {
    const first = stateOf(messagesOf(["a", "b"], 0), 1)
    Either.getOrThrow(encodeState(first))
    const edited = stateOf([first.context.history[0]!, ...messagesOf(["B", "c"], 1)], 2)
    expect(Either.getOrThrow(encodeState(edited)).bytes.equals(fromScratch(edited).bytes)).toBe(true)
  })
})
