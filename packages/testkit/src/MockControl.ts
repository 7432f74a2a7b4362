/**
 * Controlling a running mock: change its faults, read its state (the
 * reservations it holds…) and its call counts. In process this is the
 * `MockControl` handle; out of process the same requests go through the
 * `_control` tool or, over HTTP, `POST /control` with a JSON body:
 *
 * ```json
 * {"action": "set_faults", "faults": "tool=reserve:crash@0.5"}
 * {"action": "clear"} {"action": "faults"} {"action": "state"} {"action": "stats"}
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidControlRequest, type InvalidFaultSpec } from "./Errors.js"
import * as FaultSpec from "./FaultSpec.js"

/** @since 0.1.0 @category schemas */
export const ToolStats = Schema.Struct({
  calls: Schema.Number,
  /** Calls received and not yet answered, dropped or cancelled. */
  inFlight: Schema.Number,
  /** How many calls each fault kind affected (`latency`, `rpc-error`, `hang`…). */
  faults: Schema.Record({ key: Schema.String, value: Schema.Number })
})
/** @since 0.1.0 @category models */
export type ToolStats = typeof ToolStats.Type

/** @since 0.1.0 @category schemas */
export const MockStats = Schema.Struct({
  service: Schema.String,
  calls: Schema.Number,
  inFlight: Schema.Number,
  /** Connections (sessions) opened so far. */
  connections: Schema.Number,
  tools: Schema.Record({ key: Schema.String, value: ToolStats })
})
/** @since 0.1.0 @category models */
export type MockStats = typeof MockStats.Type

/** @since 0.1.0 @category models */
export interface MockControl<State = unknown> {
  readonly service: string
  /** Replaces the faults; flapping and slow start count from now. */
  readonly setFaults: (faults: FaultSpec.FaultSpec | string) => Effect.Effect<void, InvalidFaultSpec>
  readonly clearFaults: Effect.Effect<void>
  readonly faults: Effect.Effect<FaultSpec.FaultSpec>
  /** A snapshot of the service's state. */
  readonly state: Effect.Effect<State>
  readonly stats: Effect.Effect<MockStats>
}

/** @since 0.1.0 @category schemas */
export const ControlRequest = Schema.Union(
  Schema.Struct({
    action: Schema.Literal("set_faults"),
    /** A compact spec string or the JSON `FaultSpec`. */
    faults: Schema.Unknown
  }),
  Schema.Struct({ action: Schema.Literal("clear", "faults", "state", "stats") })
)
/** @since 0.1.0 @category models */
export type ControlRequest = typeof ControlRequest.Type

const decodeRequest = Schema.decodeUnknownEither(ControlRequest)

/**
 * Reads a control request from JSON.
 *
 * @since 0.1.0 @category parsing
 */
export const decode = (input: unknown): Either.Either<ControlRequest, InvalidControlRequest> =>
  Either.mapLeft(decodeRequest(input), (error) =>
    new InvalidControlRequest({ reason: ParseResult.TreeFormatter.formatErrorSync(error) }))

const encodeSpec = Schema.encodeSync(FaultSpec.FaultSpec)

const describeFaults = (spec: FaultSpec.FaultSpec) => ({ faults: FaultSpec.format(spec), rules: encodeSpec(spec) })

/**
 * Carries out a control request; the answer is JSON: `{faults, rules}` after
 * `set_faults`, `clear` and `faults`, `{service, state}` for `state`, the
 * `MockStats` for `stats`.
 *
 * @since 0.1.0 @category combinators
 */
export const run = <State>(
  control: MockControl<State>,
  request: ControlRequest
): Effect.Effect<Record<string, unknown>, InvalidFaultSpec> => {
  switch (request.action) {
    case "set_faults":
      return Effect.flatMap(FaultSpec.decode(request.faults), (spec) =>
        Effect.as(control.setFaults(spec), describeFaults(spec)))
    case "clear":
      return Effect.as(control.clearFaults, describeFaults(FaultSpec.empty))
    case "faults":
      return Effect.map(control.faults, describeFaults)
    case "state":
      return Effect.map(control.state, (state) => ({ service: control.service, state }))
    case "stats":
      return control.stats
  }
}
