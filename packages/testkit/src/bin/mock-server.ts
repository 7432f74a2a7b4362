/**
 * Runs a mock MCP service: `mock-server <service> (--stdio | --http PORT)
 * [--faults SPEC] [--seed N]`. With `--http` it prints
 * `listening on http://127.0.0.1:PORT/mcp` on stdout once it accepts connections.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { parseArgs, runMockServer } from "../MockServerCommand.js"

const options = parseArgs(process.argv.slice(2))
if (Either.isLeft(options)) {
  process.stderr.write(`${options.left.message}\n`)
  process.exit(2)
}

const fiber = Effect.runFork(runMockServer(options.right))
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void Effect.runFork(Fiber.interrupt(fiber)))
}
fiber.addObserver((exit) => {
  if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
    // Expected failures (a port in use, an unknown service) read best as their message alone.
    const failure = Cause.failureOption(exit.cause)
    process.stderr.write(`${failure._tag === "Some" ? failure.value.message : Cause.pretty(exit.cause)}\n`)
    process.exit(1)
  }
  process.exit(0)
})
