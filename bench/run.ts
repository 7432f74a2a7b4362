/**
 * `pnpm bench [filter]` runs every suite (or those whose name or case
 * matches the filter) and prints a Markdown table for BENCHMARKS.md.
 *
 * Each case runs in a process of its own, with its suite's `before` and
 * `after`, as JMH forks a JVM per benchmark: in one process a case's tail
 * depended on the garbage earlier cases had left in the old generation (the
 * Redis commit measured 0 full collections alone and 8–28 after the other
 * session cases; BENCHMARKS.md).
 */
import { fork } from "node:child_process"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { suite as core } from "./core.js"
import { suite as mcp } from "./mcp.js"
import { suite as policies } from "./policies.js"
import { suite as sessions } from "./sessions.js"
import { markdownTable, type Row, runSuite, type Suite } from "./Suite.js"
import { suite as workflows } from "./workflows.js"

const suites: ReadonlyArray<Suite> = [core, mcp, policies, sessions, workflows]
const time = Number(process.env.BENCH_TIME_MS ?? 2000)

/** Set in a child: the suite and case it runs. */
const CASE_ENV = "BATON_BENCH_CASE"

interface Selected {
  readonly suite: Suite
  readonly caseName: string
}

// A child runs one case and sends its row to the parent.
const runChild = async (wanted: string) => {
  const [suiteName, caseName] = JSON.parse(wanted) as [string, string]
  const suite = suites.find((s) => s.name === suiteName)
  const benchCase = suite?.cases.find((c) => c.name === caseName)
  if (suite === undefined || benchCase === undefined) throw new Error(`no benchmark "${caseName}" in suite "${suiteName}"`)
  const rows = await runSuite({ ...suite, cases: [benchCase] }, { time })
  await new Promise<void>((resolve, reject) => process.send!(rows, (error: Error | null) => (error ? reject(error) : resolve())))
}

// Forked with the parent's Node options (the source condition and tsx).
const runForked = ({ caseName, suite }: Selected) =>
  new Promise<Array<Row>>((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CASE_ENV]: JSON.stringify([suite.name, caseName]) }
    })
    let rows: Array<Row> | undefined
    child.on("message", (message) => (rows = message as Array<Row>))
    child.on("error", reject)
    child.on("exit", (code, signal) =>
      rows !== undefined && code === 0
        ? resolve(rows)
        : reject(new Error(`benchmark "${caseName}" (${suite.name}) failed: its process exited with ${signal ?? `code ${code}`}`)))
  })

const runAll = async (filter: string | undefined) => {
  const selected: Array<Selected> = suites.flatMap((suite) =>
    suite.cases
      .filter((c) => filter === undefined || suite.name.includes(filter) || c.name.toLowerCase().includes(filter))
      .map((c) => ({ suite, caseName: c.name }))
  )
  if (selected.length === 0) {
    console.error(`No benchmark matches "${filter}". Suites: ${suites.map((s) => s.name).join(", ")}`)
    process.exit(2)
  }
  const rows: Array<Row> = []
  for (const [i, one] of selected.entries()) {
    process.stderr.write(`[${i + 1}/${selected.length}] ${one.suite.name}: ${one.caseName}…\n`)
    rows.push(...(await runForked(one)))
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU"
  console.log(
    `Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}\n`
  )
  console.log(markdownTable(rows))
}

const wanted = process.env[CASE_ENV]
if (wanted === undefined) await runAll(process.argv[2]?.toLowerCase())
else await runChild(wanted)
