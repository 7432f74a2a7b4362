/**
 * Log lines collected instead of printed: a test that makes the gateway warn
 * (a lost connection, a refused connect) asserts the warning's words, and the
 * test run's output stays free of expected warnings.
 * The testkit's integration tests use it too.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { eventually } from "./helpers.js"

export interface LogLine {
  readonly level: string
  readonly message: string
}

/** The lines logged so far, in order. */
export class Logs extends Context.Tag("test/Logs")<Logs, ReadonlyArray<LogLine>>() {}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : String(message)

/**
 * Replaces the default logger with one that collects into `Logs`, for what
 * runs or is built under it: provide it below the gateway's layer (a
 * supervisor's fiber keeps the logger it was forked with).
 */
export const captureLogs: Layer.Layer<Logs> = Layer.unwrapEffect(Effect.sync(() => {
  const lines: Array<LogLine> = []
  const collect = Logger.make(({ logLevel, message }) => void lines.push({ level: logLevel.label, message: text(message) }))
  return Layer.merge(Layer.succeed(Logs, lines), Logger.replace(Logger.defaultLogger, collect))
}))

/**
 * Waits (real time, bounded) until `message` has been logged at `level`
 * ("WARN", "ERROR", …): a supervisor logs on its own fiber, a moment after
 * what the test can observe. Fails naming what was logged at that level.
 */
export const logged = (level: string, message: string) =>
  Effect.flatMap(Logs, (lines) =>
    eventually(Effect.filterOrFail(
      Effect.sync(() => lines.filter((line) => line.level === level).map((line) => line.message)),
      (messages) => messages.includes(message),
      (messages) => `no ${level} "${message}"; logged: ${JSON.stringify(messages)}`
    )))
