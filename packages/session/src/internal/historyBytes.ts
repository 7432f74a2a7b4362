import type { Message } from "@baton/core"
import { isAscii } from "node:buffer"
import * as zlib from "node:zlib"

/**
 * A record lays its history out last — `{…,"context":{…,"history":[m0,…]}}` —
 * so that it is a head, the history's JSON, and `}}`.
 *
 * The UTF-8 bytes of a history as written (`[m0,…,mn`, without the closing
 * bracket) are kept on its first message, with the history they encode. A
 * history that begins with those very messages — the next turn's, which only
 * appends — is then written as its head, those bytes, and the JSON of the
 * messages it added. A commit so allocates a few kilobytes on the V8 heap,
 * not the whole record as a JSON string: that string and its flattening copy
 * made a young-generation collection every hundred commits, and those pauses
 * were the commit's p99. The price: a history kept in memory keeps its last
 * record's bytes (outside the V8 heap) for as long as its first message lives.
 */
const BASE_HISTORY = Symbol.for("@baton/session/baseHistory")
const BASE_RECORD = Symbol.for("@baton/session/baseRecord")
const BASE_START = Symbol.for("@baton/session/baseStart")
const BASE_CHECKSUM = Symbol.for("@baton/session/baseChecksum")
const BASE_SHELL = Symbol.for("@baton/session/baseShell")

// Plain properties on the first message, not a weak collection or a mark
// object: histories only grow, so every history of a session shares that
// message; a weak map, or a mark object V8 chose to allocate in the old
// generation, would keep each young history alive until a full collection.
interface Marked {
  /** The history the record holds. */
  readonly [BASE_HISTORY]?: ReadonlyArray<Message.Message>
  /** A whole record: `head` + `[m0,…,mn]` + `}}`. */
  readonly [BASE_RECORD]?: Buffer
  /** Where its history starts; unknown for a record read from a store. */
  readonly [BASE_START]?: number
  /** A record read from a store: its CRC-32, and the state parsed from it. */
  readonly [BASE_CHECKSUM]?: number
  readonly [BASE_SHELL]?: Shell
}

type Shell = { readonly context: { readonly history: unknown } }
type ParsedState = { readonly context: { readonly history: ReadonlyArray<Message.Message> } }

const OPEN = 0x5b
const CLOSE = Buffer.from("]}}")

export interface Base {
  /** How many of the history's first messages the bytes encode. */
  readonly length: number
  /** Their JSON without the closing bracket: `[m0,…,mn`. */
  readonly bytes: Buffer
}

// One descriptor, reused: a literal per call would be one more young object
// holding the history, and V8 may choose to allocate such literals in the
// old generation.
const descriptor: PropertyDescriptor = { value: undefined, writable: true, configurable: true }
const define = (first: object, key: symbol, value: unknown) => {
  descriptor.value = value
  const defined = Reflect.defineProperty(first, key, descriptor)
  descriptor.value = undefined
  return defined
}

// A frozen message is left unmarked: its history is written whole each time.
const mark = (
  history: ReadonlyArray<Message.Message>,
  record: Buffer,
  start: number | undefined,
  checksum: number | undefined,
  shell: Shell | undefined
) => {
  if (history.length === 0) return
  const first = history[0]!
  void (define(first, BASE_HISTORY, history) && define(first, BASE_RECORD, record) && define(first, BASE_START, start) &&
    define(first, BASE_CHECKSUM, checksum) && define(first, BASE_SHELL, shell))
}

/** Keeps the record just written for `history`, whose history starts at `start`. */
export const keepWritten = (history: ReadonlyArray<Message.Message>, record: Buffer, start: number): void =>
  mark(history, record, start, undefined, undefined)

/**
 * Keeps a record read from a store, as the store handed it over: a client
 * may hand out views of a buffer it reuses, so it is checked against its
 * checksum when used, not copied on every read.
 */
export const keepRead = (state: ParsedState, record: Buffer, checksum: number | undefined): void =>
  mark(state.context.history, record, undefined, checksum, state)

