/**
 * `pnpm bench [filter]` runs every suite (or those whose name or case
 * matches the filter) and prints a Markdown table for BENCHMARKS.md.
 */
import * as os from "node:os"
import { suite as core } from "./core.js"
import { suite as mcp } from "./mcp.js"
import { suite as policies } from "./policies.js"
import { suite as sessions } from "./sessions.js"
import { markdownTable, type Row, runSuite, type Suite } from "./Suite.js"
import { suite as workflows } from "./workflows.js"

const suites: ReadonlyArray<Suite> = [core, mcp, policies, sessions, workflows]
const filter = process.argv[2]?.toLowerCase()
const time = Number(process.env.BENCH_TIME_MS ?? 2000)

const selected = suites
  .map((suite) => ({
    ...suite,
    cases: suite.cases.filter((c) =>
      filter === undefined || suite.name.includes(filter) || c.name.toLowerCase().includes(filter)
    )
  }))
  .filter((suite) => suite.cases.length > 0)

if (selected.length === 0) {
  console.error(`No benchmark matches "${filter}". Suites: ${suites.map((s) => s.name).join(", ")}`)
  process.exit(2)
}

const rows: Array<Row> = []
for (const suite of selected) {
  process.stderr.write(`running ${suite.name} (${suite.cases.length} cases)…\n`)
  rows.push(...(await runSuite(suite, { time })))
}
const cpu = os.cpus()[0]?.model ?? "unknown CPU"
console.log(`Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}\n`)
console.log(markdownTable(rows))
