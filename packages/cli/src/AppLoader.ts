/**
 * Finds and loads the host application: a module exporting `app`, core's
 * `BatonApp`. The module is imported at run time, so the CLI depends on no
 * app; `--app` wins, then `"app"` in `baton.config.json`, then the TripSage
 * example's path. An app written in TypeScript is loaded through tsx's
 * loader, registered only then: Node 20 cannot import `.ts` files itself.
 *
 * @since 0.1.0
 */
import { type BatonApp, type Conversation, Scenario, type SessionStore, Workflow } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import * as BatonConfig from "./BatonConfig.js"

/** @since 0.1.0 @category constants */
export const DEFAULT_APP = "examples/tripsage/dist/app.js"

/** @since 0.1.0 @category errors */
export class AppLoadError extends Schema.TaggedError<AppLoadError>("@baton/cli/AppLoadError")("AppLoadError", {
  module: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot load the app from ${this.module}: ${this.reason}`
  }
}

const LayerConstructor = Schema.declare(
  (input): input is BatonApp.BatonApp["layer"] => typeof input === "function",
  { identifier: "(options) => Layer" }
)

const LoadScenario = Schema.declare(
  (input): input is NonNullable<BatonApp.BatonApp["loadScenario"]> => typeof input === "function",
  { identifier: "(user) => Scenario" }
)

const AnyWorkflow = Schema.declare(
  (input): input is Workflow.Any => Workflow.isWorkflow(input),
  { identifier: "Workflow" }
)

/**
 * What the CLI needs from the `app` export. The layer can only be checked to
 * be a function; what it returns is checked by `layer`, and what the layer
 * provides shows when it is built.
 *
 * @since 0.1.0 @category schemas
 */
export const App = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  layer: LayerConstructor,
  demo: Schema.optionalWith(Scenario.Scenario, { exact: true }),
  loadScenario: Schema.optionalWith(LoadScenario, { exact: true }),
  workflows: Schema.optionalWith(Schema.Record({ key: Schema.String, value: AnyWorkflow }), { exact: true })
})

const decodeApp = Schema.decodeUnknown(App)

const isTypeScript = (module: string) => /\.[cm]?tsx?$/.test(module)

let typeScriptLoader: Promise<unknown> | undefined

const importModule = async (module: string): Promise<unknown> => {
  if (isTypeScript(module)) await (typeScriptLoader ??= import("tsx/esm/api").then(({ register }) => register()))
  return import(pathToFileURL(module).href)
}

/**
 * The app module's absolute path.
 *
 * @since 0.1.0 @category accessors
 */
export const resolve = (options: {
  readonly cwd: string
  readonly app?: string | undefined
  readonly config?: string | undefined
}): Effect.Effect<string, BatonConfig.ConfigError> => {
  if (options.app !== undefined) return Effect.succeed(Path.resolve(options.cwd, options.app))
  const configPath = BatonConfig.pathFor(options.cwd, options.config)
  return Effect.map(BatonConfig.load(configPath), (config) => {
    const app = Option.flatMapNullable(config, (config) => config.app)
    // A path in the config file is relative to the file, wherever the CLI runs.
    return Option.isSome(app) ? Path.resolve(Path.dirname(configPath), app.value) : Path.resolve(options.cwd, DEFAULT_APP)
  })
}

/** @since 0.1.0 @category constructors */
export const load = (module: string): Effect.Effect<BatonApp.BatonApp, AppLoadError> =>
  Effect.gen(function*() {
    const fail = (reason: string) => new AppLoadError({ module, reason })
    if (!existsSync(module)) return yield* fail("the file does not exist")
    const exports: unknown = yield* Effect.tryPromise({
      try: () => importModule(module),
      catch: (cause) => fail(cause instanceof Error ? cause.message.split("\n")[0]! : String(cause))
    })
    if (typeof exports !== "object" || exports === null || !("app" in exports)) {
      return yield* fail("the module has no `app` export")
    }
    return yield* decodeApp(exports.app).pipe(
      Effect.mapError((error) => fail(`its \`app\` export is not a Baton app: ${ParseResult.TreeFormatter.formatErrorSync(error)}`))
    )
  })

/**
 * The app's conversation layer for `options`, from the module it was loaded
 * from. An app whose `layer` throws or returns something else is refused.
 *
 * @since 0.1.0 @category constructors
 */
export const layer = (
  app: BatonApp.BatonApp,
  module: string,
  options: BatonApp.LayerOptions
): Effect.Effect<Layer.Layer<Conversation.Conversation, unknown, SessionStore.SessionStore>, AppLoadError> =>
  Effect.try({
    try: () => app.layer(options) as unknown,
    catch: (cause) =>
      new AppLoadError({ module, reason: `its \`layer\` threw: ${cause instanceof Error ? cause.message : String(cause)}` })
  }).pipe(
    Effect.filterOrFail(
      (built): built is Layer.Layer<Conversation.Conversation, unknown, SessionStore.SessionStore> => Layer.isLayer(built),
      () => new AppLoadError({ module, reason: "its `layer` did not return a Layer" })
    )
  )
