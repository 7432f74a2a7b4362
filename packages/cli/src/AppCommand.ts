/**
 * What the commands that drive a host application share: the `--app` and
 * `--config` options (declared in `program/AppOptions`), loading the app,
 * and the exit codes of the ways that can go wrong — no app to load is the
 * user's to fix (2, with a one-line reason), a crash is a failure (1).
 *
 * @since 0.1.0
 */
import type { BatonApp } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as AppLoader from "./AppLoader.js"
import type { ConfigError } from "./BatonConfig.js"
import { ExitCode, type Io } from "./Io.js"
import * as TerminalText from "./TerminalText.js"

/** @since 0.1.0 @category models */
export const AppOptions = {
  app: Schema.optionalWith(Schema.String, { exact: true }),
  config: Schema.optionalWith(Schema.String, { exact: true })
}

/**
 * The app named by the options, with the module it came from.
 *
 * @since 0.1.0 @category loading
 */
export const load = (
  io: Io,
  options: { readonly app?: string; readonly config?: string }
): Effect.Effect<{ readonly module: string; readonly app: BatonApp.BatonApp }, ConfigError | AppLoader.AppLoadError> =>
  Effect.flatMap(
    AppLoader.resolve({ cwd: io.cwd, app: options.app, config: options.config }),
    (module) => Effect.map(AppLoader.load(module), (app) => ({ module, app }))
  )

/**
 * Writes `error: <message>` and gives the usage exit code. The message may
 * quote what the user's file or the app held (a bad field's value), so it
 * goes through `TerminalText`.
 *
 * @since 0.1.0 @category exits
 */
export const usage = (io: Io) => (error: { readonly message: string }): Effect.Effect<number> =>
  Effect.sync(() => {
    io.writeError(`error: ${TerminalText.safe(error.message)}\n`)
    return ExitCode.usage
  })

/**
 * The command's exit code: a config or app-loading error is a usage error,
 * a defect is reported as `<activity> crashed`.
 *
 * @since 0.1.0 @category exits
 */
export const exitCode = (io: Io, activity: string) =>
(effect: Effect.Effect<number, ConfigError | AppLoader.AppLoadError>): Effect.Effect<number> =>
  effect.pipe(
    Effect.catchTags({ ConfigError: usage(io), AppLoadError: usage(io) }),
    Effect.catchAllDefect((defect) =>
      Effect.sync(() => {
        io.writeError(`error: ${activity} crashed: ${TerminalText.safe(defect instanceof Error ? defect.message : String(defect))}\n`)
        return ExitCode.failed
      })
    )
  )
