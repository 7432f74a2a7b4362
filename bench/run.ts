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

/** Set in a child: the suite and the index of the case it runs. */
const CASE_ENV = "BATON_BENCH_CASE"

// Generous: the slowest case (stdio MCP children, a 2 s warm-up) takes ~10 s.
const caseTimeoutMs = 120_000 + 4 * time

interface Selected {
  readonly suite: Suite
  readonly index: number
}

// A child runs one case and sends its row to the parent (or prints it, when
// started by hand with the variable set).
const runChild = async (wanted: string) => {
  const [suiteName, index] = JSON.parse(wanted) as [string, number]
  const suite = suites.find((s) => s.name === suiteName)
  const benchCase = suite?.cases[index]
  if (suite === undefined || benchCase === undefined) throw new Error(`no case #${index} in suite "${suiteName}"`)
  const rows = await runSuite({ ...suite, cases: [benchCase] }, { time })
  const send = process.send?.bind(process)
  if (send === undefined) return console.log(markdownTable(rows))
  await new Promise<void>((resolve, reject) => send(rows, (error: Error | null) => (error ? reject(error) : resolve())))
  process.disconnect()
}

// Forked with the parent's Node options (the source condition and tsx); a
// child's output goes to stderr, so nothing a case prints enters the table.
const runForked = ({ index, suite }: Selected) =>
  new Promise<Array<Row>>((resolve, reject) => {
    const name = `"${suite.cases[index]!.name}" (${suite.name})`
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CASE_ENV]: JSON.stringify([suite.name, index]) },
      stdio: ["ignore", 2, 2, "ipc"]
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), caseTimeoutMs)
    let rows: Array<Row> | undefined
    child.on("message", (message) => (rows = message as Array<Row>))
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // "close", not "exit": it comes after the last message.
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (rows !== undefined && code === 0) return resolve(rows)
      const how = signal === "SIGKILL" ? `was killed after ${caseTimeoutMs / 1000} s` : `exited with ${signal ?? `code ${code}`}`
      reject(new Error(`benchmark ${name} failed: its process ${how}`))
    })
  })

const runAll = async (filter: string | undefined) => {
  const selected: Array<Selected> = suites.flatMap((suite) =>
    suite.cases.flatMap((c, index) =>
      filter === undefined || suite.name.includes(filter) || c.name.toLowerCase().includes(filter) ? [{ suite, index }] : []
    )
  )
  if (selected.length === 0) {
    console.error(`No benchmark matches "${filter}". Suites: ${suites.map((s) => s.name).join(", ")}`)
    process.exit(2)
  }
  const rows: Array<Row> = []
  const failures: Array<string> = []
  for (const [i, one] of selected.entries()) {
    process.stderr.write(`[${i + 1}/${selected.length}] ${one.suite.name}: ${one.suite.cases[one.index]!.name}…\n`)
    await runForked(one).then(
      (caseRows) => void rows.push(...caseRows),
      (error: Error) => void failures.push(error.message)
    )
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU"
  console.log(
    `Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}\n`
  )
  console.log(markdownTable(rows))
  if (failures.length > 0) {
    console.error(failures.join("\n"))
    process.exitCode = 1
  }
}

const wanted = process.env[CASE_ENV]
if (wanted === undefined) await runAll(process.argv[2]?.toLowerCase())
else await runChild(wanted)
