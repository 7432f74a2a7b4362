/**
 * `baton chaos` end to end, as a spawned process: a cluster of worker
 * processes on a redis-server — or a Redis Cluster of three masters and
 * three replicas — the command starts and stops itself, a fault timeline,
 * and the invariants and figures read back from the `--json` report.
 */
import type { Chaos } from "@baton/testkit"
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as net from "node:net"
import * as Path from "node:path"
import { baton, childrenOf, nodeArgs, root, survivors } from "./support.js"

const invariants = ["no-session-lost", "no-acked-turn-lost", "every-turn-once", "context-preserved", "faults-recovered"]

interface Report {
  readonly format: string
  readonly profile: string
  readonly passed: boolean
  readonly sessions: number
  readonly store: string
  readonly timeline: ReadonlyArray<{ readonly atMs: number; readonly kind: string; readonly text: string }>
  readonly invariants: ReadonlyArray<{ readonly name: string; readonly holds: boolean; readonly evidence: string }>
  readonly clusterFaults: ReadonlyArray<Chaos.ClusterFault>
  readonly replay: boolean
  readonly recovery: Chaos.Report["recovery"]
  readonly run: {
    readonly acknowledged: number
    readonly turns: number
    readonly workerRestarts: number
    readonly lostTurns: number
    readonly lostSessions: number
    readonly duplicateTurns: number
    readonly sessionsGivenUp: number
    readonly retries: number
  }
}

// A cold start of the worker processes on a busy 2-core machine dominates the run.
const timeoutMs = 120_000

