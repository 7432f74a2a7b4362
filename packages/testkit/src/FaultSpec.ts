/**
 * What can go wrong with a mock MCP service, as data. A `FaultSpec` is a list
 * of rules; each rule names a fault, optionally narrows it to one service or
 * tool, and fires with a rate (0..1) drawn from its own seeded sequence, so a
 * run can be replayed exactly.
 *
 * Specs come as JSON (this Schema) or as the compact string the command line
 * takes — see `packages/testkit/README.md` for the grammar:
 *
 * @example
 * ```ts
 * import { FaultSpec } from "@baton/testkit"
 * import * as Either from "effect/Either"
 *
 * const spec = FaultSpec.parse("latency:normal(50,10)@0.3;error:rate-limit(2000)@0.1;tool=search_flights:hang@0.05")
 * Either.isRight(spec) // true
 * ```
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidFaultSpec } from "./Errors.js"
import * as grammar from "./internal/faultSpecGrammar.js"

const Millis = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
const PositiveMillis = Schema.Number.pipe(Schema.finite(), Schema.positive())

/** @since 0.1.0 @category schemas */
export const Distribution = Schema.Union(
  Schema.TaggedStruct("Fixed", { ms: Millis }),
  Schema.TaggedStruct("Uniform", { minMs: Millis, maxMs: Millis }).pipe(
    Schema.filter((d) => d.minMs <= d.maxMs || `uniform needs min <= max, got ${d.minMs} > ${d.maxMs}`)
  ),
  Schema.TaggedStruct("Normal", { meanMs: Millis, stddevMs: Millis }),
  /** Log-normal with the given median and 99th percentile. */
  Schema.TaggedStruct("LongTail", { medianMs: PositiveMillis, p99Ms: PositiveMillis }).pipe(
    Schema.filter((d) => d.medianMs <= d.p99Ms || `long-tail needs median <= p99, got ${d.medianMs} > ${d.p99Ms}`)
  )
)
/** @since 0.1.0 @category models */
export type Distribution = typeof Distribution.Type

/**
 * Delay the answer by a sample of `distribution`.
 *
 * @since 0.1.0 @category schemas
 */
export const Latency = Schema.TaggedStruct("Latency", { distribution: Distribution })

/**
 * Answer with a JSON-RPC error.
 *
 * @since 0.1.0 @category schemas
 */
export const RpcError = Schema.TaggedStruct("RpcError", { code: Schema.Int })

/**
 * Answer with a tool result whose `isError` is true.
 *
 * @since 0.1.0 @category schemas
 */
export const ToolError = Schema.TaggedStruct("ToolError", {})

/**
 * Refuse the call with a retry-after hint: as a JSON-RPC error (code
 * `FaultCodes.rateLimited`, `data.retryAfterMs`) or as an `isError` result
 * (`_meta.retryAfterMs`).
 *
 * @since 0.1.0 @category schemas
 */
export const RateLimit = Schema.TaggedStruct("RateLimit", {
  retryAfterMs: Millis,
  as: Schema.optionalWith(Schema.Literal("rpc", "result"), { default: () => "rpc" as const, exact: true })
})

/**
 * Never answer; the call ends only when the client cancels it or the
 * connection closes.
 *
 * @since 0.1.0 @category schemas
 */
export const Hang = Schema.TaggedStruct("Hang", {})

/**
 * Answer `overshootMs` after a deadline of `deadlineMs`: the client has given
 * up by then, the service still did the work.
 *
 * @since 0.1.0 @category schemas
 */
export const Late = Schema.TaggedStruct("Late", {
  deadlineMs: PositiveMillis,
  overshootMs: Schema.optionalWith(PositiveMillis, { default: () => 100, exact: true })
})

/**
 * Run the call, then die before answering: the process exits (stdio, HTTP) or
 * the connection closes (in-process). Side effects have happened — the case
 * idempotency keys exist for.
 *
 * @since 0.1.0 @category schemas
 */
