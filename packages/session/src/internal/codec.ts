import { BatonEvent, type Ids, JsonInput, Message, Sensitive, SessionState } from "@baton/core"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as AST from "effect/SchemaAST"
import * as Schema from "effect/Schema"
import * as zlib from "node:zlib"
import * as Migrations from "../Migrations.js"
import * as Guard from "./guard.js"
import * as HistoryBytes from "./historyBytes.js"

const encodeSession = Schema.encodeEither(SessionState.SessionState)
const decodeSession = Schema.decodeUnknownEither(SessionState.SessionState)
const isSession = Guard.compile(SessionState.SessionState.ast)
const encodeBatonEvent = Schema.encodeEither(BatonEvent.BatonEvent)
const decodeBatonEvent = Schema.decodeUnknownEither(BatonEvent.BatonEvent)

const describe = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)

/**
 * A stored record as read: its JSON, as text or as the UTF-8 bytes a store
 * returned (read as bytes, the checksum needs no re-encoding), and the CRC-32
 * of those bytes when the store wrote it.
 */
export interface StoredRecord {
  readonly json: string | Buffer
  readonly checksum: number | undefined
  /** Why the store could not even hand the record over (a Redis key of the wrong type). */
  readonly unreadable?: string
}

/**
 * How deep stored records and events may nest (`JsonInput`'s bound). A
 * record is read with this bound — deeper is corruption, not a stack
 * overflow in whatever walks it next (`JSON.stringify`, redaction, an app's
 * decoding) — so a state that would nest deeper is refused when it is
 * written.
 */
export const MAX_DEPTH = JsonInput.DEFAULT_MAX_DEPTH

/** The CRC-32 of a record's UTF-8 bytes (text is checksummed as UTF-8). */
export const checksum = (json: string | Buffer): number => zlib.crc32(json)

const encodeMessage = Schema.encodeEither(Message.Message)

// Messages are immutable values. One that was encoded here, or parsed from a
// record this store checksummed, is already redacted and in encoded form, and
// a message encoded once need not be encoded again: a read-modify-commit
// encodes only the messages it added.
const storedForm = new WeakSet<Message.Message>()
const encodedOf = new WeakMap<Message.Message, Message.Message>()

// A parsed history is marked once, on its first message (histories only
// grow), with a hidden reference to itself. Weak collections would make the
// young-generation collector keep every parsed history alive until a full
// collection; a plain property costs nothing to collect.
const PARSED_HISTORY = Symbol.for("@baton/session/parsedHistory")
type Marked = { readonly [PARSED_HISTORY]?: ReadonlyArray<Message.Message> }
const markParsed = (history: ReadonlyArray<Message.Message>) => {
  if (history.length > 0) Object.defineProperty(history[0], PARSED_HISTORY, { value: history })
}
const parsedHistoryOf = (history: ReadonlyArray<Message.Message>) =>
  history.length > 0 ? (history[0] as Marked)[PARSED_HISTORY] : undefined

const NO_HISTORY: ReadonlyArray<Message.Message> = []

const tooDeep = `the state nests more than ${MAX_DEPTH} levels deep (arrays and objects inside each other); ` +
  `records are read back with at most ${MAX_DEPTH}`

/** A record as written: its JSON in UTF-8, and the CRC-32 of those bytes. */
export interface EncodedRecord {
  readonly bytes: Buffer
  readonly checksum: number
}

/**
 * The stored record of a state: redacted, validated, encoded, checksummed.
 * It is built as bytes outside the V8 heap (see `historyBytes.ts`): from the
 * bytes of the last record of a history this one extends, when there is
 * one, and otherwise from the history's JSON.
 */
export const encodeState = (state: SessionState.SessionState): Either.Either<EncodedRecord, string> => {
  const { history } = state.context
  const withoutHistory = { ...state, context: { ...state.context, history: NO_HISTORY } }
  // Measured before redaction, which recurses: a record is read back only
  // within MAX_DEPTH, so nothing deeper is written.
  if (!JsonInput.nestsWithin(withoutHistory, MAX_DEPTH)) return Either.left(tooDeep)
  const shell = encodeSession(Sensitive.redactState(withoutHistory))
  if (Either.isLeft(shell)) return Either.left(`the state does not encode: ${describe(shell.left)}`)
  const base = HistoryBytes.baseOf(history)
  const from = base?.length ?? 0
  const messages: Array<Message.Message> = new Array(history.length - from)
  const parsed = parsedHistoryOf(history)
  for (let i = from; i < history.length; i++) {
    const message = history[i]!
    const known = parsed?.[i] === message || storedForm.has(message) ? message : encodedOf.get(message)
    if (known !== undefined) {
      messages[i - from] = known
      continue
    }
    // Only a message's metadata nests freely; it sits four levels down, in the
    // record, its context, the history and the message. Messages met before
    // were measured then, or bounded as they were read.
    if (message.metadata !== undefined && !JsonInput.nestsWithin(message.metadata, MAX_DEPTH - 4)) return Either.left(tooDeep)
    const encoded = encodeMessage(Sensitive.redactMessage(message))
    if (Either.isLeft(encoded)) return Either.left(`message #${i} does not encode: ${describe(encoded.left)}`)
    const stored = encoded.right as Message.Message
    storedForm.add(stored)
    encodedOf.set(message, stored)
    messages[i - from] = stored
  }
  const head = HistoryBytes.headOf(shell.right)
  const added = HistoryBytes.asciiJson(messages)
  const { bytes, start } = base === undefined
    ? HistoryBytes.assemble(head, undefined, `${added}}}`)
    : HistoryBytes.assemble(head, base.bytes, messages.length === 0 ? "]}}" : `,${added.slice(1)}}}`)
  HistoryBytes.keepWritten(history, bytes, start)
  return Either.right({ bytes, checksum: checksum(bytes) })
}

