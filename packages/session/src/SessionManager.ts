/**
 * Session management over the `SessionStore` port, for an application's own
 * operations on its users' sessions: save and restore, list, snapshots,
 * export and import, and merging two branches of a session.
 *
 * Every operation names the user it acts for and is owner-checked: a session
 * of another user fails with `Forbidden`. A reserved session id (an internal
 * record such as `profile:<user>`, see core's `ReservedSession`) is refused
 * to every user but the one it names, whether it exists yet or not, and
 * internal records are not listed among a user's sessions.
 *
 * **Recovery.** A session whose record cannot be read is still its owner's:
 * the owner is told by what the store holds of it (`SessionStore.inspect`),
 * so its snapshots can be listed and restored (`snapshots`,
 * `restoreToSnapshot`), its quarantined records listed
 * (`quarantined`), and the session deleted (`deleteSession`) even when its
 * record and every snapshot are corrupt. A quarantined record that reads
 * now — one quarantined for a schema version a newer build understands,
 * after the upgrade — is released (`releaseQuarantined`): it becomes the
 * session's next version, the session it replaces is first kept as a
 * snapshot (`before releasing quarantined record #<n>`) when it can be read,
 * and the entry leaves the quarantine. One that still does not read is
 * refused with `SessionCorrupted` and stays; `dropQuarantined` removes an
 * entry for good.
 *
 * **Export format** (`SessionExport`, JSON): `{ format: "baton.session",
 * exportVersion: 1, exportedAt, session, events }` — the session state and its
 * events encoded with their schemas, card data masked (`Sensitive`) before
 * anything is written. `importSession` decodes and validates it with the same
 * schema; anything else is `InvalidSessionExport` naming the problem.
 *
 * **Merge policy** (`merge`): two branches of a session — e.g. the live
 * session and an old snapshot it was once restored from, or a copy imported
 * under another id — become one new version of the target session:
 *
 * - *History*: the union of both histories without duplicates. A message is
 *   identified by its role, agent, time and content (not by its id, which is
 *   its position and differs between branches); a message appearing `n` times
 *   in one branch and `m` times in the other is kept `max(n, m)` times. The
 *   result is ordered by time (ties: branch order, `a` first) and renumbered
 *   so that every id is again `<session>#<index>`.
 * - *Application state, preferences, search context*: merged per top-level key.
 *   A key present in one branch only is kept; a key whose values differ is
 *   decided by **last writer wins** — the branch with the later
 *   `lastActivity` (ties: `a`) — and every such key is **reported** in
 *   `conflicts`. A state that is not a record is one key (`""`).
 * - *Cached results*: union per key, the later `storedAt` wins (not reported).
 * - *Active agent, agent stack*: the winning branch's. *Workflows*: union by
 *   id, the winner's on collision.
 *
 * **Automatic restoration** (`resumeUnfinished`): a worker that takes over a
 * session — after another worker crashed, or after a restart — resumes every
 * workflow run the session still records as `running`, by run id, with the
 * definition of the same name. The runs are checkpointed in the session, so
 * completed steps are reused, not run again, and steps that run again get the
 * same idempotency keys (`<runId>/<step>`): a tool that honours them never
 * repeats a side effect. A run whose definition was not given is not guessed
 * at: it is reported, still `running`, in `withoutDefinition`; a run that
 * cannot be resumed (its checkpoint was fenced off by a newer lease, or no
 * longer fits the definition) is reported in `failed`, and the others go on.
 * Give the worker's lease token (`fencingToken`) when it holds the session's
 * lease: a worker whose lease was taken over then stops at its first
 * checkpoint write — a step it had started again by then ran with the same
 * idempotency key.
 *
 * @since 0.1.0
 */
import {
  BatonEvent,
  Errors,
  Ids,
  JsonInput,
  Message,
  ReservedSession,
  Sensitive,
  SessionState,
  SessionStore,
  type Workflow,
  WorkflowCheckpoint,
  WorkflowExecutor,
  type WorkflowResult
} from "@baton/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * An import would replace an existing session and `overwrite` was not asked for.
 *
 * @since 0.1.0 @category errors
 */