export const Crash = Schema.TaggedStruct("Crash", {})

/**
 * Cycle up for `upMs`, then down for `downMs`, from the moment the spec is
 * installed. Calls while down get a JSON-RPC error (code
 * `FaultCodes.unavailable`) whose `data.retryAfterMs` is the time left down.
 *
 * @since 0.1.0 @category schemas
 */
export const Flap = Schema.TaggedStruct("Flap", { upMs: PositiveMillis, downMs: PositiveMillis })

/**
 * Answer with a result that breaks its contract: `schema` replaces the
 * structured content with an object that does not match the tool's output
 * schema, `content` sends a content block that is not valid MCP.
 *
 * @since 0.1.0 @category schemas
 */
export const Malformed = Schema.TaggedStruct("Malformed", {
  kind: Schema.optionalWith(Schema.Literal("schema", "content"), { default: () => "schema" as const, exact: true })
})

/**
 * Answer with the text content cut to its first `keep` fraction and no
 * structured content, as if the stream had been cut.
 *
 * @since 0.1.0 @category schemas
 */
export const Truncated = Schema.TaggedStruct("Truncated", {
  keep: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(0), Schema.lessThan(1)), {
    default: () => 0.5,
    exact: true
  })
})

/**
 * Hold every `initialize` until `ms` after the spec was installed, as a server
 * that is still starting up.
 *
 * @since 0.1.0 @category schemas
 */
export const SlowStart = Schema.TaggedStruct("SlowStart", { ms: Millis })

/** @since 0.1.0 @category schemas */
export const Fault = Schema.Union(
  Latency,
  RpcError,
  ToolError,
  RateLimit,
  Hang,
  Late,
  Crash,
  Flap,
  Malformed,
  Truncated,
  SlowStart
)
/** @since 0.1.0 @category models */
export type Fault = typeof Fault.Type

/** @since 0.1.0 @category schemas */
export const FaultRule = Schema.Struct({
  fault: Fault,
  /** Only this service; every service when absent. */
  service: Schema.optional(Schema.String),
  /** Only this tool; every tool when absent. */
  tool: Schema.optional(Schema.String),
  /** The chance that a matching call gets the fault. */
  rate: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 1, exact: true }),
  /** The seed of this rule's dice; derived from the server's seed when absent. */
  seed: Schema.optional(Schema.Int)
}).pipe(
  Schema.filter((rule) =>
    rule.fault._tag !== "SlowStart" || (rule.tool === undefined && rule.rate === 1) ||
    "slow-start applies to the whole service: it takes no tool selector and no rate"
  )
)
/** @since 0.1.0 @category models */
export type FaultRule = typeof FaultRule.Type

/** @since 0.1.0 @category schemas */
export const FaultSpec = Schema.Array(FaultRule)
/** @since 0.1.0 @category models */
export type FaultSpec = typeof FaultSpec.Type

/**
 * No faults.
 *
 * @since 0.1.0 @category constructors
 */
export const empty: FaultSpec = []

/**
 * JSON-RPC error codes the injected faults use. MCP defines no code for these,
 * so they sit in the implementation-defined server range.
 *
 * @since 0.1.0 @category constants
 */
export const FaultCodes = {
  /** Rate limited; `data.retryAfterMs` says when to come back. */
  rateLimited: -32029,
  /** Down (flapping); `data.retryAfterMs` is the time left down. */
  unavailable: -32050
} as const

/**
 * The exit code of a mock server process that crashed on purpose.
 *
 * @since 0.1.0 @category constants
 */
export const crashExitCode = 70

const formatIssues = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")

const decodeRule = Schema.decodeUnknownEither(FaultRule)

interface LocatedRule {
  readonly rule: FaultRule
  readonly position: number
  readonly source: string
}