const chaos = async (profile: string, sessions = 50) => {
  const dir = mkdtempSync(Path.join(tmpdir(), "baton-chaos-"))
  try {
    const file = Path.join(dir, "report.json")
    const ran = await baton(["chaos", profile, "--sessions", String(sessions), "--json", file], { timeoutMs, watchChildren: true })
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
  expect(report.run.acknowledged).toBe(report.run.turns)
  expect(report.run).toMatchObject({ lostTurns: 0, lostSessions: 0, duplicateTurns: 0, sessionsGivenUp: 0 })
  // The harness played no failed turn again: every turn came through on Baton's own recovery.
  expect(report.replay).toBe(false)
  expect(report.recovery.run).toMatchObject({ turns: report.run.acknowledged, replayed: 0, failed: 0 })
}

/** Whether something still listens on 127.0.0.1:`port`. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/**
 * A Redis Cluster profile: the figures of its one failover, and the
 * cluster gone afterwards (every node's port closed, every child ended).
 */
const failedOver = async (profile: string, fault: string) => {
  const sessions = 30
  const { children, code, report, stdout } = await chaos(profile, sessions)
  expect(code, stdout).toBe(0)
  holdsAll(report)
  expect(report.profile).toBe(profile)
  expect(report.store).toMatch(/^Redis Cluster: masters on ports \d+, \d+, \d+, a replica each on ports \d+, \d+, \d+; commits wait for 1 replica/)
  expect(report.clusterFaults).toHaveLength(1)
  const [failover] = report.clusterFaults
  expect(failover).toMatchObject({ fault })
  expect(failover!.master).not.toBe(failover!.replica)
  expect(failover!.sessionsOnMaster).toBeGreaterThan(0)
  // Mid-run: after both workers acknowledged turns, well before the end.
  expect(failover!.atShare).toBeGreaterThan(0)
  expect(failover!.atShare).toBeLessThan(1)
  expect(failover!.writableAfterMs).toBeGreaterThan(0)
  expect(failover!.failoverMs).toBeGreaterThan(0)
  expect(failover!.turnsRetriedDuring).toBeLessThanOrEqual(failover!.retriesDuring)
  expect(report.timeline.map((entry) => entry.text)).toContainEqual(
    expect.stringMatching(new RegExp(`^the replica on port ${failover!.replica} took over from ${failover!.master}: its slots took writes again after \\d+ ms`))
  )
  expect(stdout).toContain("Failovers")
  expect(stdout).toMatch(/0 lost, 0 acknowledged twice; 0 sessions lost, 0 given up/)
  expect(stdout).toContain("PASS: every invariant held")
  // The run's password is in no report or output.
  expect(report.store).not.toContain("@")
  expect(await survivors(children)).toEqual([])
  const ports = [...report.store.matchAll(/\d{4,5}/g)].map((match) => Number(match[0]))
  expect(ports).toHaveLength(6)
  for (const port of ports) expect(await listening(port), `port ${port}`).toBe(false)
  return { failover: failover!, report, stdout }
}

describe("baton chaos", () => {
  it("worker-crash: a worker is SIGKILLed mid-run and replaced; every invariant holds; exit 0", async () => {
    const { children, code, report, stdout } = await chaos("worker-crash")
    expect(code, stdout).toBe(0)
    holdsAll(report)
    expect(report.profile).toBe("worker-crash")
    expect(report.run.workerRestarts).toBe(1)
    // The successor carried the dead worker's sessions on.
    expect(report.recovery.run.takeover).toBeGreaterThan(0)
    expect(stdout).toMatch(/^Recovery \(the harness's replay off\)$/m)
    expect(stdout).toMatch(/^ {2}\d+\.\ds SIGKILL worker \d +\d+ turns committed; .*\d+ carried by a worker takeover; 0 failed$/m)
    expect(report.timeline.filter((entry) => entry.kind === "fault").map((entry) => entry.text)).toEqual([
      expect.stringMatching(/^SIGKILL worker \d \(pid \d+\) at \d+% of turns$/)
    ])
    expect(stdout).toMatch(/exited \(SIGKILL\); \d+ unfinished sessions go to its successor/)
    expect(stdout).toMatch(/✓ holds +no-acked-turn-lost/)
    expect(stdout).toContain("PASS: every invariant held")
    // redis-server and every worker are gone.
    expect(await survivors(children)).toEqual([])
  }, timeoutMs + 5_000)

  it("service-flap: with the harness's replay off, Baton's retry policy carries the turns through; every invariant holds", async () => {
    const { children, code, report, stdout } = await chaos("service-flap")
    expect(code, stdout).toBe(0)
    holdsAll(report)
    const [flap] = report.recovery.faults
    expect(flap).toMatchObject({ fault: "flights: flap(300,300)#1 for 3000 ms", failed: 0 })
    expect(flap!.retries).toBeGreaterThan(0)
    expect(flap!.retried).toBeGreaterThan(0)
    expect(stdout).toMatch(/flights: flap\(300,300\)#1 for 3000 ms +\d+ turns committed; .*[1-9]\d* recovered by Baton's retry policy/)
    expect(await survivors(children)).toEqual([])
  }, timeoutMs + 5_000)

  it("stops on Ctrl-C: the workers stop, the partial report is shown and written, and nothing is left running; exit 130", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "baton-chaos-"))
    try {
      const file = Path.join(dir, "report.json")
      const child = spawn(process.execPath, nodeArgs(["chaos", "worker-crash", "--sessions", "500", "--json", file]), {
        cwd: root,
        env: { ...process.env, NO_COLOR: "1" }
      })
      let stdout = ""
      let stderr = ""
      child.stderr.on("data", (chunk) => (stderr += chunk))
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
      // Once both workers are ready, the run is under way.
      await new Promise<void>((resolve) =>
        child.stdout.on("data", (chunk) => {
          stdout += chunk
          if ((stdout.match(/ready, \d+ sessions assigned/g) ?? []).length === 2) resolve()
        })
      )
      // Its workers and its redis-server.
      const children = await childrenOf(child.pid!)
      expect(children.length).toBeGreaterThanOrEqual(3)
      child.kill("SIGINT")
      expect(await exited, stderr).toBe(130)
      expect(await survivors(children)).toEqual([])
      expect(stderr).toContain("stopping: the timeline stops and the workers stop now; the partial report follows")
      expect(stdout).toContain("stopped (Ctrl-C): the timeline stops; the workers stop now, their turns in flight uncommitted")
      expect(stdout).toContain("INTERRUPTED: the run was stopped before its end")
      const report = JSON.parse(readFileSync(file, "utf8")) as Report & { readonly interrupted: boolean }
      expect(report).toMatchObject({ interrupted: true, passed: false })
      // What was acknowledged is in the store, once.
      for (const name of ["no-session-lost", "no-acked-turn-lost", "every-turn-once", "context-preserved"]) {
        expect(report.invariants.find((invariant) => invariant.name === name), name).toMatchObject({ holds: true })
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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

  it("cluster-failover: CLUSTER FAILOVER of the busiest master mid-run; its replica takes over; every invariant holds; exit 0", async () => {
    const { failover, stdout } = await failedOver("cluster-failover", "failover")
    expect(stdout).toMatch(/CLUSTER FAILOVER on the replica of the master on port \d+ \(serving \d+ of the 30 sessions\) at \d+% of turns/)
    // A manual failover hands over in order: its slots refuse writes for a moment, not a node timeout.
    expect(failover.writableAfterMs).toBeLessThan(failover.failoverMs + 1_000)
  }, timeoutMs + 5_000)

  it("cluster-master-kill: the busiest master SIGKILLed mid-run; its replica is promoted, the node rejoins; every invariant holds; exit 0", async () => {
    const { failover, report, stdout } = await failedOver("cluster-master-kill", "master-kill")
    expect(stdout).toMatch(/SIGKILL the master on port \d+ \(serving \d+ of the 30 sessions\) at \d+% of turns/)
    // Nobody takes a dead master's writes before the cluster's node timeout (2 s) has passed.
    expect(failover.writableAfterMs).toBeGreaterThanOrEqual(2_000)
    expect(report.timeline.map((entry) => entry.text)).toContainEqual(
      expect.stringMatching(new RegExp(`^the killed node on port ${failover.master} started again and rejoined as a replica`))
    )
  }, timeoutMs + 5_000)

  it("an unknown profile is a usage error that lists the profiles: exit 2", async () => {
    const { code, stderr, stdout } = await baton(["chaos", "meteor-strike"])
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toBe(
      'error: unknown profile "meteor-strike"; the profiles are: worker-crash, redis-restart, service-crash, service-flap, ' +
        "latency-spike, all, cluster-failover, cluster-master-kill\n"
    )
  })

  it("a bad number is a usage error: exit 2", async () => {
    const { code, stderr } = await baton(["chaos", "worker-crash", "--workers", "0"])
    expect(code).toBe(2)
    expect(stderr).toBe('error: --workers must be an integer of at least 1, got "0"\n')
  })
})