export class SessionExists extends Schema.TaggedError<SessionExists>("@baton/session/SessionExists")("SessionExists", {
  sessionId: Ids.SessionId
}) {
  override get message() {
    return `Session "${this.sessionId}" already exists; import it with { overwrite: true } to replace it.`
  }
}

/**
 * A session export that cannot be imported: not JSON, not an export, an
 * unknown export version, or a session that does not decode.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidSessionExport extends Schema.TaggedError<InvalidSessionExport>(
  "@baton/session/InvalidSessionExport"
)("InvalidSessionExport", { reason: Schema.String }) {
  override get message() {
    return `Invalid session export: ${this.reason}`
  }
}

/**
 * A state handed to the manager is not a valid session state, or a merge was
 * asked for that cannot be done.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidSession extends Schema.TaggedError<InvalidSession>("@baton/session/InvalidSession")(
  "InvalidSession",
  { reason: Schema.String }
) {
  override get message() {
    return `Invalid session: ${this.reason}`
  }
}

/** @since 0.1.0 @category constants */
export const EXPORT_FORMAT = "baton.session" as const
/** @since 0.1.0 @category constants */
export const EXPORT_VERSION = 1 as const

/**
 * How deep an export may nest: a stored record's bound, plus the two levels
 * an export wraps around the events it carries.
 *
 * @since 0.2.0 @category constants
 */
export const EXPORT_MAX_DEPTH = JsonInput.DEFAULT_MAX_DEPTH + 2

/**
 * The versioned export format.
 *
 * @since 0.1.0 @category schemas
 */
export const SessionExport = Schema.Struct({
  format: Schema.Literal(EXPORT_FORMAT),
  exportVersion: Schema.Literal(EXPORT_VERSION),
  /** Epoch milliseconds. */
  exportedAt: Schema.Number,
  session: SessionState.SessionState,
  events: Schema.Array(BatonEvent.BatonEvent)
})
/** @since 0.1.0 @category models */
export type SessionExport = typeof SessionExport.Type

const ExportJson = Schema.parseJson(SessionExport)
const encodeExport = Schema.encode(ExportJson)
const decodeExport = Schema.decodeUnknownEither(SessionExport)
const ExportHeader = Schema.Struct({ format: Schema.Literal(EXPORT_FORMAT), exportVersion: Schema.Number })
const decodeHeader = Schema.decodeUnknownEither(ExportHeader)
const validateState = Schema.validateEither(SessionState.SessionState)

/** @since 0.1.0 @category models */
export interface SessionSummary {
  readonly sessionId: Ids.SessionId
  /** `corrupted`: the stored record cannot be read (see `restoreSession`). */
  readonly status: "ok" | "corrupted"
  readonly version?: number
  readonly currentAgent?: Ids.AgentId | null
  readonly messages?: number
  readonly lastActivity?: number
}

/**
 * One side of a merge: a session's current state, one of its snapshots, or a
 * state value the caller holds (e.g. decoded from an export).
 *
 * @since 0.1.0 @category models
 */
export type Branch =
  | { readonly sessionId: Ids.SessionId; readonly snapshotId?: number }
  | { readonly state: SessionState.SessionState }

/** @since 0.1.0 @category models */
export interface MergeConflict {
  /** `state.<key>`, `preferences.<key>` or `searchContext.<key>` (`state` alone for a non-record state). */
  readonly path: string
  readonly a: unknown
  readonly b: unknown
  /** The branch whose value was kept (last writer wins). */
  readonly kept: "a" | "b"
}

/** @since 0.1.0 @category models */
export interface MergeResult {
  /** The merged state as committed. */
  readonly state: SessionState.SessionState
  /** Every key both branches changed differently, with the value kept. */
  readonly conflicts: ReadonlyArray<MergeConflict>
  /** The branch whose value wins conflicts: the later `lastActivity` (ties: `a`). */
  readonly winner: "a" | "b"
  /** Messages taken from each branch that the other did not have. */
  readonly added: { readonly fromA: number; readonly fromB: number }
  /** Messages both branches had, kept once. */
  readonly duplicates: number
}

