/**
 * Where the CLI reads its surroundings and writes its output. The commands
 * take it as a value, so they run the same in a process and in a test.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export interface Io {
  readonly write: (text: string) => void
  readonly writeError: (text: string) => void
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether standard output is a terminal: colour and wrapping only then. */
  readonly isTTY: boolean
  readonly columns: number | undefined
}

/** @since 0.1.0 @category constructors */
export const node = (): Io => ({
  write: (text) => void process.stdout.write(text),
  writeError: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns
})

/** @since 0.1.0 @category constants */
export const ExitCode = {
  ok: 0,
  /** An expectation was not met, a handoff lost context, or a turn failed. */
  failed: 1,
  /** Bad arguments, or no app to run. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT), after saying what was done. */
  interrupted: 130
} as const
