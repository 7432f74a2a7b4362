/**
 * Keeps every package's `dist/` (the example apps' too) in step with its
 * `src/` in a checkout of the repository. The `baton` bin, the stdio mock
 * services, the load workers and the default app (TripSage) run compiled
 * JavaScript (tsx transpiling the sources cost 4–5 s per process, and still
 * about 0.9 s of CPU for TripSage alone), and a developer must never run code
 * older than the sources.
 *
 * A package is rebuilt when anything under its `src/` (a file, or a
 * directory: directories change when a file is added, removed or renamed) or
 * its tsconfig is newer than its `dist/.built` stamp. The stamp carries the
 * time the build started, so an edit made during a build is seen by the next
 * check. The rebuild is esbuild's transpilation, file for file, the layout
 * `tsc -b` writes (type checking and declarations are `pnpm typecheck` and
 * `pnpm build`). Several processes can start at once (the six stdio mocks):
 * a lock directory lets one build while the others wait for it.
 *
 * Standalone programs (the testkit's `mock-server`: it loads no host app, so
 * nothing needs to share its copy of effect) are then bundled into their dist
 * file, one module instead of about 800: a stdio mock starts on a third of
 * the CPU, and `baton mcp list` starts six.
 *
 * `node scripts/dist.mjs` brings everything up to date and says what it built.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const repository = fileURLToPath(new URL("..", import.meta.url))
// A build takes about a second; a lock older than this was left by a killed process.
const staleLockMs = 60_000

const newestUnder = (path) => {
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  let newest = stats.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(Path.join(path, entry)))
  return newest
}

const stampOf = (pkg) => Path.join(pkg, "dist", ".built")

const isStale = (pkg) => {
  const stamp = stampOf(pkg)
  if (!existsSync(stamp)) return true
  const sources = Math.max(newestUnder(Path.join(pkg, "src")), statSync(Path.join(pkg, "tsconfig.json")).mtimeMs)
  return sources > statSync(stamp).mtimeMs
}

const sourcesOf = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return sourcesOf(path)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
  })

// Synchronous, so that code spawning a program can make it fresh first.
const transpile = (pkg) => {
  const started = new Date()
  const { buildSync } = createRequire(import.meta.url)("esbuild")
  buildSync({
    entryPoints: sourcesOf(Path.join(pkg, "src")),
    outdir: Path.join(pkg, "dist"),
    outbase: Path.join(pkg, "src"),
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    tsconfig: Path.join(pkg, "tsconfig.json"),
    logLevel: "error"
  })
  writeFileSync(stampOf(pkg), "")
  utimesSync(stampOf(pkg), started, started)
}

// Bundled from the sources, so they follow every package they use.
const programs = [{ entry: "packages/testkit/src/bin/mock-server.ts", out: "packages/testkit/dist/bin/mock-server.js" }]

const bundle = (root) => {
  const { buildSync } = createRequire(import.meta.url)("esbuild")
  for (const program of programs.filter((program) => existsSync(Path.join(root, program.entry)))) {
    buildSync({
      entryPoints: [Path.join(root, program.entry)],
      outfile: Path.join(root, program.out),
      bundle: true,
      conditions: ["@baton/source"],
      format: "esm",
      platform: "node",
      target: "node20",
      // Bundled CommonJS dependencies call require.
      banner: { js: `import { createRequire as __batonRequire } from "node:module"; const require = __batonRequire(import.meta.url);` },
      logLevel: "error"
    })
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

// Every package of the workspace, the example apps among them (the CLI's
// default app is TripSage's dist): a directory under packages/ or examples/
// with src/ and a tsconfig.
const packagesOf = (root) =>
  ["packages", "examples"]
    .map((folder) => Path.join(root, folder))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).map((name) => Path.join(dir, name)))
    .filter((pkg) => existsSync(Path.join(pkg, "src")) && existsSync(Path.join(pkg, "tsconfig.json")))

const acquire = (lock) => {
  mkdirSync(Path.dirname(lock), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      return
    } catch (error) {
      if (error.code !== "EEXIST") throw error
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleLockMs) rmSync(lock, { recursive: true, force: true })
      } catch {
        // Released between the two calls: try again.
      }
      sleep(25)
    }
  }
}

/**
 * Rebuilds the packages whose sources changed, and returns their names. Costs
 * a walk of the source trees (a few milliseconds) when nothing changed.
 * `report` hears what is built; `root` is the repository's by default.
 */
export const ensureFresh = (report = () => {}, root = repository) => {
  const packages = packagesOf(root)
  if (!packages.some(isStale)) return []
  const lock = Path.join(root, "node_modules", ".cache", "baton-dist.lock")
  acquire(lock)
  try {
    // Another process may have built while this one waited.
    const stale = packages.filter(isStale)
    if (stale.length > 0) report(`building ${stale.map((pkg) => Path.basename(pkg)).join(", ")} (sources changed)`)
    for (const pkg of stale) transpile(pkg)
    if (stale.length > 0) bundle(root)
    return stale.map((pkg) => Path.basename(pkg))
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = ensureFresh()
  process.stdout.write(built.length === 0 ? "dist: up to date\n" : `dist: built ${built.join(", ")}\n`)
}
