import { BatonEvent, Errors, EventBus, Ids, type SessionStore } from "@baton/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ReplyError } from "ioredis"
import { type Client, describe, evalScript, evalScriptWaiting, failure, type SafeUrl } from "./redisClient.js"
import * as scripts from "./redisScripts.js"
import type { AcquireOutcome, Backend, CommitOutcome, CommitRequest, RenewOutcome, StoredState } from "./store.js"

/** The keys of one session; all share the hash tag `{s:<id>}`, so one cluster slot. */
export interface SessionKeys {
  readonly base: string
  readonly state: string
  readonly events: string
  readonly snaps: string
  readonly fence: string
  readonly lease: string
  readonly quarantine: string
  readonly snapshot: (id: number) => string
}

export const sessionKeys = (prefix: string, sessionId: string): SessionKeys => {
  const base = `${prefix}:{s:${sessionId}}:`
  return {
    base,
    state: `${base}state`,
    events: `${base}events`,
    snaps: `${base}snaps`,
    fence: `${base}fence`,
    lease: `${base}lease`,
    quarantine: `${base}quarantine`,
    snapshot: (id) => `${base}snap:${id}`
  }
}

export const userKey = (prefix: string, userId: string) => `${prefix}:{u:${userId}}:sessions`

export const channel = (prefix: string) => `${prefix}:invalidate`

/** The invalidation hint published when a session changes. */
export const sessionHint = (sessionId: string) => `session:${sessionId}`

const SnapshotMeta = Schema.parseJson(
  Schema.Struct({ version: Schema.Number, label: Schema.String, createdAt: Schema.Number, checksum: Schema.optional(Schema.Number) })
)
const QuarantineEntry = Schema.parseJson(
  Schema.Struct({ version: Schema.Number, reason: Schema.String, raw: Schema.String, at: Schema.Number })
)
const Reply = Schema.Tuple(Schema.String, Schema.Union(Schema.Number, Schema.String), Schema.optionalElement(Schema.Number))
const decodeReply = Schema.decodeUnknownEither(Reply)
const WrongTypeReply = Schema.Union(
  Schema.Tuple(Schema.Literal(0)),
  Schema.Tuple(Schema.Number, Schema.Number, Schema.String, Schema.String)
)
const decodeWrongTypeReply = Schema.decodeUnknownEither(WrongTypeReply)

/** A key holds another type than the command expects: someone wrote it by hand, say. */
const WRONG_TYPE = Symbol("WRONGTYPE")
const isWrongType = (cause: unknown) => cause instanceof Error && cause.message.startsWith("WRONGTYPE")
const decodeSnapshotMeta = Schema.decodeUnknownEither(SnapshotMeta)
const decodeQuarantineEntry = Schema.decodeUnknownEither(QuarantineEntry)

export interface Options {
  readonly prefix: string
  readonly ttlMs: number
  readonly maxEvents: number
  /** After each commit, WAIT until this many replicas have it, or the timeout passed. */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number } | undefined
}

/**
 * A failure without the server's reply (the connection closed, a timeout):
 * the command may have run. A reply error says it was refused, so did not.
 */
const unanswered = (cause: unknown) => !(cause instanceof ReplyError)

/**
 * A command that never left this process: ioredis gave up on it while
 * reconnecting (`maxRetriesPerRequest`). Sending it again is safe, whatever
 * it does.
 */
const notSent = (cause: unknown) => cause instanceof Error && cause.name === "MaxRetriesPerRequestError"

/**
 * How long an operation waits out an outage (a Redis restart, a failover)
 * before its failure stands: ten retries 100 ms apart growing by half each
 * time, about 11 s, plus the reconnection attempt each try waits for.
 */
const OUTAGE_RETRIES = 10
const outageDelayMs = (retry: number) => 100 * 1.5 ** (retry - 1)

/**
 * Runs `attempt` again while `retryable` says so, within `OUTAGE_RETRIES`;
 * each retry is published as core's `RetryAttempted` (service
 * `session-store`), so a turn that waited out an outage says so.
 */
