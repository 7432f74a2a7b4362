/**
 * A `redis-server` of our own on a free loopback port, in a temporary
 * folder, that a chaos run can stop and start again on the same port. With
 * `durable` it keeps an append-only file fsynced on every write
 * (`appendonly yes`, `appendfsync always`), so everything a client was told
 * is written survives a restart; without it nothing is persisted. Its
 * settings, a `password` among them, are in a configuration file in its
 * folder (readable by this user only), never on its command line.
 *
 * `dispose` stops it and removes the folder. The server also stops when
 * this process ends, however it ends.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as RedisProcess from "./internal/redisProcess.js"

/** @since 0.1.0 @category errors */
export class RedisServerError extends Schema.TaggedError<RedisServerError>("@baton/testkit/RedisServerError")(
  "RedisServerError",
  { reason: Schema.String }
) {
  override get message() {
    return `redis-server: ${this.reason} (set REDIS_SERVER to the binary if it is not /usr/bin/redis-server)`
  }
}

/** @since 0.1.0 @category models */
export interface Options {
  /** Keep an append-only file, fsynced on every write. Default false. */
  readonly durable?: boolean
  /** The binary. Default `$REDIS_SERVER`, else `/usr/bin/redis-server`. */
  readonly binary?: string
  /**
   * Require this password (`requirepass`, written to the server's
   * configuration file, never its command line); `url` then carries it.
   *
   * @since 0.2.0
   */
  readonly password?: string
}

/** @since 0.1.0 @category models */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>`, with the password (URL-encoded) when the server has one. */
  readonly url: string
  readonly dir: string
  readonly running: () => boolean
  /** The server's pid, while it runs. */
  readonly pid: () => number | undefined
  /** Stops the server (SIGTERM, SIGKILL after 2 s), keeping its port and folder. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port, with what it persisted. */
  readonly restart: Effect.Effect<void, RedisServerError>
  /** Stops it and removes its folder. */
  readonly dispose: Effect.Effect<void>
}

const configuration = (port: number, dir: string, options: Options): ReadonlyArray<readonly [string, string]> => [
  ["port", String(port)],
  ["bind", "127.0.0.1"],
  ["save", ""],
  ...(options.durable === true
    ? [["appendonly", "yes"], ["appendfsync", "always"]] as const
    : [["appendonly", "no"]] as const),
  ["dir", dir],
  ["daemonize", "no"],
  ["loglevel", "warning"],
  ...(options.password === undefined ? [] : [["requirepass", options.password] as const])
]

const launch = (binary: string, port: number, dir: string, options: Options) => {
  const configFile = RedisProcess.configPath(dir)
  RedisProcess.writeConfig(configFile, configuration(port, dir, options))
  return RedisProcess.launch({ binary, port, configFile, password: options.password })
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Starts a server; remember to `dispose` it (or use `scoped`).
 *
 * @since 0.1.0 @category constructors
 */
export const start = (options: Options = {}): Effect.Effect<RedisServer, RedisServerError> =>
  Effect.tryPromise({
    try: async () => {
      const binary = options.binary ?? process.env["REDIS_SERVER"] ?? "/usr/bin/redis-server"
      const dir = mkdtempSync(Path.join(tmpdir(), "baton-chaos-redis-"))
      let child: RedisProcess.Running | undefined
      let port = 0
      // Another process may take the free port before the server binds it.
      for (let attempt = 0; child === undefined; attempt++) {
        port = await RedisProcess.freePort()
        try {
          child = await launch(binary, port, dir, options)
        } catch (error) {
          if (attempt >= 4) {
            rmSync(dir, { recursive: true, force: true })
            throw error
          }
        }
      }
      const stop = Effect.promise(async () => {
        if (child !== undefined) await RedisProcess.terminate(child)
        child = undefined
      })
      return {
        port,
        url: options.password === undefined
          ? `redis://127.0.0.1:${port}`
          : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
        dir,
        running: () => child !== undefined,
        pid: () => child?.pid,
        stop,
        restart: Effect.zipRight(
          stop,
          Effect.tryPromise({
            try: async () => void (child = await launch(binary, port, dir, options)),
            catch: (error) => new RedisServerError({ reason: `did not start again on port ${port}: ${describe(error)}` })
          })
        ),
        dispose: Effect.zipRight(stop, Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      } satisfies RedisServer
    },
    catch: (error) => new RedisServerError({ reason: `did not start: ${describe(error)}` })
  })

/**
 * A server for the scope's lifetime.
 *
 * @since 0.1.0 @category constructors
 */
export const scoped = (options: Options = {}): Effect.Effect<RedisServer, RedisServerError, Scope.Scope> =>
  Effect.acquireRelease(start(options), (server) => server.dispose)