/** The bytes already written for a prefix of this history, if any. */
export const baseOf = (history: ReadonlyArray<Message.Message>): Base | undefined => {
  const first = history[0] as Marked | undefined
  const base = first?.[BASE_HISTORY]
  const record = first?.[BASE_RECORD]
  if (first === undefined || base === undefined || record === undefined || base.length > history.length) return undefined
  if (base !== history) {
    for (let i = base.length - 1; i >= 0; i--) if (base[i] !== history[i]) return undefined
  }
  const start = first[BASE_START] ?? startOfRead(record, first[BASE_CHECKSUM], first[BASE_SHELL])
  return start === undefined ? undefined : { length: base.length, bytes: record.subarray(start, record.length - CLOSE.length) }
}

// A record as read is used only while its bytes are still the ones read,
// and only in this layout (not one written before histories were laid out
// last, or before records were ASCII): its head must be the head of the
// state parsed from it. An older record is so written whole once, and every
// record stays byte for byte the one its state makes from scratch.
const startOfRead = (record: Buffer, checksum: number | undefined, shell: Shell | undefined) => {
  if (checksum === undefined || shell === undefined || zlib.crc32(record) !== checksum || !isAscii(record)) return undefined
  const head = headOf(shell)
  const start = Buffer.byteLength(head)
  const end = record.length - CLOSE.length
  if (end <= start + 1 || record[start] !== OPEN || !record.subarray(end).equals(CLOSE)) return undefined
  return record.subarray(0, start).equals(Buffer.from(head)) ? start : undefined
}

const HISTORY_LAST = "\"history\":0}}"

const NON_ASCII = /[\u0080-\uffff]/g
const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`

/**
 * JSON with every character beyond ASCII written as a `\uXXXX` escape.
 * Records are written so: their bytes then decode to a one-byte string, which
 * is half the size on the V8 heap of the two-byte string that one "€" in a
 * message would otherwise make of the whole record, and a restore makes a
 * quarter fewer young-generation collections (BENCHMARKS.md). Records
 * written before, in plain UTF-8, read the same.
 */
export const asciiJson = (value: unknown): string => JSON.stringify(value).replace(NON_ASCII, escape)

/**
 * The head of a state's record: its JSON up to and including `"history":`,
 * with `context` last and `history` last in it. `shell` is the state in
 * encoded form; its history is ignored.
 */
export const headOf = (shell: Shell): string => {
  // Rest copies with properties added, not `{ ...rest, context }`: on Node
  // 20, a spread copy given a property its source lacks survives young
  // collections (measured: every such object promoted, 10 ms scavenges).
  const { context, ...head } = shell as Shell & Record<string, unknown>
  const { history: _, ...contextHead } = context as Shell["context"] & Record<string, unknown>
  contextHead.history = 0
  head.context = contextHead
  const text = asciiJson(head)
  // Keys that look like array indices would come first, never last, so this
  // holds for every object; it is checked because the layout depends on it.
  if (!text.endsWith(HISTORY_LAST)) throw new Error(`a record head does not end with ${HISTORY_LAST}`)
  return text.slice(0, -3)
}

/**
 * `head` + `middle` + `tail` as one allocation outside the V8 heap, and where
 * the history starts in it. Measuring the text and writing it into an
 * allocation of exactly that size makes no intermediate buffers, as
 * `Buffer.from` of each part and `Buffer.concat` would.
 */
export const assemble = (head: string, middle: Buffer | undefined, tail: string): { readonly bytes: Buffer; readonly start: number } => {
  const start = Buffer.byteLength(head)
  const middleLength = middle?.length ?? 0
  const tailLength = Buffer.byteLength(tail)
  const bytes = Buffer.allocUnsafeSlow(start + middleLength + tailLength)
  middle?.copy(bytes, start)
  // A short write would leave uninitialised bytes; the copying path cannot.
  if (bytes.write(head, 0) === start && bytes.write(tail, start + middleLength) === tailLength) return { bytes, start }
  const parts = [Buffer.from(head), ...(middle === undefined ? [] : [middle]), Buffer.from(tail)]
  return { bytes: Buffer.concat(parts), start: parts[0]!.length }
}
