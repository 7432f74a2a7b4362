/**
 * The modules a cluster loads at run time: the host app (a module exporting
 * `app: BatonApp`) and the Redis session store. The testkit does not depend
 * on `@baton/session`, so the store's module is imported by name (or the
 * path the runner resolved), as the runner has it installed.
 */
import type { BatonApp, Errors, SessionStore } from "@baton/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { ClusterError } from "../ClusterError.js"

/** Where the workers' shared session store is. */
export interface StoreSpec {
  /** `redis://…`, password included if the server has one: it reaches workers on their stdin, never a command line. */
  readonly url: string
  /** The module exporting `RedisSessionStore` (a path, file URL or package name). Default `@baton/session`. */
  readonly module?: string
  /** Commits wait until this many replicas have them, up to `timeoutMs` (`RedisSessionStore`'s `waitForReplicas`). */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number }
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message.split("\n")[0]! : String(cause))

const importModule = (specifier: string, what: string) =>
  Effect.tryPromise({
    // A variable specifier keeps the type checker from resolving it: the
    // module is the runner's choice.
    try: (): Promise<unknown> => import(specifier),
    catch: (cause) => new ClusterError({ reason: `cannot load ${what} from ${specifier}: ${describe(cause)}` })
  })

const asSpecifier = (module: string) =>
  Path.isAbsolute(module) ? pathToFileURL(module).href : module

type RedisLayer = (options: {
  readonly url: Redacted.Redacted<string>
  readonly waitForReplicas?: { readonly replicas: number; readonly timeout: Duration.Duration }
}) => Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError>

/** The Redis session store `spec` names. */
export const storeLayer = (
  spec: StoreSpec
): Effect.Effect<Layer.Layer<SessionStore.SessionStore, Errors.SessionStoreError>, ClusterError> =>
  Effect.flatMap(importModule(asSpecifier(spec.module ?? "@baton/session"), "the session store"), (exports) => {
    const store = (exports as { readonly RedisSessionStore?: { readonly layer?: unknown } }).RedisSessionStore
    return typeof store?.layer === "function"
      ? Effect.succeed((store.layer as RedisLayer)({
        url: Redacted.make(spec.url),
        ...(spec.waitForReplicas === undefined ? {} : {
          waitForReplicas: { replicas: spec.waitForReplicas.replicas, timeout: Duration.millis(spec.waitForReplicas.timeoutMs) }
        })
      }))
      : Effect.fail(new ClusterError({ reason: `${spec.module ?? "@baton/session"} exports no RedisSessionStore.layer` }))
  })

/** The `app` export of a host app module. */
export const app = (module: string): Effect.Effect<BatonApp.BatonApp, ClusterError> =>
  Effect.flatMap(importModule(asSpecifier(Path.resolve(module)), "the app"), (exports) => {
    const found = (exports as { readonly app?: Partial<BatonApp.BatonApp> }).app
    return typeof found?.layer === "function" && typeof found.name === "string"
      ? Effect.succeed(found as BatonApp.BatonApp)
      : Effect.fail(new ClusterError({ reason: `${module} exports no Baton \`app\`` }))
  })