/** @since 0.1.0 @category models */
export interface MergeOptions {
  /** The session the merge is committed to. Default: `a`'s session. */
  readonly into?: Ids.SessionId
}

/** @since 0.1.0 @category models */
export interface ImportOptions {
  /** Replace a session with the same id (as a new version). Default false. */
  readonly overwrite?: boolean
  /** Import for this user: an export of another user's session is `Forbidden`. */
  readonly userId?: Ids.UserId
}

type StoreErrors = Errors.SessionCorrupted | Errors.SessionStoreError

/** @since 0.1.0 @category models */
export interface ResumeOptions {
  /** The worker's lease token, when it holds the session's lease: checkpoints are fenced with it. */
  readonly fencingToken?: number
  /** Overrides each workflow's concurrency limit. */
  readonly concurrency?: number
}

/** @since 0.1.0 @category models */
export interface ResumeReport {
  /** The result of every unfinished run that was resumed, in the session's order. */
  readonly resumed: ReadonlyArray<WorkflowResult.WorkflowResult<Record<string, unknown>, unknown>>
  /**
   * Runs that could not be resumed — an invalid definition, or a checkpoint
   * that could not be read or written (e.g. `LeaseLost`: another worker owns
   * the session now); each stopped on its own, without stopping the others.
   */
  readonly failed: ReadonlyArray<{
    readonly runId: string
    readonly workflow: string
    readonly error: WorkflowExecutor.ExecuteError
  }>
  /** Unfinished runs of workflows no definition was given for; left as they are. */
  readonly withoutDefinition: ReadonlyArray<{ readonly runId: string; readonly workflow: string }>
}

