/**
 * JSON files people write or hand to the CLI (scenarios, session exports):
 * read, parsed and decoded with a schema, and when that fails a `BadFile`
 * with one line per bad field, `path: message` — the path says where to
 * look, which a tree of type names does not.
 *
 * @since 0.1.0
 */
import { JsonInput } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import * as Path from "node:path"

/**
 * A file that cannot be used: unreadable, not JSON, nested deeper than
 * `JsonInput` allows, or not what the command expects (`problems` name each
 * bad field).
 *
 * @since 0.1.0 @category errors
 */
export class BadFile extends Schema.TaggedError<BadFile>("@baton/cli/BadFile")("BadFile", {
  file: Schema.String,
  reason: Schema.String,
  problems: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {
  override get message() {
    return [`${this.file}: ${this.reason}${this.problems.length > 0 ? ":" : ""}`, ...this.problems.map((problem) => `  ${problem}`)].join("\n")
  }
}

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`),
    ""
  )

const isUnder = (outer: ReadonlyArray<PropertyKey>, inner: ReadonlyArray<PropertyKey>) =>
  outer.length <= inner.length && outer.every((key, i) => key === inner[i])

/** @since 0.1.0 @category constants */
export const MAX_PROBLEMS = 12

/**
 * Each problem as `path: message`, at most `MAX_PROBLEMS` of them (then how
 * many more). An optional field that is present but wrong also fails its
 * "or undefined" alternative; that echo is dropped when a more precise
 * problem at or under the same path says what is wrong.
 *
 * @since 0.1.0 @category formatting
 */
export const problems = (error: ParseResult.ParseError): Array<string> => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const echo = (issue: ParseResult.ArrayFormatterIssue) => issue.message.startsWith("Expected undefined")
  const kept = issues.filter((issue) =>
    !echo(issue) || !issues.some((other) => other !== issue && !echo(other) && isUnder(issue.path, other.path))
  )
  // A literal union fails once per member at the same path: one line says it.
  const byPath = new Map<string, Array<string>>()
  for (const issue of kept) {
    const path = pathText(issue.path) || "(the file)"
    byPath.set(path, [...(byPath.get(path) ?? []), issue.message])
  }
  const all = [...byPath].flatMap(([path, messages]) => {
    const alternatives = messages.map((message) => /^Expected (.+), actual (.+)$/s.exec(message))
    const actual = alternatives[0]?.[2]
    return messages.length > 1 && alternatives.every((match) => match !== null && match[2] === actual)
      ? [`${path}: Expected ${alternatives.map((match) => match![1]).join(" | ")}, actual ${actual}`]
      : [...new Set(messages)].map((message) => `${path}: ${message}`)
  })
  return all.length <= MAX_PROBLEMS ? all : [...all.slice(0, MAX_PROBLEMS), `… and ${all.length - MAX_PROBLEMS} more`]
}

/** @since 0.1.0 @category models */
export interface ParseOptions {
  /** Refuse fields the schema does not know: in a hand-written file they are typos. Default false. */
  readonly strict?: boolean
  /** The deepest nesting allowed. Default `JsonInput.DEFAULT_MAX_DEPTH`. */
  readonly maxDepth?: number
}

/**
 * `text`, the contents of `file`, as a `schema` value; `what` names the
 * expected kind of file in the error ("a valid scenario"). Text nested deeper
 * than `options.maxDepth` is refused before it is decoded.
 *
 * @since 0.1.0 @category decoding
 */
export const parse = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
  file: string,
  text: string,
  options: ParseOptions = {}
): Either.Either<A, BadFile> => {
  // Decoding and formatting its errors recurse: the nesting is bounded before either runs.
  const raw = JsonInput.parse(text, options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth })
  if (Either.isLeft(raw)) return Either.left(new BadFile({ file, reason: raw.left }))
  return Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: options.strict === true ? "error" : "ignore" })(raw.right),
    (error) => new BadFile({ file, reason: `not ${what}`, problems: problems(error) })
  )
}

/**
 * The contents of `file`, resolved against `cwd`.
 *
 * @since 0.1.0 @category reading
 */
export const read = (cwd: string, file: string): Effect.Effect<string, BadFile> =>
  Effect.try({
    try: () => readFileSync(Path.resolve(cwd, file), "utf8"),
    catch: (cause) => new BadFile({ file, reason: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})` })
  })

/**
 * `read` then `parse`.
 *
 * @since 0.1.0 @category reading
 */
export const load = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
  cwd: string,
  file: string,
  options: ParseOptions = {}
): Effect.Effect<A, BadFile> => Effect.flatMap(read(cwd, file), (text) => parse(schema, what, file, text, options))