const parseLocated = (text: string): Either.Either<ReadonlyArray<LocatedRule>, InvalidFaultSpec> => {
  const rules: Array<LocatedRule> = []
  try {
    const parsedRules = grammar.parseSpec(text)
    for (const parsed of parsedRules) {
      const decoded = decodeRule(parsed.rule)
      if (Either.isLeft(decoded)) {
        const where = parsedRules.length > 1 ? `rule "${parsed.source}": ` : ""
        return Either.left(
          new InvalidFaultSpec({ spec: text, position: parsed.position, reason: where + formatIssues(decoded.left) })
        )
      }
      rules.push({ rule: decoded.right, position: parsed.position, source: parsed.source })
    }
  } catch (error) {
    if (error instanceof grammar.GrammarError) {
      return Either.left(new InvalidFaultSpec({ spec: text, position: error.position, reason: error.reason }))
    }
    throw error
  }
  return Either.right(rules)
}

/**
 * Reads the compact string syntax, e.g.
 * `latency:normal(50,10)@0.3;error:rate-limit(2000)@0.1;tool=search_flights:hang@0.05#7`.
 *
 * @since 0.1.0 @category parsing
 */
export const parse = (text: string): Either.Either<FaultSpec, InvalidFaultSpec> =>
  Either.map(parseLocated(text), (rules) => rules.map((located) => located.rule))

/**
 * Reads a spec that is injected into one service (as a scenario's turn
 * injects `{ weather: "..." }`): `parse`, and a rule that selects another
 * service with `service=` is refused, since it would never fire there.
 *
 * @since 0.2.0 @category parsing
 */
export const parseFor = (service: string, text: string): Either.Either<FaultSpec, InvalidFaultSpec> =>
  Either.flatMap(parseLocated(text), (rules) => {
    const elsewhere = rules.find((located) => located.rule.service !== undefined && located.rule.service !== service)
    return elsewhere === undefined
      ? Either.right(rules.map((located) => located.rule))
      : Either.left(
        new InvalidFaultSpec({
          spec: text,
          position: elsewhere.position,
          reason: `rule "${elsewhere.source}" selects the service ${elsewhere.rule.service}, ` +
            `but the spec is injected into ${service}: it would never fire`
        })
      )
  })

/**
 * Reads one fault without selectors, rate or seed (`"hang"`,
 * `"error:rpc(-32000)"`), as scripted steps use them.
 *
 * @since 0.1.0 @category parsing
 */
export const parseFault = (text: string): Either.Either<Fault, InvalidFaultSpec> =>
  Either.flatMap(parse(text), (rules) => {
    const [rule] = rules
    return rules.length === 1 && rule !== undefined && rule.tool === undefined && rule.service === undefined &&
        rule.rate === 1 && rule.seed === undefined
      ? Either.right(rule.fault)
      : Either.left(new InvalidFaultSpec({ spec: text, reason: "expected exactly one fault, without selectors, rate or seed" }))
  })

const decodeSpec = Schema.decodeUnknownEither(FaultSpec)

/**
 * Reads a spec from whatever a caller sent: a compact string or the JSON form.
 *
 * @since 0.1.0 @category parsing
 */
export const decode = (input: unknown): Either.Either<FaultSpec, InvalidFaultSpec> =>
  typeof input === "string"
    ? parse(input)
    : Either.mapLeft(
      decodeSpec(input),
      (error) => new InvalidFaultSpec({ spec: JSON.stringify(input) ?? String(input), reason: formatIssues(error) })
    )

/**
 * Writes a spec in the compact syntax; `parse(format(spec))` gives `spec` back.
 *
 * @since 0.1.0 @category formatting
 */
export const format = (spec: FaultSpec): string => spec.map(grammar.formatRule).join(";")

/**
 * A short name per fault kind, as the grammar spells it and stats count it.
 *
 * @since 0.1.0 @category formatting
 */
export const kindOf = (fault: Fault): string => grammar.kindOf(fault)
