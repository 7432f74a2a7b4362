import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { RedisSessionStore } from "@baton/session"
import { RedisCluster, RedisServer } from "@baton/testkit"
import * as LoadOptions from "../src/load/LoadOptions.js"
import * as Progress from "../src/load/Progress.js"
import { baton, nodeArgs, root } from "./support.js"

// Small runs, each bounded: the process is killed after a minute (a shared
// CI machine may be slow), the run itself takes seconds.
const bounded = { timeoutMs: 60_000 }
const temp = () => mkdtempSync(Path.join(tmpdir(), "baton-load-"))

/** Every process under `root` with its command line as `ps` and `/proc/<pid>/cmdline` show it to anyone. */
const commandLinesUnder = (rootPid: number) =>
  new Promise<Array<string>>((resolve) =>
    execFile("ps", ["-eo", "pid=,ppid=,args="], { maxBuffer: 16 * 1024 * 1024 }, (error, out) => {
      if (error !== null) return resolve([])
      const rows = out.split("\n").flatMap((line) => {
        const match = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line)
        return match === null ? [] : [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }]
      })
      const lines: Array<string> = []
      let parents = new Set([rootPid])
      while (parents.size > 0) {
        const children = rows.filter((row) => parents.has(row.ppid))
        for (const child of children) {
          lines.push(`${child.pid} ps: ${child.args}`)
          try {
            lines.push(`${child.pid} cmdline: ${readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").join(" ")}`)
          } catch {
            // It exited between ps and the read.
          }
        }
        parents = new Set(children.map((row) => row.pid))
      }
      resolve(lines)
    })
  )

/**
 * `baton <args>` with `env` added to its environment, polling the command
 * lines of every process under it while it runs.
 */
const batonWatched = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>, timeoutMs: number) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly commandLines: Set<string> }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, nodeArgs(args), { cwd: root, env: { ...process.env, NO_COLOR: "1", ...env } })
      let stdout = ""
      let stderr = ""
      const commandLines = new Set<string>()
      const poll = setInterval(() => void commandLinesUnder(child.pid!).then((lines) => lines.forEach((line) => commandLines.add(line))), 100)
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        reject(new Error(`baton ${args.join(" ")} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`))
      }, timeoutMs)
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code) => {
        clearTimeout(timer)
        clearInterval(poll)
        resolve({ code, stdout, stderr, commandLines })
      })
    }
  )

/**
 * `baton load <args>` running in the background; `playing` resolves once its
 * progress line counts played turns, as a user watching it would see them.
 */
