/**
 * What a cluster's coordinator and its workers say to each other: one JSON
 * object per line, the coordinator writing to a worker's stdin and reading
 * its stdout. The first line a worker reads is its options
 * (`ClusterWorker.Options`): they hold the store's URL with its password,
 * which must never be on a command line. A worker stops when its stdin
 * closes, so it never outlives a coordinator that stopped or died.
 *
 * @since 0.1.0
 */
import { HandoffResult } from "@baton/core"
import * as Schema from "effect/Schema"
import * as Recorder from "../load/Recorder.js"
import type * as ClusterWorker from "./ClusterWorker.js"

/**
 * Play a session's turns. `acked` turns were acknowledged already; the
 * worker reads the stored session to find where it really stands, since a
 * turn that committed just before a crash was never acknowledged.
 *
 * @since 0.1.0 @category coordinator
 */
export const Assign = Schema.TaggedStruct("Assign", {
  sessionId: Schema.String,
  userId: Schema.String,
  turns: Schema.Array(Schema.String),
  acked: Schema.Number
})
/** @since 0.1.0 @category coordinator */
export type Assign = typeof Assign.Type

/**
 * Set (`spec`) or clear (no `spec`) faults on one of the app's services,
 * through the app's `BatonApp.FaultInjector`.
 *
 * @since 0.1.0 @category coordinator
 */
export const Fault = Schema.TaggedStruct("Fault", {
  service: Schema.String,
  spec: Schema.optional(Schema.String)
})
/** @since 0.1.0 @category coordinator */
export type Fault = typeof Fault.Type

/** @since 0.1.0 @category coordinator */
export const ToWorker = Schema.Union(Assign, Fault)
/** @since 0.1.0 @category coordinator */
export type ToWorker = typeof ToWorker.Type

/**
 * The app is loaded and its layer built: the worker takes assignments.
 *
 * @since 0.1.0 @category worker
 */
export const Ready = Schema.TaggedStruct("Ready", { pid: Schema.Number, owner: Schema.String })


/**
 * A committed turn. `recovered` marks a turn the worker found committed in
 * the store without having seen it succeed (its process, or the store's
 * answer, was lost after the commit): it is acknowledged, not played again.
 *
 * @since 0.1.0 @category worker
 */
export const Ack = Schema.TaggedStruct("Ack", {
  sessionId: Schema.String,
  /** Zero-based index into the assignment's turns. */
  turn: Schema.Number,
  agent: Schema.String,
  /** The turn's handoffs as the runtime reported them, refused ones included. */
  handoffs: Schema.Array(HandoffResult.HandoffResult),
  durationMs: Schema.Number,
  version: Schema.Number,
  /** Failed attempts before the turn committed: the worker played it again after each. */
  retries: Schema.Number,
  recovered: Schema.Boolean,
  /** What the turn came to (`TurnOutcome`); absent for a recovered turn, which the worker did not see. @since 0.2.0 */
  outcome: Schema.optional(Recorder.Outcome),
  /** Calls Baton's retry policy tried again during the turn's committed attempt. @since 0.2.0 */
  policyRetries: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  /** Calls a fallback service (or a stale result) answered during that attempt. @since 0.2.0 */
  fallbacks: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  /** The workflows that attempt ran, by name, with what each came to. @since 0.2.0 */
  workflows: Schema.optionalWith(Schema.Array(Schema.Struct({ name: Schema.String, kind: Recorder.WorkflowClass })), {
    default: () => []
  })
})
/** @since 0.1.0 @category worker */
export type Ack = typeof Ack.Type

/**
 * A turn kept failing until the worker's retry deadline (with replay off:
 * it failed once); the session is left unfinished.
 *
 * @since 0.1.0 @category worker
 */
export const GaveUp = Schema.TaggedStruct("GaveUp", {
  sessionId: Schema.String,
  turn: Schema.Number,
  attempts: Schema.Number,
  error: Schema.String,
  /** The failed turn's class (`TurnOutcome`), when a turn was played. @since 0.2.0 */
  outcome: Schema.optional(Recorder.Outcome)
})
/** @since 0.1.0 @category worker */
export type GaveUp = typeof GaveUp.Type

/**
 * A failed attempt the worker will retry, for the timeline.
 *
 * @since 0.1.0 @category worker
 */
export const Retrying = Schema.TaggedStruct("Retrying", {
  sessionId: Schema.String,
  turn: Schema.Number,
  error: Schema.String
})
/** @since 0.2.0 @category worker */
export type Retrying = typeof Retrying.Type

/**
 * Turns acknowledged before are missing from the store: it holds `stored`
 * of the session's turns, `acknowledged` were acknowledged (a Redis master
 * that acknowledged them died before its replica had them). The worker
 * plays them again from what the store holds.
 *
 * @since 0.2.0 @category worker
 */
export const Rewound = Schema.TaggedStruct("Rewound", {
  sessionId: Schema.String,
  acknowledged: Schema.Number,
  stored: Schema.Number
})
/** @since 0.2.0 @category worker */
export type Rewound = typeof Rewound.Type

/**
 * The app's fault injector refused a fault (`BatonApp.validateFault`): an
 * unknown service or a spec it does not read. Nothing was injected.
 *
 * @since 0.2.0 @category worker
 */
export const FaultRefused = Schema.TaggedStruct("FaultRefused", {
  service: Schema.String,
  spec: Schema.String,
  reason: Schema.String
})
/** @since 0.2.0 @category worker */
export type FaultRefused = typeof FaultRefused.Type

/**
 * The worker's memory, sent every second.
 *
 * @since 0.1.0 @category worker
 */
export const Stats = Schema.TaggedStruct("Stats", { rssBytes: Schema.Number, heapUsedBytes: Schema.Number })

/**
 * The worker could not start (the app or the store would not load).
 *
 * @since 0.1.0 @category worker
 */
export const Failed = Schema.TaggedStruct("Failed", { reason: Schema.String })

/** @since 0.1.0 @category worker */
export const FromWorker = Schema.Union(Ready, Ack, GaveUp, Retrying, Rewound, FaultRefused, Stats, Failed)
/** @since 0.1.0 @category worker */
export type FromWorker = typeof FromWorker.Type

/**
 * One message as a line.
 *
 * @since 0.1.0 @category codecs
 */
export const encode = (message: ToWorker | FromWorker): string => `${JSON.stringify(message)}\n`

/**
 * A worker's options as the first line of its stdin.
 *
 * @since 0.2.0 @category codecs
 */
export const encodeOptions = (options: ClusterWorker.Options): string => `${JSON.stringify(options)}\n`

const decodeToWorker = Schema.decodeUnknownOption(Schema.parseJson(ToWorker))
const decodeFromWorker = Schema.decodeUnknownOption(Schema.parseJson(FromWorker))

/**
 * A line read from the coordinator; none for anything else.
 *
 * @since 0.1.0 @category codecs
 */
export const decodeToWorkerLine = (line: string) => decodeToWorker(line)

/**
 * A line read from a worker; none for anything else (a stray log line).
 *
 * @since 0.1.0 @category codecs
 */
export const decodeFromWorkerLine = (line: string) => decodeFromWorker(line)
