/**
 * `baton chaos` end to end, as a spawned process: a cluster of worker
 * processes on a redis-server the command starts and stops itself, a fault
 * timeline, and the invariants read back from the `--json` report.
 */
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { baton, survivors } from "./support.js"

const invariants = ["no-session-lost", "no-acked-turn-lost", "every-turn-once", "context-preserved", "faults-recovered"]

interface Report {
  readonly format: string
  readonly profile: string
  readonly passed: boolean
  readonly sessions: number
  readonly timeline: ReadonlyArray<{ readonly kind: string; readonly text: string }>
  readonly invariants: ReadonlyArray<{ readonly name: string; readonly holds: boolean; readonly evidence: string }>
  readonly run: { readonly acknowledged: number; readonly turns: number; readonly workerRestarts: number }
}

// A cold start of the worker processes on a busy 2-core machine dominates the run.
const timeoutMs = 120_000

const chaos = async (profile: string) => {
  const dir = mkdtempSync(Path.join(tmpdir(), "baton-chaos-"))
  try {
    const file = Path.join(dir, "report.json")
    const ran = await baton(["chaos", profile, "--sessions", "50", "--json", file], { timeoutMs, watchChildren: true })
    const report = JSON.parse(readFileSync(file, "utf8")) as Report
    return { ...ran, report }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const holdsAll = (report: Report) => {
  expect(report.format).toBe("baton.chaos-report")
  expect(report.invariants.map((invariant) => invariant.name)).toEqual(invariants)
  for (const invariant of report.invariants) expect(invariant, invariant.evidence).toMatchObject({ holds: true })
  expect(report.passed).toBe(true)
  // Every session played every scripted turn plus the turn after the timeline.
  expect(report.run.acknowledged).toBe(50 * report.run.turns)
}

describe("baton chaos", () => {
  it("worker-crash: a worker is SIGKILLed mid-run and replaced; every invariant holds; exit 0", async () => {
    const { children, code, report, stdout } = await chaos("worker-crash")
    expect(code, stdout).toBe(0)
    holdsAll(report)
    expect(report.profile).toBe("worker-crash")
    expect(report.run.workerRestarts).toBe(1)
    expect(report.timeline.filter((entry) => entry.kind === "fault").map((entry) => entry.text)).toEqual([
      expect.stringMatching(/^SIGKILL worker \d \(pid \d+\) at \d+% of turns$/)
    ])
    expect(stdout).toMatch(/exited \(SIGKILL\); \d+ unfinished sessions go to its successor/)
    expect(stdout).toMatch(/✓ holds +no-acked-turn-lost/)
    expect(stdout).toContain("PASS: every invariant held")
    // redis-server and every worker are gone.
    expect(await survivors(children)).toEqual([])
  }, timeoutMs + 5_000)

  it("redis-restart: redis-server is stopped and started again mid-run; every invariant holds; exit 0", async () => {
    const { children, code, report, stdout } = await chaos("redis-restart")
    expect(code, stdout).toBe(0)
    holdsAll(report)
    expect(report.timeline.filter((entry) => entry.kind !== "cluster").map((entry) => entry.text)).toContainEqual(
      expect.stringMatching(/^redis-server stopped at \d+% of turns$/)
    )
    expect(report.timeline.map((entry) => entry.text)).toContainEqual(
      expect.stringMatching(/^redis-server started again on port \d+ after 1500 ms$/)
    )
    expect(await survivors(children)).toEqual([])
  }, timeoutMs + 5_000)

  it("an unknown profile is a usage error that lists the profiles: exit 2", async () => {
    const { code, stderr, stdout } = await baton(["chaos", "meteor-strike"])
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toBe(
      'error: unknown profile "meteor-strike"; the profiles are: worker-crash, redis-restart, service-crash, service-flap, latency-spike, all\n'
    )
  })

  it("a bad number is a usage error: exit 2", async () => {
    const { code, stderr } = await baton(["chaos", "worker-crash", "--workers", "0"])
    expect(code).toBe(2)
    expect(stderr).toBe('error: --workers must be an integer of at least 1, got "0"\n')
  })
})