const waitingOut = <A>(
  attempt: Effect.Effect<A, unknown>,
  retryable: (cause: unknown) => boolean,
  explain: (cause: unknown) => string
): Effect.Effect<A, unknown> => {
  const loop = (retry: number): Effect.Effect<A, unknown> =>
    Effect.catchAll(attempt, (cause) =>
      retry > OUTAGE_RETRIES || !retryable(cause)
        ? Effect.fail(cause)
        : Effect.flatMap(Clock.currentTimeMillis, (at) =>
          Effect.zipRight(
            EventBus.publish(
              BatonEvent.RetryAttempted.make({
                at,
                service: "session-store",
                attempt: retry,
                delayMs: outageDelayMs(retry),
                error: explain(cause)
              })
            ),
            Effect.delay(Effect.suspend(() => loop(retry + 1)), outageDelayMs(retry))
          )))
  return loop(1)
}

/** How often an unanswered commit is read back and sent again before its failure stands. */
const SETTLE_ATTEMPTS = 3


/** A backend over one Redis server or a Redis Cluster: every key a command or script touches shares one hash tag. */
export const makeBackend = (client: Client, url: SafeUrl, options: Options): Backend => {
  const { maxEvents, prefix, ttlMs, waitForReplicas } = options
  const hintChannel = channel(prefix)

  // Every command is sent again while it never left; a read (`idempotent`)
  // also when its answer was lost with the connection.
  const reason = (cause: unknown) => url.scrub(describe(cause))
  const call = <A>(operation: string, f: () => Promise<A>, idempotent = false) =>
    waitingOut(
      Effect.tryPromise({ try: f, catch: (cause) => cause }),
      (cause) => notSent(cause) || (idempotent && unanswered(cause)),
      reason
    ).pipe(Effect.mapError(failure(url, operation)))

  const malformed = (operation: string, what: string, detail: string) =>
    new Errors.SessionStoreError({ operation, reason: `Redis at ${url.display} returned ${what}: ${detail}` })

  const reply = (operation: string, raw: unknown) => {
    const decoded = decodeReply(raw)
    return Either.isRight(decoded)
      ? Effect.succeed(decoded.right)
      : Effect.fail(malformed(operation, "an unexpected script reply", JSON.stringify(raw)))
  }

  const snapshotMeta = (operation: string, id: number, json: string) => {
    const meta = decodeSnapshotMeta(json)
    return Either.isRight(meta)
      ? Effect.succeed(meta.right)
      : Effect.fail(
        malformed(operation, `unreadable metadata for snapshot #${id}`, ParseResult.TreeFormatter.formatErrorSync(meta.left))
      )
  }

  const numberOf = (field: Buffer | null | undefined) => (field === null || field === undefined ? undefined : Number(field.toString()))
  const userOf = (field: Buffer | string | null | undefined) =>
    field === null || field === undefined || field.length === 0 ? undefined : Ids.userId(field.toString())

  // A state key that is no hash is an unreadable record: it is quarantined
  // whole, and what the session now holds is read again.
  const quarantineWrongType = (sessionId: Ids.SessionId): Effect.Effect<StoredState | undefined, Errors.SessionStoreError> => {
    const keys = sessionKeys(prefix, sessionId)
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        call("quarantine", () =>
          evalScript(client, scripts.quarantineWrongType, [keys.state, keys.quarantine, keys.snaps], [now, ttlMs, keys.base])),
        (raw) => {
          const decoded = decodeWrongTypeReply(raw)
          if (Either.isLeft(decoded)) return Effect.fail(malformed("quarantine", "an unexpected script reply", JSON.stringify(raw)))
          if (decoded.right.length === 1) return read(sessionId)
          const [quarantineId, version, reason, user] = decoded.right
          return Effect.succeed<StoredState>({
            version,
            record: undefined,
            quarantineId,
            userId: userOf(user),
            quarantineReason: reason
          })
        }
      ))
  }

  // Read as bytes: the checksum runs over them as they are, and the only text
  // made of the record is the one JSON.parse reads.
  const read = (sessionId: Ids.SessionId): Effect.Effect<StoredState | undefined, Errors.SessionStoreError> =>
    Effect.matchEffect(
      waitingOut(
        Effect.tryPromise({
          try: () => client.hmgetBuffer(sessionKeys(prefix, sessionId).state, "version", "record", "sum", "quarantined", "user"),
          catch: (cause) => cause
        }),
        (cause) => !isWrongType(cause) && unanswered(cause),
        reason
      ),
      {
        onFailure: (error) => (isWrongType(error) ? quarantineWrongType(sessionId) : Effect.fail(failure(url, "load")(error))),
        onSuccess: ([version, record, sum, quarantined, user]) =>
          Effect.succeed(
            version === null || version === undefined
              ? undefined
              : {
                version: Number(version.toString()),
                record: record === null || record === undefined ? undefined : { json: record, checksum: numberOf(sum) },
                quarantineId: numberOf(quarantined),
                userId: userOf(user)
              }
          )
      }
    )

  const commit: Backend["commit"] = (request) => {
    const keys = sessionKeys(prefix, request.sessionId)
    const owner = userKey(prefix, request.userId)
    const snapshot = request.snapshot === undefined
      ? ""
      : JSON.stringify({
        version: request.version,
        label: request.snapshot.label,
        createdAt: request.snapshot.createdAt,
        checksum: request.checksum
      })
    const script = () => {
      const scriptKeys = [keys.state, keys.events, keys.snaps, keys.fence]
      const args = [
        request.expectedVersion,
        request.version,
        request.userId,
        request.record,
        request.fencingToken ?? "",
        ttlMs,
        maxEvents,
        snapshot,
        keys.base,
        hintChannel,
        sessionHint(request.sessionId),
        request.checksum,
        ...request.events
      ]
      // The commit is acknowledged once the replicas have it too, or the
      // timeout passed: then it stands on the master alone, as without WAIT.
      return waitForReplicas === undefined
        ? evalScript(client, scripts.commit, scriptKeys, args)
        : evalScriptWaiting(client, scripts.commit, scriptKeys, args, waitForReplicas.replicas, waitForReplicas.timeoutMs)
          .then(({ reply }) => reply)
    }
    // The user index is in another slot (on a cluster, often on another
    // master), so it is written outside the script, and the commit's outcome
    // is the script's reply alone: a commit whose script ran is never
    // reported failed because the index's server did not answer.
    const index = () => Promise.all([client.sadd(owner, request.sessionId), client.pexpire(owner, ttlMs)])
    const send = Effect.tryPromise({
      try: request.expectedVersion === 0
        // A session's first commit indexes it before writing it: a session
        // is never stored unlisted. A member whose script then lost its
        // race is dropped by listByUser, which checks every member.
        ? () => index().then(script)
        // Later commits only refresh the index's TTL, in the same round
        // trip, best effort: the session is listed already.
        : () => Promise.all([script(), index().catch(() => undefined)]).then(([raw]) => raw),
      catch: (cause) => cause
    })
    const attempt = (left: number): Effect.Effect<CommitOutcome, Errors.SessionStoreError> =>
      Effect.matchEffect(send, {
        onFailure: (cause) =>
          left > 0 && unanswered(cause) ? settle(request, cause, left - 1) : Effect.fail(failure(url, "commit")(cause)),
        onSuccess: (raw) =>
          Effect.flatMap(reply("commit", raw), ([status, value]): Effect.Effect<CommitOutcome, Errors.SessionStoreError> => {
            if (status === "ok") return Effect.succeed({ _tag: "Committed" })
            if (status === "conflict") return Effect.succeed({ _tag: "Conflict", actual: Number(value) })
            if (status === "fenced") return Effect.succeed({ _tag: "Fenced", current: Number(value) })
            return Effect.fail(malformed("commit", "an unexpected script reply", status))
          })
      })
    // A commit whose connection closed before its reply (a failover, a
    // server restart) may or may not have run: the session is read back to
    // tell. Holding this commit's record at its version, it ran; still at
    // the expected version, it did not, and is sent again (the script's
    // compare-and-set makes a second run of one that did run a conflict,
    // never a second write). Anything else is another writer's commit.
    const settle = (sent: CommitRequest, cause: unknown, left: number): Effect.Effect<CommitOutcome, Errors.SessionStoreError> =>
      Effect.flatMap(
        // The read waits out the outage itself.
        Effect.mapError(read(sent.sessionId), () => failure(url, "commit")(cause)),
        (stored): Effect.Effect<CommitOutcome, Errors.SessionStoreError> => {
          const version = stored?.version ?? 0
          if (version === sent.version && stored?.record !== undefined && sent.record.equals(Buffer.from(stored.record.json))) {
            return Effect.succeed({ _tag: "Committed" })
          }
          if (version === sent.expectedVersion) return attempt(left)
          return Effect.succeed({ _tag: "Conflict", actual: version })
        }
      )
    return attempt(SETTLE_ATTEMPTS)
  }

  return {
    read,
    commit,
    quarantine: (entry, asRead) => {
      const keys = sessionKeys(prefix, entry.sessionId)
      const json = JSON.stringify({ version: entry.version, reason: entry.reason, raw: entry.raw, at: entry.at })
      return Effect.map(
        // Compared with the bytes as read: text decoded from bytes that are
        // not UTF-8 would never match them again.
        call("quarantine", () => evalScript(client, scripts.quarantine, [keys.state, keys.quarantine], [entry.version, asRead, json])),
        (id) => (Number(id) > 0 ? Number(id) : undefined)
      )
    },
    dropQuarantined: (sessionId, quarantineId) =>
      Effect.map(
        call("dropQuarantined", () => client.hdel(sessionKeys(prefix, sessionId).quarantine, String(quarantineId))),
        (removed) => removed > 0
      ),
    quarantined: (sessionId) =>
      Effect.flatMap(call("quarantined", () => client.hgetall(sessionKeys(prefix, sessionId).quarantine), true), (entries) =>
        Effect.forEach(
          Object.entries(entries).sort(([a], [b]) => Number(a) - Number(b)),
          ([id, json]) => {
            const entry = decodeQuarantineEntry(json)
            return Either.isRight(entry)
              ? Effect.succeed<SessionStore.QuarantinedRecord>({ sessionId, id: Number(id), ...entry.right })
              : Effect.fail(malformed("quarantined", `an unreadable quarantine entry #${id}`, ParseResult.TreeFormatter.formatErrorSync(entry.left)))
          }
        )),
    events: (sessionId) =>
      Effect.map(
        call("events", () => client.xrange(sessionKeys(prefix, sessionId).events, "-", "+"), true),
        (entries) => entries.map(([, fields]) => fields[1] ?? "")
      ),
    saveSnapshot: (sessionId, snapshot) => {
      const keys = sessionKeys(prefix, sessionId)
      const meta = JSON.stringify({
        version: snapshot.version,
        label: snapshot.label,
        createdAt: snapshot.createdAt,
        checksum: snapshot.checksum
      })
      return Effect.map(
        call("saveSnapshot", () =>
          evalScript(client, scripts.saveSnapshot, [keys.state, keys.snaps], [keys.base, snapshot.record, meta])),
        (id) =>
          Number(id) > 0
            ? { sessionId, id: Number(id), version: snapshot.version, label: snapshot.label, createdAt: snapshot.createdAt }
            : undefined
      )
    },
    snapshots: (sessionId) =>
      Effect.flatMap(call("snapshots", () => client.hgetall(sessionKeys(prefix, sessionId).snaps), true), (entries) =>
        Effect.forEach(
          Object.entries(entries).sort(([a], [b]) => Number(a) - Number(b)),
          ([id, json]) =>
            Effect.map(
              snapshotMeta("snapshots", Number(id), json),
              ({ createdAt, label, version }): SessionStore.SnapshotInfo => ({ sessionId, id: Number(id), version, label, createdAt })
            )
        )),
    snapshot: (sessionId, snapshotId) => {
      const keys = sessionKeys(prefix, sessionId)
      return Effect.flatMap(
        call("loadSnapshot", () =>
          Promise.all([
            client.hget(keys.snaps, String(snapshotId)),
            // A snapshot key of the wrong type is a snapshot that cannot be read, not a failed call.
            client.get(keys.snapshot(snapshotId)).catch((error: unknown) => (isWrongType(error) ? WRONG_TYPE : Promise.reject(error)))
          ]), true),
        ([meta, record]) =>
          meta === null || record === null
            ? Effect.succeed(undefined)
            : Effect.map(snapshotMeta("loadSnapshot", snapshotId, meta), ({ checksum, createdAt, label, version }) => ({
              info: { sessionId, id: snapshotId, version, label, createdAt },
              record: record === WRONG_TYPE
                ? { json: "", checksum: undefined, unreadable: "its key holds another type than a string (WRONGTYPE)" }
                : { json: record, checksum }
            }))
      )
    },
    listByUser: (userId) => {
      const key = userKey(prefix, userId)
      // A member whose state key is no hash is quarantined as it is found,
      // and its owner is then the one the quarantine could tell.
      const ownerOf = (sessionId: string) =>
        Effect.matchEffect(Effect.tryPromise(() => client.hget(sessionKeys(prefix, sessionId).state, "user")), {
          onFailure: ({ error }) =>
            isWrongType(error)
              ? Effect.map(quarantineWrongType(Ids.sessionId(sessionId)), (stored) => stored?.userId ?? null)
              : Effect.fail(failure(url, "listByUser")(error)),
          onSuccess: Effect.succeed
        })
      return Effect.gen(function*() {
        const members = yield* call("listByUser", () => client.smembers(key), true)
        const owners = yield* Effect.forEach(members, ownerOf, { concurrency: "unbounded" })
        // Members whose session expired, was deleted, or belongs to someone
        // else (a commit that lost its race) are dropped from the index.
        const stale = members.filter((_, i) => owners[i] !== userId)
        // Best effort: the listing does not depend on it, and the next one tries again.
        if (stale.length > 0) yield* Effect.ignore(call("listByUser", () => client.srem(key, ...stale)))
        return members.filter((_, i) => owners[i] === userId).sort() as Array<Ids.SessionId>
      })
    },
    delete: (sessionId) => {
      const keys = sessionKeys(prefix, sessionId)
      return call("delete", async () => {
        const user = await evalScript(
          client,
          scripts.deleteSession,
          [keys.state, keys.events, keys.snaps, keys.fence, keys.lease, keys.quarantine],
          [keys.base, hintChannel, sessionHint(sessionId)]
        )
        // Best effort, as the script's reply decides: listByUser drops a
        // member whose session is gone.
        if (typeof user === "string" && user !== "") await client.srem(userKey(prefix, user), sessionId).catch(() => 0)
      })
    },
    acquireLease: (sessionId, owner, leaseMs) => {
      const keys = sessionKeys(prefix, sessionId)
      return Effect.flatMap(
        // Idempotent: the script gives an owner the lease it holds already.
        call("acquireLease", () => evalScript(client, scripts.acquireLease, [keys.lease, keys.fence], [owner, leaseMs, ttlMs]), true),
        (raw) =>
          Effect.flatMap(reply("acquireLease", raw), ([status, value, expiresAt]): Effect.Effect<AcquireOutcome, Errors.SessionStoreError> =>
            status === "ok"
              ? Effect.succeed({ _tag: "Acquired", token: Number(value), expiresAt: expiresAt ?? 0 })
              : Effect.succeed({ _tag: "Held", holder: String(value), expiresAt: expiresAt ?? 0 }))
      )
    },
    renewLease: (lease, leaseMs) => {
      const keys = sessionKeys(prefix, lease.sessionId)
      return Effect.flatMap(
        call("renewLease", () =>
          evalScript(client, scripts.renewLease, [keys.lease, keys.fence], [lease.owner, lease.token, leaseMs, ttlMs]), true),
        (raw) =>
          Effect.map(reply("renewLease", raw), ([status, value]): RenewOutcome =>
            status === "ok" ? { _tag: "Renewed", expiresAt: Number(value) } : { _tag: "Lost", current: Number(value) })
      )
    },
    releaseLease: (lease) => {
      const keys = sessionKeys(prefix, lease.sessionId)
      return Effect.asVoid(call("releaseLease", () => evalScript(client, scripts.releaseLease, [keys.lease], [lease.token]), true))
    }
  }
}
