/**
 * `pnpm bench:startup [runs]`: how long whole CLI processes take, start to
 * exit, as a user waits for them. Each command runs `runs` times (default 10)
 * after one warm-up, the commands in turn (A B C … A B C …) so a drift of
 * the machine's speed spreads over all of them; prints min, median and max
 * wall time per command as a Markdown table for BENCHMARKS.md.
 *
 * The dist is brought up to date first, so no run pays for a build.
 */
import { spawnSync } from "node:child_process"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { ensureFresh } from "../scripts/dist.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const runs = Number(process.argv[2] ?? 10)

interface Command {
  readonly name: string
  readonly argv: ReadonlyArray<string>
  readonly target?: number
}

const bin = "packages/cli/bin/baton.js"

const commands: ReadonlyArray<Command> = [
  { name: "reference: node -e 0 (Node's own start)", argv: [process.execPath, "-e", "0"] },
  { name: "baton --help, through the bin", argv: [process.execPath, bin, "--help"], target: 150 },
  { name: "reference: pnpm --version (pnpm's own start)", argv: ["pnpm", "--version"] },
  { name: "pnpm baton --help", argv: ["pnpm", "baton", "--help"], target: 600 },
  { name: "baton mcp list, the six stdio mocks of baton.config.json", argv: [process.execPath, bin, "mcp", "list"], target: 1_500 }
]

const once = (command: Command): number => {
  const started = performance.now()
  const ran = spawnSync(command.argv[0]!, command.argv.slice(1), { cwd: root, stdio: ["ignore", "ignore", "pipe"] })
  const elapsed = performance.now() - started
  if (ran.status !== 0) throw new Error(`${command.argv.join(" ")} exited with ${ran.status}: ${String(ran.stderr).trim()}`)
  return elapsed
}

const median = (sorted: ReadonlyArray<number>) => {
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const ms = (value: number) => `${Math.round(value)} ms`

ensureFresh((line) => process.stderr.write(`dist: ${line}\n`))
for (const command of commands) once(command)
const times = new Map(commands.map((command) => [command, [] as Array<number>]))
for (let run = 1; run <= runs; run++) {
  process.stderr.write(`run ${run}/${runs}\n`)
  for (const command of commands) times.get(command)!.push(once(command))
}

console.log(
  `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}, load average ${
    os.loadavg()[0]!.toFixed(1)
  } at the end, ${new Date().toISOString().slice(0, 10)}, ${runs} runs each\n`
)
console.log("| command | min | median | max | target |\n|---|---:|---:|---:|---|")
for (const command of commands) {
  const sorted = [...times.get(command)!].sort((a, b) => a - b)
  const middle = median(sorted)
  const target = command.target === undefined ? "" : `median ≤ ${ms(command.target)} ${middle <= command.target ? "✓" : "✗"}`
  console.log(`| ${command.name} | ${ms(sorted[0]!)} | ${ms(middle)} | ${ms(sorted.at(-1)!)} | ${target} |`)
}
