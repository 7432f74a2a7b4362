/**
 * The errors of `@baton/testkit`. Each is a `Schema.TaggedError` with a
 * message that says what went wrong and how to fix it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A fault spec (compact string or JSON) could not be read.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidFaultSpec extends Schema.TaggedError<InvalidFaultSpec>("@baton/testkit/InvalidFaultSpec")(
  "InvalidFaultSpec",
  {
    spec: Schema.String,
    reason: Schema.String,
    /** Zero-based character offset in `spec`, when the spec was a string. */
    position: Schema.optional(Schema.Number)
  }
) {
  override get message() {
    const at = this.position === undefined ? "" : ` at character ${this.position + 1}`
    return `Invalid fault spec${at} in ${JSON.stringify(this.spec)}: ${this.reason}. ` +
      `See packages/testkit/README.md for the grammar.`
  }
}

/**
 * A control request (the `_control` tool or `POST /control`) was not understood.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidControlRequest extends Schema.TaggedError<InvalidControlRequest>(
  "@baton/testkit/InvalidControlRequest"
)("InvalidControlRequest", { reason: Schema.String }) {
  override get message() {
    return `Invalid control request: ${this.reason}. ` +
      `Send {"action": "set_faults", "faults": <spec>} or {"action": "clear" | "faults" | "state" | "stats"}.`
  }
}

/** @since 0.1.0 @category errors */
export class UnknownMockService extends Schema.TaggedError<UnknownMockService>("@baton/testkit/UnknownMockService")(
  "UnknownMockService",
  { name: Schema.String, known: Schema.Array(Schema.String) }
) {
  override get message() {
    return `There is no mock service "${this.name}". Available: ${this.known.join(", ")}.`
  }
}

/**
 * A mock server could not start serving (a port in use, a closed stdin…).
 *
 * @since 0.1.0 @category errors
 */
export class ServeFailed extends Schema.TaggedError<ServeFailed>("@baton/testkit/ServeFailed")("ServeFailed", {
  service: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Mock service "${this.service}" could not start: ${this.reason}`
  }
}

/** @since 0.1.0 @category errors */
export class InvalidMockServerArguments extends Schema.TaggedError<InvalidMockServerArguments>(
  "@baton/testkit/InvalidMockServerArguments"
)("InvalidMockServerArguments", { reason: Schema.String, usage: Schema.String }) {
  override get message() {
    return `${this.reason}\n${this.usage}`
  }
}

/**
 * A scripted service received a call its script did not expect.
 *
 * @since 0.1.0 @category errors
 */
export class UnexpectedCall extends Schema.TaggedError<UnexpectedCall>("@baton/testkit/UnexpectedCall")(
  "UnexpectedCall",
  {
    service: Schema.String,
    tool: Schema.String,
    args: Schema.Unknown,
    /** What the script expected instead, or undefined when it had no steps left. */
    expected: Schema.optional(Schema.String)
  }
) {
  override get message() {
    const got = `${this.tool}(${JSON.stringify(this.args)})`
    return this.expected === undefined
      ? `Scripted service "${this.service}" got ${got} after its script was exhausted.`
      : `Scripted service "${this.service}" got ${got} but expected ${this.expected}.`
  }
}

/**
 * A scripted service still had steps left when the test ended.
 *
 * @since 0.1.0 @category errors
 */
export class ScriptIncomplete extends Schema.TaggedError<ScriptIncomplete>("@baton/testkit/ScriptIncomplete")(
  "ScriptIncomplete",
  { service: Schema.String, remaining: Schema.Array(Schema.String) }
) {
  override get message() {
    return `Scripted service "${this.service}" has ${this.remaining.length} step(s) left: ${this.remaining.join(", ")}.`
  }
}

/** @since 0.1.0 @category errors */
export type TestkitError =
  | InvalidFaultSpec
  | InvalidControlRequest
  | UnknownMockService
  | ServeFailed
  | InvalidMockServerArguments
  | UnexpectedCall
  | ScriptIncomplete