/** @since 0.1.0 @category models */
export interface Service {
  /**
   * Saves a state the caller built or changed, as the next version after
   * `state.version` (a concurrent writer makes it `SessionConflict`).
   */
  readonly saveSessionState: (
    userId: Ids.UserId,
    state: SessionState.SessionState
  ) => Effect.Effect<
    SessionState.SessionState,
    Errors.Forbidden | InvalidSession | Errors.SessionConflict | Errors.LeaseLost | StoreErrors
  >
  /** The session for its owner; none when it does not exist. */
  readonly restoreSession: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    options?: SessionStore.RestoreOptions
  ) => Effect.Effect<Option.Option<SessionState.SessionState>, Errors.Forbidden | StoreErrors>
  /**
   * The user's live sessions, newest activity first; unreadable ones are
   * listed as `corrupted`, internal records (`ReservedSession`) not at all.
   */
  readonly listSessions: (userId: Ids.UserId) => Effect.Effect<ReadonlyArray<SessionSummary>, Errors.SessionStoreError>
  readonly snapshots: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId
  ) => Effect.Effect<ReadonlyArray<SessionStore.SnapshotInfo>, Errors.Forbidden | Errors.SessionNotFound | StoreErrors>
  /** Snapshots the current state now, under `label`. */
  readonly snapshot: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    label: string
  ) => Effect.Effect<SessionStore.SnapshotInfo, Errors.Forbidden | Errors.SessionNotFound | StoreErrors>
  /** Makes snapshot `snapshotId` the current state, as a new version. */
  readonly restoreToSnapshot: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    snapshotId: number
  ) => Effect.Effect<
    SessionState.SessionState,
    Errors.Forbidden | Errors.SessionNotFound | Errors.SnapshotNotFound | Errors.SessionConflict | StoreErrors
  >
  /**
   * Deletes the session and everything the store holds of it — events,
   * snapshots, quarantined records — for its owner, even when none of it
   * can be read.
   */
  readonly deleteSession: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId
  ) => Effect.Effect<void, Errors.Forbidden | Errors.SessionNotFound | Errors.SessionStoreError>
  /** The session's quarantined records, oldest first, for its owner. */
  readonly quarantined: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId
  ) => Effect.Effect<ReadonlyArray<SessionStore.QuarantinedRecord>, Errors.Forbidden | Errors.SessionNotFound | Errors.SessionStoreError>
  /**
   * Puts a quarantined record that now reads back as the session's next
   * version (see the module's recovery); the entry leaves the quarantine.
   */
  readonly releaseQuarantined: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    quarantineId: number
  ) => Effect.Effect<
    SessionState.SessionState,
    | Errors.Forbidden
    | Errors.SessionNotFound
    | Errors.QuarantinedRecordNotFound
    | InvalidSession
    | Errors.SessionConflict
    | StoreErrors
  >
  /** Removes a record from the session's quarantine, for good. */
  readonly dropQuarantined: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    quarantineId: number
  ) => Effect.Effect<
    void,
    Errors.Forbidden | Errors.SessionNotFound | Errors.QuarantinedRecordNotFound | Errors.SessionStoreError
  >
  /** The session and its events as versioned JSON, card data masked. */
  readonly exportSession: (
    sessionId: Ids.SessionId,
    userId: Ids.UserId
  ) => Effect.Effect<string, Errors.Forbidden | Errors.SessionNotFound | StoreErrors>
  /**
   * Imports an export. A new session gets the exported events and version 1;
   * an existing one is refused with `SessionExists` unless `overwrite`, which
   * commits the imported state as its next version (owner-checked).
   */
  readonly importSession: (
    json: string,
    options?: ImportOptions
  ) => Effect.Effect<
    SessionState.SessionState,
    InvalidSessionExport | SessionExists | Errors.Forbidden | Errors.SessionConflict | Errors.LeaseLost | StoreErrors
  >
  /** Merges two branches of a session into one new version of the target (see the module's merge policy). */
  readonly merge: (
    userId: Ids.UserId,
    a: Branch,
    b: Branch,
    options?: MergeOptions
  ) => Effect.Effect<
    MergeResult,
    | Errors.Forbidden
    | Errors.SessionNotFound
    | Errors.SnapshotNotFound
    | InvalidSession
    | Errors.SessionConflict
    | Errors.LeaseLost
    | StoreErrors
  >
  /**
   * Resumes every workflow run the session records as unfinished, with the
   * definition of the same name among `workflows` (see the module's
   * automatic restoration). The runs are resumed concurrently, each to its
   * end; step failures are in their results, runs that could not be resumed
   * in `failed`.
   */
  readonly resumeUnfinished: <R>(
    sessionId: Ids.SessionId,
    userId: Ids.UserId,
    workflows: ReadonlyArray<Workflow.Workflow<any, any, R>>,
    options?: ResumeOptions
  ) => Effect.Effect<
    ResumeReport,
    Errors.Forbidden | Errors.SessionNotFound | StoreErrors,
    R
  >
}

/**
 * The runs a session records as unfinished (`running`, compensating ones
 * included), in the session's order.
 *
 * @since 0.1.0 @category workflows
 */
export const unfinishedRuns = (state: SessionState.SessionState): ReadonlyArray<SessionState.WorkflowRef> =>
  state.activeWorkflows.filter((run) => run.status === "running")

/** @since 0.1.0 @category tags */
export class SessionManager extends Context.Tag("@baton/session/SessionManager")<SessionManager, Service>() {}

// Key order does not make two JSON values different.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, member: unknown) =>
    member !== null && typeof member === "object" && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : member) ?? "undefined"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const mergeRecords = (
  prefix: string,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  winner: "a" | "b",
  conflicts: Array<MergeConflict>
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const inA = Object.prototype.hasOwnProperty.call(a, key)
    const inB = Object.prototype.hasOwnProperty.call(b, key)
    if (inA && !inB) out[key] = a[key]
    else if (inB && !inA) out[key] = b[key]
    else if (canonical(a[key]) === canonical(b[key])) out[key] = a[key]
    else {
      out[key] = winner === "a" ? a[key] : b[key]
      conflicts.push({ path: `${prefix}.${key}`, a: a[key], b: b[key], kept: winner })
    }
  }
  return out
}

