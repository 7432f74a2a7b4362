/**
 * `baton.config.json`: where the CLI finds the app (`"app"`, a module path
 * relative to the file). Other keys, such as `mcpServers`, belong to other
 * commands and are left alone here.
 *
 * @since 0.1.0
 */
import { JsonInput } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFile } from "node:fs/promises"
import * as Path from "node:path"

/** @since 0.1.0 @category constants */
export const FILE_NAME = "baton.config.json"

/** @since 0.1.0 @category schemas */
export const BatonConfig = Schema.Struct({ app: Schema.optional(Schema.NonEmptyString) })
/** @since 0.1.0 @category models */
export type BatonConfig = typeof BatonConfig.Type

/** @since 0.1.0 @category errors */
export class ConfigError extends Schema.TaggedError<ConfigError>("@baton/cli/ConfigError")("ConfigError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.path}: ${this.reason}`
  }
}

const decode = Schema.decodeUnknown(BatonConfig)

const isMissing = (cause: unknown) => cause instanceof Error && "code" in cause && cause.code === "ENOENT"

/**
 * Reads the config file; `None` when it does not exist, so the defaults apply.
 *
 * @since 0.1.0 @category constructors
 */
export const load = (path: string): Effect.Effect<Option.Option<BatonConfig>, ConfigError> =>
  Effect.gen(function*() {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8").catch((cause: unknown) => (isMissing(cause) ? undefined : Promise.reject(cause))),
      catch: (cause) => new ConfigError({ path, reason: `cannot be read: ${cause instanceof Error ? cause.message : String(cause)}` })
    })
    if (text === undefined) return Option.none()
    const invalid = (why: string) => new ConfigError({ path, reason: `is not a valid Baton config: ${why}` })
    // Parsed with a bound on nesting: decoding and its error messages recurse.
    const json = yield* Either.mapLeft(JsonInput.parse(text), invalid)
    const config = yield* decode(json).pipe(
      Effect.mapError((error) => invalid(ParseResult.TreeFormatter.formatErrorSync(error)))
    )
    return Option.some(config)
  })

/**
 * The config file to read: the given path, or `baton.config.json` in `cwd`.
 *
 * @since 0.1.0 @category accessors
 */
export const pathFor = (cwd: string, given: string | undefined): string => Path.resolve(cwd, given ?? FILE_NAME)
