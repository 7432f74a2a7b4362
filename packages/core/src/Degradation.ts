/**
 * Degradation notes: how a caller learns that an answer it got is not the
 * answer it asked for. A tool gateway that serves a call from a fallback
 * service or from a stale cache returns the value as usual (so that
 * `ToolGateway.invoke` keeps its `unknown` result) and records a `Note` here;
 * the turn (a conversation, an agent, a workflow step) collects the notes of
 * the calls it made and tells the user in plain words ("Weather is
 * unavailable right now; this forecast is from 12 minutes ago.").
 *
 * Notes go to the nearest enclosing `collect`; fibers forked inside it (tool
 * calls run in parallel) record into the same collector. Outside any
 * `collect`, `record` does nothing: the gateway also publishes a
 * `FallbackUsed` event for every degraded answer, so degradation is never
 * silent.
 *
 * @example
 * ```ts
 * import { Degradation } from "@baton/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const [forecast, notes] = yield* Degradation.collect(Effect.succeed({ tempC: 21 }))
 *   return notes.length === 0 ? forecast : { forecast, warning: notes.map(Degradation.describe).join(" ") }
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"

/**
 * One degraded answer.
 *
 * - `fallback`: the call was served by `servedBy`, a substitute for `service`.
 * - `stale`: the call was served from a result `ageMs` old, because `service`
 *   failed.
 * - `alternative`: a workflow step whose service was down ran its declared
 *   alternative instead; `tool` is the step, `servedBy` the alternative
 *   (`service.tool`, or the step's own words for an Effect).
 * - `omitted`: the call failed and the answer goes without what it would
 *   have given (`tool` names that part: "forecast"); `servedBy` is empty.
 *
 * @since 0.1.0 @category models
 */
export interface Note {
  readonly kind: "fallback" | "stale" | "alternative" | "omitted"
  readonly service: string
  readonly tool: string
  /** What answered: the fallback's name, `service` for a stale result, the alternative for a step. */
  readonly servedBy: string
  /** Why the service could not answer (its error's message). */
  readonly reason: string
  /** How old a stale result is. */
  readonly ageMs?: number
  readonly at: number
}

interface Collector {
  readonly notes: Array<Note>
}

const current = FiberRef.unsafeMake<Collector | undefined>(undefined)

/**
 * Records a note in the enclosing `collect`, if any.
 *
 * @since 0.1.0 @category recording
 */
export const record = (note: Note): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(current), (collector) =>
    collector === undefined ? Effect.void : Effect.sync(() => void collector.notes.push(note)))

/**
 * Runs `self` and returns its result with the notes recorded while it ran
 * (its forked fibers included), in order.
 *
 * @since 0.1.0 @category collecting
 */
export const collect = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, ReadonlyArray<Note>], E, R> =>
  Effect.suspend(() => {
    const collector: Collector = { notes: [] }
    return Effect.map(Effect.locally(self, current, collector), (value): [A, ReadonlyArray<Note>] => [
      value,
      collector.notes.slice()
    ])
  })

const minutes = (ms: number) => {
  const m = Math.round(ms / 60_000)
  return m < 1 ? "less than a minute" : m === 1 ? "1 minute" : `${m} minutes`
}

/**
 * One sentence for the user.
 *
 * @since 0.1.0 @category formatting
 */
export const describe = (note: Note): string =>
  note.kind === "fallback"
    ? `${note.service} is unavailable right now; ${note.tool} was answered by ${note.servedBy} instead.`
    : note.kind === "alternative"
    ? `${note.service} is unavailable right now; ${note.tool} was done another way (${note.servedBy}).`
    : note.kind === "omitted"
    ? `${note.service} is unavailable right now; this answer goes without its ${note.tool}.`
    : `${note.service} is unavailable right now; this ${note.tool} result is from ${minutes(note.ageMs ?? 0)} ago ` +
      `and may be out of date.`

const unavailableWords = /unavailable|not available|out of date|is down|could not reach|couldn't reach/i

/**
 * Whether `text` already tells the user about `note`: it holds the note's
 * own sentence, or one of its sentences names the service together with
 * words of unavailability (an agent that wrote its own note).
 *
 * @since 0.1.0 @category formatting
 */
export const isTold = (note: Note, text: string): boolean => {
  if (text.includes(describe(note))) return true
  const service = note.service.toLowerCase()
  return text.split(/(?<=[.!?])\s+|\n+/).some((sentence) =>
    sentence.toLowerCase().includes(service) && unavailableWords.test(sentence)
  )
}

/**
 * The sentences `text` still owes the user about `notes`, each once, in the
 * order the notes were recorded; empty when it tells them everything.
 *
 * @since 0.1.0 @category formatting
 */
export const untold = (notes: ReadonlyArray<Note>, text: string): ReadonlyArray<string> => {
  const sentences: Array<string> = []
  for (const note of notes) {
    const sentence = describe(note)
    if (!sentences.includes(sentence) && !isTold(note, text)) sentences.push(sentence)
  }
  return sentences
}