const messageKey = (message: Message.Message) =>
  canonical([message.role, message.agent ?? null, message.time, message.content, message.metadata ?? null])

/**
 * The merge of two session states into `target` (pure; see the module's merge
 * policy). The result's version is `version`.
 *
 * @since 0.1.0 @category merging
 */
export const mergeStates = (
  a: SessionState.SessionState,
  b: SessionState.SessionState,
  target: { readonly sessionId: Ids.SessionId; readonly version: number }
): MergeResult => {
  const winner: "a" | "b" = b.lastActivity > a.lastActivity ? "b" : "a"
  const win = winner === "a" ? a : b
  const conflicts: Array<MergeConflict> = []

  // History: multiset union by message identity, ordered by time.
  const tagged = (history: ReadonlyArray<Message.Message>, branch: 0 | 1) =>
    history.map((message, index) => ({ message, branch, index, key: messageKey(message) }))
  const countsA = new Map<string, number>()
  for (const m of a.context.history) countsA.set(messageKey(m), (countsA.get(messageKey(m)) ?? 0) + 1)
  const seenB = new Map<string, number>()
  let duplicates = 0
  let fromB = 0
  const kept = [...tagged(a.context.history, 0)]
  for (const entry of tagged(b.context.history, 1)) {
    const n = (seenB.get(entry.key) ?? 0) + 1
    seenB.set(entry.key, n)
    if (n <= (countsA.get(entry.key) ?? 0)) duplicates++
    else {
      fromB++
      kept.push(entry)
    }
  }
  const fromA = a.context.history.length - duplicates
  kept.sort((x, y) => x.message.time - y.message.time || x.branch - y.branch || x.index - y.index)
  const history = kept.map(({ message }, index): Message.Message => ({ ...message, id: Message.idAt(target.sessionId, index) }))

  const appState = isRecord(a.context.state) && isRecord(b.context.state)
    ? mergeRecords("state", a.context.state, b.context.state, winner, conflicts)
    : (() => {
      if (canonical(a.context.state) !== canonical(b.context.state)) {
        conflicts.push({ path: "state", a: a.context.state, b: b.context.state, kept: winner })
      }
      return win.context.state
    })()
  const preferences = mergeRecords("preferences", a.context.preferences, b.context.preferences, winner, conflicts)
  const searchContext = mergeRecords("searchContext", a.context.searchContext, b.context.searchContext, winner, conflicts)

  const cachedResults = { ...a.cachedResults }
  for (const [key, result] of Object.entries(b.cachedResults)) {
    const mine = cachedResults[key]
    if (mine === undefined || result.storedAt > mine.storedAt) cachedResults[key] = result
  }
  const workflows = new Map(
    [...(winner === "a" ? b : a).activeWorkflows, ...win.activeWorkflows].map((workflow) => [workflow.id, workflow])
  )

  return {
    state: {
      schemaVersion: SessionState.SCHEMA_VERSION,
      sessionId: target.sessionId,
      userId: a.userId,
      currentAgent: win.currentAgent,
      agentStack: win.agentStack,
      context: { history, state: appState, preferences, searchContext },
      activeWorkflows: [...workflows.values()],
      cachedResults,
      createdAt: Math.min(a.createdAt, b.createdAt),
      lastActivity: Math.max(a.lastActivity, b.lastActivity),
      version: target.version
    },
    conflicts,
    winner,
    added: { fromA, fromB },
    duplicates
  }
}