const loadInBackground = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, nodeArgs(["load", ...args]), { cwd: root, env: { ...process.env, NO_COLOR: "1" } })
  const out = { stdout: "", stderr: "" }
  child.stdout.on("data", (chunk) => (out.stdout += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
  const playing = new Promise<void>((resolve) =>
    child.stderr.on("data", (chunk) => {
      out.stderr += chunk
      if (/progress .* [1-9]\d* turns/.test(out.stderr)) resolve()
    })
  )
  return { child, out, exited, playing }
}

describe("baton load", () => {
  it("plays concurrent sessions, loses none, preserves every context, and writes JSON and HTML reports", async () => {
    const dir = temp()
    const json = Path.join(dir, "report.json")
    const html = Path.join(dir, "report.html")
    const { code, stderr, stdout } = await baton([
      "load",
      "--sessions", "60",
      "--concurrency", "30",
      "--turns", "6",
      "--ramp-up", "200ms",
      "--seed", "7",
      "--slo", "handoff.p99<60s,errors<=0",
      "--json", json,
      "--html", html,
      "--progress-interval", "200ms"
    ], bounded)
    expect(stderr).toMatch(/^progress \d+%: \d+\/60 sessions · \d+ turns \(0 failed\) · /m)
    expect(stderr).toContain("progress 100%: 60/60 sessions · 360 turns (0 failed)")
    expect(code).toBe(0)
    const lines = stdout.split("\n")
    expect(lines[0]).toMatch(/^Load — TripSage: /)
    expect(lines[1]).toBe(
      "60 sessions · 30 at a time · 6 turns each · ramp-up 200.0 ms · seed 7 · store memory (this process only) · tools in-process"
    )
    expect(lines).toContain("sessions lost                    0 ✓")
    expect(lines).toContain("context-preservation violations  0 ✓")
    expect(stdout).toMatch(/^latency +count +p50 +p90 +p95 +p99 +p99\.9 +max$/m)
    expect(stdout).toMatch(/^turn +360 /m)
    expect(stdout).toMatch(/^SLO handoff\.p99<60000ms +[\d.]+ ms +met$/m)
    expect(lines).toContain("result PASS")
    expect(stdout).toContain(`report written to ${json}`)

    const report = JSON.parse(readFileSync(json, "utf8"))
    expect(report).toMatchObject({
      format: "baton.load-report",
      version: 1,
      settings: { app: "TripSage", sessions: 60, concurrency: 30, turnsPerSession: 6, seed: 7 },
      sessions: { started: 60, completed: 60, lost: 0 },
      turns: { total: 360, failed: 0 },
      handoffs: { contextViolations: 0 },
      passed: true
    })
    expect(report.handoffs.completed).toBeGreaterThanOrEqual(60)
    expect(report.latency.handoff.summary.count).toBe(report.handoffs.completed)
    expect(report.latency.turn.summary.p50).toBeGreaterThan(0)
    expect(report.latency.restore.summary.count).toBeGreaterThanOrEqual(360)
    expect(report.latency.workflow.summary.count).toBeGreaterThan(0)
    expect(report.tools.map((tool: { service: string }) => tool.service)).toEqual(
      expect.arrayContaining(["flights", "weather", "accommodations"])
    )
    // The run's objectives, then Baton's success criteria: sixty travellers, each on a trip of their own, all booked.
    expect(report.slo).toEqual([
      expect.objectContaining({ objective: "handoff.p99<60000ms", met: true }),
      { objective: "errors<=0", actual: 0, unit: "turns", met: true },
      { objective: "handoffs.success>=99%", actual: 100, unit: "%", met: true },
      { objective: "workflows.completed>=95%", actual: 100, unit: "%", met: true },
      { objective: "sessions.lost<1%", actual: 0, unit: "%", met: true }
    ])
    expect(report.workflows.booking).toEqual({ completed: 60 })
    expect(report.turns.classes).toEqual({ ok: 360, degraded: 0, failed: 0 })
    expect(stdout).toMatch(/^turns        360: ok 360, degraded 0, failed 0 \(0\.00 % failed\) · [\d.]+ turns\/s$/m)
    expect(stdout).toMatch(/^workflows    trip-search: completed \d+; booking: completed 60$/m)
    expect(report.timeline.buckets.reduce((sum: number, b: { turns: number }) => sum + b.turns, 0)).toBe(360)

    const page = readFileSync(html, "utf8")
    expect(page.startsWith("<!doctype html>")).toBe(true)
    expect(page.match(/<svg /g)?.length).toBe(6)
    expect(page).toContain("Turn latency distribution")
    expect(page).toContain("Throughput (turns per second)")
    expect(page).toContain("Errors (failed turns per second)")
    // Self-contained: no scripts, stylesheets, images or links to fetch.
    expect(page).not.toMatch(/<script|<link|<img|\ssrc=|\shref=|url\(/i)
  })

  it("exits 1 when an SLO is breached, and says which", async () => {
    const { code, stdout } = await baton(
      ["load", "--sessions", "4", "--turns", "2", "--slo", "turn.p50<1us,errors<1%"],
      bounded
    )
    expect(code).toBe(1)
    expect(stdout).toMatch(/^SLO turn\.p50<0\.001ms +\S+ (ms|s) +BREACHED$/m)
    expect(stdout).toMatch(/^SLO errors<1% +0 % +met$/m)
    expect(stdout).toContain("sessions lost                    0 ✓")
    expect(stdout).toContain("result FAIL")
  })

  it("injects a fault profile through the app, counts the degraded turns, and loses no session", async () => {
    const dir = temp()
    const json = Path.join(dir, "faults.json")
    const { code, stdout } = await baton(
      [
        "load",
        "--sessions",
        "3",
        "--turns",
        "2",
        "--faults",
        "weather=error:rpc(-32050)@1,weather-backup=error:rpc(-32050)@1",
        "--slo",
        "errors<1%",
        "--json",
        json
      ],
      bounded
    )
    // Every forecast fails, from both providers: each turn answers without it and says so, so every turn is degraded and none failed.
    expect(code).toBe(0)
    expect(stdout).toContain("faults: weather=error:rpc(-32050)@1#1, weather-backup=error:rpc(-32050)@1#1")
    expect(stdout).toMatch(/^turns        6: ok 0, degraded 6, failed 0 \(0\.00 % failed\) · /m)
    expect(stdout).toMatch(/^SLO errors<1% +0 % +met$/m)
    const report = JSON.parse(readFileSync(json, "utf8"))
    expect(report.settings.faults).toEqual({ weather: "error:rpc(-32050)@1#1", "weather-backup": "error:rpc(-32050)@1#1" })
    expect(report.turns).toMatchObject({ total: 6, failed: 0, errorRate: 0, classes: { ok: 0, degraded: 6, failed: 0 } })
    // The default breaker opens after five failures in a row: the sixth forecast is refused without a call.
    expect(report.turns.outcomes).toMatchObject({ partial: 5, "breaker-rejected": 1 })
    expect(report.tools.find((tool: { service: string }) => tool.service === "weather").outcomes).toEqual({ error: 5 })
    expect(report.breakerTransitions).toMatchObject([
      { service: "weather", from: "closed", to: "open" },
      { service: "weather-backup", from: "closed", to: "open" }
    ])
    expect(report.sessions).toMatchObject({ started: 3, completed: 3, lost: 0 })
    expect(report.handoffs.contextViolations).toBe(0)
  })

  it("counts a booking saga that compensated as a degraded turn, not an ok one, and fails the run on workflow completion", async () => {
    const json = Path.join(temp(), "sagas.json")
    const { code, stdout } = await baton(
      ["load", "--sessions", "3", "--faults", "payments=error:rpc(-32050)@1", "--json", json],
      bounded
    )
    // Every payment fails: each saga releases the flight and the stay it reserved, and the reply says so politely.
    expect(code).toBe(1)
    expect(stdout).toMatch(/^workflows    trip-search: completed 6; booking: compensated 3$/m)
    expect(stdout).toMatch(/^SLO workflows\.completed>=95% +0 % +BREACHED$/m)
    expect(stdout).toContain("result FAIL")
    const report = JSON.parse(readFileSync(json, "utf8"))
    expect(report.turns).toMatchObject({ failed: 0, classes: { ok: 18, degraded: 3, failed: 0 } })
    expect(report.turns.outcomes["workflow-failed"]).toBe(3)
    expect(report.passed).toBe(false)
  })

  it("stops on Ctrl-C: no new sessions, the turns in flight finish, the partial report is shown and written, exit 130", async () => {
    const json = Path.join(temp(), "partial.json")
    const { child, exited, out, playing } = loadInBackground([
      "--sessions", "100000", "--concurrency", "20", "--progress-interval", "100ms", "--json", json
    ])
    await playing
    child.kill("SIGINT")
    expect(await exited).toBe(130)
    expect(out.stderr).toContain("stopping: no new sessions or turns; the turns in flight finish (Ctrl-C again to quit now)")
    expect(out.stdout).toMatch(/^interrupted +stopped early: \d+ of \d+ sessions played every turn ✗$/m)
    expect(out.stdout).toContain("sessions lost                    0 ✓")
    expect(out.stdout).toContain("result FAIL")
    const report = JSON.parse(readFileSync(json, "utf8"))
    expect(report).toMatchObject({ interrupted: true, passed: false, sessions: { lost: 0 } })
    expect(report.sessions.started).toBeLessThan(100000)
    expect(report.turns.total).toBeGreaterThan(0)
  })

  it.each([
    [["--slo", "turn.p98<3ms"], /^error: invalid SLO at character 1 of "turn\.p98<3ms": unknown statistic "p98"/],
    [["--slo", "handoff.p99<50ms,latency<3"], /^error: invalid SLO at character 18 /],
    [["--faults", "weather=explode"], /^error: invalid fault profile "weather=explode": weather: Invalid fault spec/],
    [["--sessions", "0"], /^error: --sessions must be a positive whole number, got "0"\n$/],
    [["--faults", "nowhere=hang", "--sessions", "1", "--turns", "1"], /^error: cannot inject faults into "nowhere": /],
    [["--store", "redis", "--redis-url", "s3cret-not-a-url"], /^error: the Redis URL is neither redis:\/\/\[:password@\]host:port nor redis\+cluster:\/\//],
    [["--store", "redis", "--redis-node", "127.0.0.1"], /^error: --redis-node must be host:port \(a node of a Redis Cluster\), got "127\.0\.0\.1"\n$/]
  ])("exits 2 with a one-line reason on %j", async (args, message) => {
    const { code, stderr, stdout } = await baton(["load", ...args], bounded)
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toMatch(message)
    expect(stderr.trimEnd().split("\n").filter((line) => line.startsWith("error:"))).toHaveLength(1)
  })

  it("shows examples and exit codes in its help", async () => {
    const { code, stdout } = await baton(["load", "--help"], bounded)
    expect(code).toBe(0)
    expect(stdout).toContain("Examples:\n  $ baton load --sessions 1000")
    expect(stdout).toContain(
      "Exit codes: 0 no session lost, every context preserved and every SLO met, 1 otherwise, 2 usage error,\n130 stopped by Ctrl-C."
    )
    expect(stdout).toContain("Every run is also judged by Baton's success criteria")
    expect(stdout).toContain("--workers <n>")
  })

  it("plays the sessions on two worker processes sharing a Redis store, losing none", async () => {
    const redis = await Effect.runPromise(RedisServer.start())
    try {
      const dir = temp()
      const json = Path.join(dir, "report.json")
      const { code, stderr, stdout } = await baton([
        "load", "--sessions", "40", "--workers", "2", "--store", "redis", "--redis-url", redis.url,
        "--slo", "handoff.p99<60s", "--json", json, "--progress-interval", "1s"
      ], { timeoutMs: 120_000 })
      expect(stderr).toMatch(/^progress \d+%: \d+\/40 sessions/m)
      expect(code).toBe(0)
      expect(stdout).toMatch(/shared by 2 worker processes/)
      expect(stdout).toContain("sessions lost                    0 ✓")
      const report = JSON.parse(readFileSync(json, "utf8"))
      expect(report.sessions).toMatchObject({ started: 40, completed: 40, lost: 0 })
      expect(report.turns.total).toBe(40 * report.settings.turnsPerSession)
      expect(report.turns.failed).toBe(0)
      expect(report.handoffs.contextViolations).toBe(0)
      expect(report.workers).toEqual({ count: 2, exits: [], takeovers: 0, recoveredTurns: 0, replayedAttempts: 0 })
      expect(stdout).toMatch(
        /^workers      2 · none exited · 0 took over · 0 turns found committed after their worker died · 0 failed attempts played again$/m
      )
      // The workers say what each turn and each workflow came to: one booking saga per session, each counted once.
      const bookings = Object.values(report.workflows.booking as Record<string, number>).reduce((sum, n) => sum + n, 0)
      expect(bookings).toBe(40)
      const classes = report.turns.classes as { ok: number; degraded: number; failed: number }
      expect(classes.ok + classes.degraded + classes.failed).toBe(report.turns.total)
      expect(report.passed).toBe(true)
    } finally {
      await Effect.runPromise(redis.dispose)
    }
  }, 150_000)

  it("with --workers, names a worker killed mid-run and the one that took over, and counts every committed turn", async () => {
    const redis = await Effect.runPromise(RedisServer.start())
    try {
      const json = Path.join(temp(), "crash.json")
      const { child, exited, out, playing } = loadInBackground([
        "--sessions", "60", "--workers", "2", "--store", "redis", "--redis-url", redis.url,
        "--json", json, "--progress-interval", "200ms"
      ])
      // Once the workers are playing turns, one of them is killed, as a crash would.
      await playing
      const worker = [...await commandLinesUnder(child.pid!)].find((line) => / ps: .*cluster\/worker\.[jt]s/.test(line))!
      const pid = Number(worker.split(" ")[0])
      process.kill(pid, "SIGKILL")
      expect(await exited, out.stderr).toBe(0)
      const report = JSON.parse(readFileSync(json, "utf8"))
      expect(report.workers.exits).toEqual([expect.objectContaining({ pid, signal: "SIGKILL" })])
      expect(report.workers.takeovers).toBe(1)
      // Every session played every turn: those the successor found committed are counted too.
      expect(report.turns.total).toBe(60 * report.settings.turnsPerSession)
      expect(report.sessions).toMatchObject({ started: 60, completed: 60, lost: 0 })
      expect(out.stdout).toMatch(new RegExp(`^workers      2 · 1 exited \\(slot \\d pid ${pid} SIGKILL at [\\d.]+ m?s\\) · 1 took over · \\d+ turns`, "m"))
    } finally {
      await Effect.runPromise(redis.dispose)
    }
  }, 150_000)

  it("with --workers, stops on Ctrl-C: the workers stop, the partial report is shown and written, exit 130", async () => {
    const redis = await Effect.runPromise(RedisServer.start())
    try {
      const json = Path.join(temp(), "stopped.json")
      const { child, exited, out, playing } = loadInBackground([
        "--sessions", "500", "--workers", "2", "--store", "redis", "--redis-url", redis.url,
        "--json", json, "--progress-interval", "200ms"
      ])
      await playing
      child.kill("SIGINT")
      expect(await exited, out.stderr).toBe(130)
      expect(out.stderr).toContain("stopping: the workers stop now; their turns in flight are not committed (Ctrl-C again to quit now)")
      expect(out.stdout).toContain("result FAIL")
      const report = JSON.parse(readFileSync(json, "utf8"))
      // Every acknowledged turn is in the store: sessions the stop cut short are unfinished, not lost.
      expect(report).toMatchObject({ interrupted: true, passed: false, sessions: { started: 500, lost: 0 } })
      expect(report.turns.total).toBeGreaterThan(0)
      expect(report.sessions.completed).toBeLessThan(500)
    } finally {
      await Effect.runPromise(redis.dispose)
    }
  }, 150_000)

  it("with --workers, a Redis password given only in BATON_REDIS_URL is on no process's command line, and the run works", async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`
    const redis = await Effect.runPromise(RedisServer.start({ password }))
    try {
      const { code, commandLines, stderr, stdout } = await batonWatched(
        ["load", "--sessions", "8", "--workers", "2", "--store", "redis", "--progress-interval", "1s"],
        { BATON_REDIS_URL: redis.url },
        120_000
      )
      expect(code, stderr).toBe(0)
      expect(stdout).toContain("sessions lost                    0 ✓")
      // The two workers were seen while they ran.
      expect([...commandLines].filter((line) => / ps: .*cluster\/worker\.[jt]s/.test(line)).length).toBeGreaterThanOrEqual(2)
      for (const line of commandLines) expect(line).not.toContain(password)
      expect(stdout + stderr).not.toContain(password)
    } finally {
      await Effect.runPromise(redis.dispose)
    }
  }, 150_000)

  it("plays the sessions on two worker processes sharing a Redis Cluster named by --redis-node, losing none; its password on no command line", async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`
    const cluster = await Effect.runPromise(RedisCluster.start({ password }))
    try {
      const dir = temp()
      const json = Path.join(dir, "report.json")
      // Two of the six nodes: the client finds the others.
      const seeds = cluster.seeds.slice(0, 2)
      const { code, commandLines, stderr, stdout } = await batonWatched(
        [
          "load", "--sessions", "24", "--workers", "2", "--store", "redis",
          ...seeds.flatMap((seed) => ["--redis-node", seed]),
          "--json", json, "--progress-interval", "1s"
        ],
        { BATON_REDIS_PASSWORD: password },
        120_000
      )
      expect(code, stderr).toBe(0)
      expect(stdout).toContain(`store redis cluster ${seeds.join(",")} shared by 2 worker processes`)
      expect(stdout).toContain("sessions lost                    0 ✓")
      const report = JSON.parse(readFileSync(json, "utf8"))
      expect(report.sessions).toMatchObject({ started: 24, completed: 24, lost: 0 })
      expect(report.turns.total).toBe(24 * report.settings.turnsPerSession)
      expect(report.turns.failed).toBe(0)
      // The sessions are spread over the cluster's three masters: each holds keys.
      const sizes = await Effect.runPromise(Effect.scoped(Effect.flatMap(
        RedisSessionStore.connectCluster(cluster.url),
        (client) => Effect.promise(() => Promise.all(client.nodes("master").map((master) => master.dbsize())))
      )))
      expect(sizes).toHaveLength(3)
      for (const size of sizes) expect(size).toBeGreaterThan(0)
      expect([...commandLines].filter((line) => / ps: .*cluster\/worker\.[jt]s/.test(line)).length).toBeGreaterThanOrEqual(2)
      for (const line of commandLines) expect(line).not.toContain(password)
      expect(stdout + stderr).not.toContain(password)
    } finally {
      await Effect.runPromise(cluster.dispose)
    }
  }, 150_000)

  it("refuses --workers without the Redis store the workers would share", async () => {
    const { code, stderr } = await baton(["load", "--workers", "2", "--sessions", "1"], bounded)
    expect(code).toBe(2)
    expect(stderr).toBe("error: --workers needs --store redis: the worker processes share its sessions\n")
  })
})

describe("baton load's option values", () => {
  it("reads durations with units, bare numbers as seconds", () => {
    expect(LoadOptions.duration("--duration", "500ms")).toEqual(Either.right(500))
    expect(LoadOptions.duration("--duration", "1.5s")).toEqual(Either.right(1500))
    expect(LoadOptions.duration("--duration", "2m")).toEqual(Either.right(120_000))
    expect(LoadOptions.duration("--duration", "30")).toEqual(Either.right(30_000))
    expect(LoadOptions.duration("--duration", "soon")).toEqual(
      Either.left('--duration must be a duration such as 500ms, 30s or 2m, got "soon"')
    )
  })

  it("reads whole numbers", () => {
    expect(LoadOptions.positiveInt("--sessions", "200")).toEqual(Either.right(200))
    expect(Either.isLeft(LoadOptions.positiveInt("--sessions", "0"))).toBe(true)
    expect(Either.isLeft(LoadOptions.positiveInt("--sessions", "1.5"))).toBe(true)
    expect(LoadOptions.integer("--seed", "-3")).toEqual(Either.right(-3))
    expect(Either.isLeft(LoadOptions.integer("--seed", "x"))).toBe(true)
  })

  it("draws progress as a bar on a terminal and as a line in logs", () => {
    const progress = {
      elapsedMs: 12_300,
      sessionsTotal: 1000,
      turnsTotal: 6000,
      durationMs: null,
      sessionsStarted: 600,
      sessionsCompleted: 450,
      turns: 2700,
      failedTurns: 2,
      handoffs: 2400,
      contextViolations: 0,
      recentTurnsPerSecond: 119.6
    }
    expect(Progress.bar(progress, 20)).toBe(
      "[█████████░░░░░░░░░░░]  45% 450/1000 sessions · 2700 turns (2 failed) · 2400 handoffs · 120 turns/s · 0 violations · 12.3 s"
    )
    expect(Progress.line({ ...progress, sessionsTotal: null, turnsTotal: null, durationMs: 60_000 })).toBe(
      "progress 20%: 450 sessions · 2700 turns (2 failed) · 2400 handoffs · 120 turns/s · 0 violations · 12.3 s"
    )
  })
})
