// Spawned processes (the CLI, mock servers, workers, fixtures) run the
// packages' compiled dist: it is brought up to date with the sources once,
// before any test, rather than by the first processes in parallel.
import { ensureFresh } from "./scripts/dist.mjs"

export const setup = () => {
  ensureFresh((line) => process.stderr.write(`dist: ${line}\n`))
}