const parseProblem = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Service, never, SessionStore.SessionStore> = Effect.gen(function*() {
  const store = yield* SessionStore.SessionStore

  const checkOwner = (sessionId: Ids.SessionId, userId: Ids.UserId, state: SessionState.SessionState) =>
    state.userId === userId ? Effect.succeed(state) : Effect.fail(new Errors.Forbidden({ sessionId, userId }))

  // A reserved id is refused to everyone but the user it names before the
  // store is asked anything: whether it exists is none of their business.
  const mayHold = (sessionId: Ids.SessionId, userId: Ids.UserId) =>
    ReservedSession.mayHold(sessionId, userId) ? Effect.void : Effect.fail(new Errors.Forbidden({ sessionId, userId }))

  // The owner as the store knows it, without reading the record: a session
  // whose record is unreadable can still be recovered by its owner, and
  // only by them. A reserved id's owner is the user it names.
  const ownerChecked = (sessionId: Ids.SessionId, userId: Ids.UserId) =>
    Effect.zipRight(
      mayHold(sessionId, userId),
      Effect.flatMap(
        store.inspect(sessionId),
        (found): Effect.Effect<SessionStore.SessionInfo, Errors.SessionNotFound | Errors.Forbidden> => {
          if (Option.isNone(found)) return Effect.fail(new Errors.SessionNotFound({ sessionId }))
          const owner = ReservedSession.isReserved(sessionId) ? Option.some(userId) : found.value.userId
          return Option.contains(owner, userId)
            ? Effect.succeed(found.value)
            : Effect.fail(new Errors.Forbidden({ sessionId, userId }))
        }
      )
    )

  const restoreSession: Service["restoreSession"] = (sessionId, userId, options) =>
    Effect.zipRight(
      mayHold(sessionId, userId),
      Effect.flatMap(
        store.restore(sessionId, options),
        (loaded): Effect.Effect<Option.Option<SessionState.SessionState>, Errors.Forbidden> =>
          Option.isNone(loaded) ? Effect.succeed(loaded) : Effect.as(checkOwner(sessionId, userId, loaded.value), loaded)
      )
    )

  const owned = (sessionId: Ids.SessionId, userId: Ids.UserId) =>
    Effect.flatMap(restoreSession(sessionId, userId), (loaded) =>
      Option.isSome(loaded)
        ? Effect.succeed(loaded.value)
        : Effect.fail(new Errors.SessionNotFound({ sessionId })))

  const saveSessionState: Service["saveSessionState"] = (userId, state) =>
    Effect.gen(function*() {
      const valid = validateState(state)
      if (Either.isLeft(valid)) return yield* new InvalidSession({ reason: parseProblem(valid.left) })
      if (state.userId !== userId) return yield* new Errors.Forbidden({ sessionId: state.sessionId, userId })
      yield* mayHold(state.sessionId, userId)
      const current = yield* store.restore(state.sessionId)
      if (Option.isSome(current)) yield* checkOwner(state.sessionId, userId, current.value)
      const saved = { ...state, version: state.version + 1 }
      yield* store.commit({ state: saved, expectedVersion: state.version, events: [] })
      return saved
    })

  const listSessions: Service["listSessions"] = (userId) =>
    Effect.gen(function*() {
      const ids = (yield* store.listByUser(userId)).filter((sessionId) => !ReservedSession.isReserved(sessionId))
      const summaries = yield* Effect.forEach(ids, (sessionId) =>
        store.restore(sessionId).pipe(
          Effect.map((loaded): Option.Option<SessionSummary> =>
            Option.map(Option.filter(loaded, (state) => state.userId === userId), (state) => ({
              sessionId,
              status: "ok",
              version: state.version,
              currentAgent: state.currentAgent,
              messages: state.context.history.length,
              lastActivity: state.lastActivity
            }))
          ),
          Effect.catchTag("SessionCorrupted", () =>
            Effect.succeed(Option.some<SessionSummary>({ sessionId, status: "corrupted" })))
        ))
      return summaries.flatMap(Option.toArray).sort((x, y) => (y.lastActivity ?? 0) - (x.lastActivity ?? 0))
    })

  const exportSession: Service["exportSession"] = (sessionId, userId) =>
    Effect.gen(function*() {
      const state = yield* owned(sessionId, userId)
      const events = yield* store.events(sessionId)
      const exported: SessionExport = {
        format: EXPORT_FORMAT,
        exportVersion: EXPORT_VERSION,
        exportedAt: yield* Clock.currentTimeMillis,
        session: Sensitive.redactState(state),
        events: events.map((event) => Sensitive.redactEvent(event))
      }
      return yield* encodeExport(exported).pipe(
        Effect.mapError((error) =>
          new Errors.SessionStoreError({ operation: "export", reason: parseProblem(error), cause: error })
        )
      )
    })

  const parseExport = (json: string) => {
    // Bounded first: decoding and redaction walk the value recursively.
    const parsed = JsonInput.parse(json, { maxDepth: EXPORT_MAX_DEPTH })
    if (Either.isLeft(parsed)) return Effect.fail(new InvalidSessionExport({ reason: parsed.left }))
    const raw = parsed.right
    const header = decodeHeader(raw)
    if (Either.isLeft(header)) {
      return Effect.fail(
        new InvalidSessionExport({ reason: `not a Baton session export: ${parseProblem(header.left)}` })
      )
    }
    if (header.right.exportVersion !== EXPORT_VERSION) {
      return Effect.fail(
        new InvalidSessionExport({
          reason: `export version ${header.right.exportVersion} is not supported (this build reads version ${EXPORT_VERSION})`
        })
      )
    }
    const decoded = decodeExport(raw)
    return Either.isRight(decoded)
      ? Effect.succeed(decoded.right)
      : Effect.fail(new InvalidSessionExport({ reason: parseProblem(decoded.left) }))
  }

  const importSession: Service["importSession"] = (json, options) =>
    Effect.gen(function*() {
      const exported = yield* parseExport(json)
      const imported = Sensitive.redactState(exported.session)
      const sessionId = imported.sessionId
      if (options?.userId !== undefined && imported.userId !== options.userId) {
        return yield* new Errors.Forbidden({ sessionId, userId: options.userId })
      }
      yield* mayHold(sessionId, imported.userId)
      const current = yield* store.restore(sessionId)
      if (Option.isSome(current)) {
        if (options?.overwrite !== true) return yield* new SessionExists({ sessionId })
        yield* checkOwner(sessionId, imported.userId, current.value)
        const state = { ...imported, version: current.value.version + 1 }
        yield* store.commit({ state, expectedVersion: current.value.version, events: [] })
        return state
      }
      const state = { ...imported, version: 1 }
      yield* store.commit({ state, expectedVersion: 0, events: exported.events.map((event) => Sensitive.redactEvent(event)) })
      return state
    })

  const branchState = (userId: Ids.UserId, branch: Branch) =>
    Effect.gen(function*() {
      if ("state" in branch) {
        const valid = validateState(branch.state)
        if (Either.isLeft(valid)) return yield* new InvalidSession({ reason: parseProblem(valid.left) })
        yield* mayHold(branch.state.sessionId, userId)
        return yield* checkOwner(branch.state.sessionId, userId, branch.state)
      }
      const current = yield* owned(branch.sessionId, userId)
      if (branch.snapshotId === undefined) return current
      const snapshot = yield* store.loadSnapshot(branch.sessionId, branch.snapshotId)
      return yield* checkOwner(branch.sessionId, userId, snapshot.state)
    })

  const merge: Service["merge"] = (userId, a, b, options) =>
    Effect.gen(function*() {
      const left = yield* branchState(userId, a)
      const right = yield* branchState(userId, b)
      const into = options?.into ?? left.sessionId
      yield* mayHold(into, userId)
      const current = yield* store.restore(into)
      if (Option.isSome(current)) yield* checkOwner(into, userId, current.value)
      const base = Option.match(current, { onNone: () => 0, onSome: (state) => state.version })
      const result = mergeStates(left, right, { sessionId: into, version: base + 1 })
      yield* store.commit({ state: result.state, expectedVersion: base, events: [] })
      return result
    })

  const releaseQuarantined: Service["releaseQuarantined"] = (sessionId, userId, quarantineId) =>
    Effect.gen(function*() {
      const found = yield* ownerChecked(sessionId, userId)
      const record = yield* store.loadQuarantined(sessionId, quarantineId)
      if (record.userId !== userId) {
        return yield* new InvalidSession({
          reason: `quarantined record #${quarantineId} of session "${sessionId}" holds a session of user ` +
            `"${record.userId}", not of "${userId}"`
        })
      }
      const current = yield* store.restore(sessionId).pipe(
        Effect.catchTag("SessionCorrupted", () => Effect.succeed(Option.none<SessionState.SessionState>()))
      )
      // What the release replaces stays within reach.
      if (Option.isSome(current)) yield* store.saveSnapshot(sessionId, `before releasing quarantined record #${quarantineId}`)
      const base = Option.match(current, { onNone: () => found.version, onSome: (state) => state.version })
      const released = { ...record, version: base + 1 }
      yield* store.commit({ state: released, expectedVersion: base, events: [] }).pipe(
        Effect.catchTag("LeaseLost", Effect.die) // only a commit with a fencing token is fenced
      )
      yield* store.dropQuarantined(sessionId, quarantineId)
      return released
    })

  const resumeUnfinished: Service["resumeUnfinished"] = (sessionId, userId, workflows, options) =>
    Effect.gen(function*() {
      const state = yield* owned(sessionId, userId)
      const runs = unfinishedRuns(state)
      if (runs.length === 0) return { resumed: [], failed: [], withoutDefinition: [] }
      const byName = new Map(workflows.map((workflow) => [workflow.name, workflow]))
      // One checkpoint for all the runs: its writes are serialised, so
      // concurrent runs do not conflict with each other.
      const checkpoint = yield* Effect.provideService(
        WorkflowCheckpoint.makeSessionStore({
          sessionId,
          ...(options?.fencingToken === undefined ? {} : { fencingToken: options.fencingToken })
        }),
        SessionStore.SessionStore,
        store
      )
      const known = runs.filter((run) => byName.has(run.name))
      const outcomes = yield* Effect.forEach(
        known,
        (run) =>
          Effect.either(WorkflowExecutor.execute(byName.get(run.name)!, {
            runId: run.id,
            checkpoint,
            ...(options?.concurrency === undefined ? {} : { concurrency: options.concurrency })
          })),
        { concurrency: "unbounded" }
      )
      const resumed: Array<ResumeReport["resumed"][number]> = []
      const failed: Array<ResumeReport["failed"][number]> = []
      outcomes.forEach((outcome, i) =>
        Either.isRight(outcome)
          ? resumed.push(outcome.right as ResumeReport["resumed"][number])
          : failed.push({ runId: known[i]!.id, workflow: known[i]!.name, error: outcome.left })
      )
      return {
        resumed,
        failed,
        withoutDefinition: runs.filter((run) => !byName.has(run.name)).map((run) => ({ runId: run.id, workflow: run.name }))
      }
    })

  return {
    saveSessionState,
    restoreSession,
    listSessions,
    // The current record may be the unreadable one being recovered from.
    snapshots: (sessionId, userId) => Effect.zipRight(ownerChecked(sessionId, userId), store.snapshots(sessionId)),
    snapshot: (sessionId, userId, label) =>
      Effect.zipRight(owned(sessionId, userId), store.saveSnapshot(sessionId, label)),
    restoreToSnapshot: (sessionId, userId, snapshotId) =>
      Effect.gen(function*() {
        yield* ownerChecked(sessionId, userId)
        const snapshot = yield* store.loadSnapshot(sessionId, snapshotId)
        yield* checkOwner(sessionId, userId, snapshot.state)
        return yield* store.restoreFromSnapshot(sessionId, snapshotId)
      }),
    deleteSession: (sessionId, userId) => Effect.zipRight(ownerChecked(sessionId, userId), store.delete(sessionId)),
    quarantined: (sessionId, userId) => Effect.zipRight(ownerChecked(sessionId, userId), store.quarantined(sessionId)),
    releaseQuarantined,
    dropQuarantined: (sessionId, userId, quarantineId) =>
      Effect.zipRight(ownerChecked(sessionId, userId), store.dropQuarantined(sessionId, quarantineId)),
    exportSession,
    importSession,
    merge,
    resumeUnfinished
  } satisfies Service
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<SessionManager, never, SessionStore.SessionStore> = Layer.effect(SessionManager, make)
