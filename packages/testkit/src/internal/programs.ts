/**
 * The `node` arguments that run one of the testkit's programs (the
 * `mock-server` bin, the cluster worker) in a child process, always as
 * compiled JavaScript: tsx transpiling the sources cost 4–5 s per process,
 * 15–35 s on a busy machine, and a parent waiting for its children timed out.
 *
 * Running from `dist/`, the program is the file beside this one. Running from
 * the sources (the repository's tests and benchmarks, under the
 * `@baton/source` condition), it is the package's `dist/` copy, brought up to
 * date with the sources first by the repository's `scripts/dist.mjs` (once per
 * process; a few milliseconds when nothing changed), so no child runs code
 * older than its parent.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** A program of the testkit, by its path under `src/` or `dist/` without extension. */
export type Program = "bin/mock-server" | "cluster/worker"

const fromSources = import.meta.url.endsWith(".ts")

let fresh = false

const ensureFresh = () => {
  if (fresh) return
  const script = fileURLToPath(new URL("../../../../scripts/dist.mjs", import.meta.url))
  if (existsSync(script)) execFileSync(process.execPath, [script], { stdio: ["ignore", "ignore", "inherit"] })
  fresh = true
}

/** The program's compiled file. */
export const path = (program: Program): string => {
  if (!fromSources) return fileURLToPath(new URL(`../${program}.js`, import.meta.url))
  ensureFresh()
  return fileURLToPath(new URL(`../../dist/${program}.js`, import.meta.url))
}