// A record is bounded as it is parsed, with JsonInput's bound and words; the
// bound is measured on the parsed value (a walk of a 150-message record
// takes a few microseconds), and a restore is the store's most frequent
// operation.
const parse = (raw: string | Buffer): Either.Either<unknown, string> =>
  JsonInput.parse(typeof raw === "string" ? raw : raw.toString("utf8"), { maxDepth: MAX_DEPTH })

/**
 * Whether values of a schema are their own encoded form: no transformation
 * and no declared (non-JSON) type anywhere in it. Only then is a parsed,
 * checksummed record already the decoded value.
 */
export const isJsonPlain = (ast: AST.AST, seen: Set<AST.AST> = new Set()): boolean => {
  if (seen.has(ast)) return true
  seen.add(ast)
  switch (ast._tag) {
    case "Transformation":
    case "Declaration":
      return false
    case "Refinement":
      return isJsonPlain(ast.from, seen)
    case "Suspend":
      return isJsonPlain(ast.f(), seen)
    case "Union":
      return ast.types.every((member) => isJsonPlain(member, seen))
    case "TupleType":
      return ast.elements.every((element) => isJsonPlain(element.type, seen)) &&
        ast.rest.every((rest) => isJsonPlain(rest.type, seen))
    case "TypeLiteral":
      return ast.propertySignatures.every((signature) => isJsonPlain(signature.type, seen)) &&
        ast.indexSignatures.every((signature) => isJsonPlain(signature.type, seen))
    default:
      return true
  }
}

// Checked once: should SessionState ever gain a transforming field (a Date,
// say), every record is decoded in full again, automatically.
const sessionIsJsonPlain = isJsonPlain(SessionState.SessionState.ast)

const isTrusted = (record: StoredRecord, sessionId: Ids.SessionId, json: unknown) =>
  sessionIsJsonPlain &&
  record.checksum !== undefined &&
  typeof json === "object" && json !== null &&
  (json as { schemaVersion?: unknown }).schemaVersion === SessionState.SCHEMA_VERSION &&
  (json as { sessionId?: unknown }).sessionId === sessionId &&
  checksum(record.json) === record.checksum

/**
 * A stored record back as a state: parsed (with a nesting bound), upgraded by
 * the migrations, decoded, and checked to belong to the session it is stored
 * under. A Left is the reason it cannot be read.
 *
 * A record at the current schema version whose CRC-32 matches the one stored
 * with it needs no migration, and decoding the encoded form of a
 * `SessionState` is the identity: it is validated in full and used as
 * parsed (its messages keep their identity, which `historyBytes.ts` builds
 * on). The checksum says the text is the one stored, not that a session was
 * stored: CRC-32 is no signature, and whoever can write the record can
 * compute it, so a checksummed record of the wrong shape is corruption like
 * any other. Any other record — older, edited, truncated, or written without
 * a checksum — is migrated and decoded in full.
 */
export const decodeState = (
  registry: Migrations.Registry,
  sessionId: Ids.SessionId,
  record: StoredRecord
): Either.Either<SessionState.SessionState, string> =>
  record.unreadable !== undefined ? Either.left(record.unreadable) : Either.flatMap(parse(record.json), (parsed) => {
    // A shape error is described by the full decode.
    if (!isTrusted(record, sessionId, parsed) || !isSession(parsed)) return decodeUntrusted(registry, sessionId, parsed)
    const state = parsed as SessionState.SessionState
    markParsed(state.context.history)
    if (typeof record.json !== "string") HistoryBytes.keepRead(state, record.json, record.checksum)
    return Either.right(state)
  })

const decodeUntrusted = (
  registry: Migrations.Registry,
  sessionId: Ids.SessionId,
  parsed: unknown
): Either.Either<SessionState.SessionState, string> =>
  Either.flatMap(Migrations.upgrade(registry, parsed), (record) =>
      Either.match(decodeSession(record), {
        onLeft: (error) => Either.left(`it does not decode as a session: ${describe(error)}`),
        onRight: (state) =>
          state.sessionId === sessionId
            ? Either.right(state)
            : Either.left(`it holds session "${state.sessionId}", not "${sessionId}"`)
      }))

export const encodeEvent = (event: BatonEvent.BatonEvent): Either.Either<string, string> =>
  Either.match(encodeBatonEvent(Sensitive.redactEvent(event)), {
    onLeft: (error) => Either.left(`a ${event._tag} event does not encode: ${describe(error)}`),
    onRight: (encoded) => Either.right(JSON.stringify(encoded))
  })

export const decodeEvent = (raw: string): Either.Either<BatonEvent.BatonEvent, string> =>
  Either.flatMap(parse(raw), (json) =>
    Either.mapLeft(decodeBatonEvent(json), (error) => `it does not decode as an event: ${describe(error)}`))
