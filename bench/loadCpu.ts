/**
 * `pnpm bench:load-cpu --sessions <n>`: process CPU time per turn of an
 * in-process `baton load` of TripSage, in this process: one warm-up load
 * (fresh mocks, fresh memory store), then
 * the measured load with `process.cpuUsage()` around `Load.LoadRun.run`
 * (app start, every turn, the final restore of every session), divided by
 * the turns it played. Prints one JSON line.
 *
 *   pnpm bench:load-cpu --sessions 10000 [--warmup 100] [--root <checkout>]
 *
 * `--root` names the checkout whose code is measured (default: this one;
 * modules are imported from there), so two checkouts can be measured in turn.
 */
import { loadavg } from "node:os"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: { root: { type: "string" }, sessions: { type: "string" }, warmup: { type: "string", default: "100" } }
})
if (values.sessions === undefined) {
  console.error("usage: pnpm bench:load-cpu --sessions <n> [--warmup <n>] [--root <checkout>]")
  process.exit(2)
}
const root = values.root ?? fileURLToPath(new URL("..", import.meta.url))
const from = (path: string) => import(pathToFileURL(`${root}/${path}`).href)

const { SessionStore } = await from("packages/core/src/index.ts")
const { Load } = await from("packages/testkit/src/index.ts")
const { app } = await from("examples/tripsage/src/app.ts")
// The same module instance as the packages' own `effect/Effect`: Node keys modules by real path.
const Effect = await from("node_modules/effect/dist/esm/Effect.js")

const load = (sessions: number) => Effect.runPromise(Effect.provide(Load.LoadRun.run(app, { sessions }), SessionStore.layerMemory))

await load(Number(values.warmup))
const loadBefore = loadavg()[0]!
const cpuBefore = process.cpuUsage()
const wallBefore = performance.now()
const report = await load(Number(values.sessions))
const cpu = process.cpuUsage(cpuBefore)
const wallMs = performance.now() - wallBefore
const turns: number = report.turns.total
console.log(JSON.stringify({
  root,
  sessions: Number(values.sessions),
  turns,
  failedTurns: report.turns.failed,
  lost: report.sessions?.lost,
  userMs: Math.round(cpu.user / 1000),
  systemMs: Math.round(cpu.system / 1000),
  cpuPerTurnMs: Number(((cpu.user + cpu.system) / 1000 / turns).toFixed(3)),
  wallMs: Math.round(wallMs),
  rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  // The machine's 1-minute load average at the start and the end: other work shares its two cores.
  load1: [Number(loadBefore.toFixed(1)), Number(loadavg()[0]!.toFixed(1))]
}))
