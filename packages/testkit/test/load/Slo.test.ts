import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import * as Histogram from "../../src/load/Histogram.js"
import * as Recorder from "../../src/load/Recorder.js"
import * as Report from "../../src/load/Report.js"
import * as Slo from "../../src/load/Slo.js"
import { workflowCompleted } from "./events.js"

const parsed = (text: string) => Either.getOrThrowWith(Slo.parse(text), (error) => error)
const failure = (text: string) => {
  const result = Slo.parse(text)
  if (Either.isRight(result)) throw new Error(`"${text}" should not parse`)
  return result.left
}

const comparison = fc.constantFrom<Slo.Comparison>("<", "<=", ">", ">=")
const amount = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((n) => Math.abs(n))
const objective: fc.Arbitrary<Slo.Objective> = fc.oneof(
  fc.record({
    _tag: fc.constant("Latency" as const),
    metric: fc.constantFrom(...Slo.latencyMetrics.filter((m) => m !== "tool")),
    stat: fc.constantFrom(...Histogram.stats),
    comparison,
    thresholdMs: amount
  }),
  fc.record({
    _tag: fc.constant("Latency" as const),
    metric: fc.constant("tool" as const),
    service: fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/),
    stat: fc.constantFrom(...Histogram.stats),
    comparison,
    thresholdMs: amount
  }),
  fc.record({ _tag: fc.constant("ErrorRate" as const), comparison, percent: amount }),
  fc.record({ _tag: fc.constant("ErrorCount" as const), comparison, count: fc.nat() }),
  fc.record({ _tag: fc.constant("Throughput" as const), comparison, perSecond: amount }),
  fc.record({ _tag: fc.constant("Share" as const), metric: fc.constantFrom(...Slo.shareMetrics), comparison, percent: amount })
)

describe("Slo.parse", () => {
  it("reads the objectives of the issue's example", () => {
    expect(parsed("handoff.p99<50ms,turn.p99<300ms,errors<1%")).toEqual([
      { _tag: "Latency", metric: "handoff", stat: "p99", comparison: "<", thresholdMs: 50 },
      { _tag: "Latency", metric: "turn", stat: "p99", comparison: "<", thresholdMs: 300 },
      { _tag: "ErrorRate", comparison: "<", percent: 1 }
    ])
  })

  it("reads units, tool services, counts, throughput and blank items", () => {
    expect(parsed(" restore.p999 <= 500us , tool.flights.max<2s, tool.p50<1.5, errors<=0, throughput>=120/s,")).toEqual([
      { _tag: "Latency", metric: "restore", stat: "p999", comparison: "<=", thresholdMs: 0.5 },
      { _tag: "Latency", metric: "tool", service: "flights", stat: "max", comparison: "<", thresholdMs: 2000 },
      { _tag: "Latency", metric: "tool", stat: "p50", comparison: "<", thresholdMs: 1.5 },
      { _tag: "ErrorCount", comparison: "<=", count: 0 },
      { _tag: "Throughput", comparison: ">=", perSecond: 120 }
    ])
    expect(parsed("")).toEqual([])
  })

  it("says where and why a spec is wrong", () => {
    const unknownMetric = failure("turn.p99<300ms,latency.p99<5ms")
    expect(unknownMetric._tag).toBe("InvalidSlo")
    expect(unknownMetric.position).toBe(15)
    expect(unknownMetric.message).toContain('unknown metric "latency"')
    expect(unknownMetric.message).toContain("at character 16")
    expect(failure("turn.p98<3ms").reason).toContain('unknown statistic "p98"')
    expect(failure("turn.p99=3ms").reason).toContain("is not <metric><comparison><value>")
    expect(failure("turn.p99<3%").reason).toContain("a latency is a duration")
    expect(failure("errors<1ms").reason).toContain("errors take a percentage")
    expect(failure("errors<1.5").reason).toContain("must be whole")
    expect(failure("throughput>5").reason).toContain("turns per second")
    expect(failure("turn<5ms").reason).toContain('"turn" should be turn.<stat>')
  })

  it("reads back every objective it writes", () => {
    fc.assert(
      fc.property(fc.array(objective, { maxLength: 6 }), (objectives) => {
        const text = Slo.formatAll(objectives)
        expect(parsed(text)).toEqual(objectives)
        expect(Slo.formatAll(parsed(text))).toBe(text)
      })
    )
  })
})

describe("Slo shares and defaults", () => {
  it("reads shares as percentages only, naming the metric's form otherwise", () => {
    expect(parsed("handoffs.success>=99.5%,workflows.completed>95%,sessions.lost<=0%")).toEqual([
      { _tag: "Share", metric: "handoffs.success", comparison: ">=", percent: 99.5 },
      { _tag: "Share", metric: "workflows.completed", comparison: ">", percent: 95 },
      { _tag: "Share", metric: "sessions.lost", comparison: "<=", percent: 0 }
    ])
    expect(failure("workflows.completed>=95").reason).toBe(`workflows.completed is a percentage, e.g. "workflows.completed>=95%"`)
  })

  it("judges every run by Baton's success criteria, each unless the run names its metric", () => {
    expect(Slo.formatAll(Slo.withDefaults([]))).toBe(
      "handoffs.success>=99%,workflows.completed>=95%,sessions.lost<1%,errors<1%"
    )
    expect(Slo.formatAll(Slo.withDefaults(parsed("turn.p99<300ms,errors<=0,workflows.completed>=90%")))).toBe(
      "turn.p99<300ms,errors<=0,workflows.completed>=90%,handoffs.success>=99%,sessions.lost<1%"
    )
  })

  it("counts completed and partial runs as completed, compensated and failed ones as not, for the workflow that completes least; a share of nothing holds", () => {
    const recorder = Recorder.make(0)
    const finished = (status: "completed" | "partial" | "failed", compensated: number) =>
      Recorder.recordEvent(recorder, workflowCompleted(status, compensated))
    for (let i = 0; i < 90; i++) finished("completed", 0)
    for (let i = 0; i < 4; i++) finished("partial", 0)
    for (let i = 0; i < 5; i++) finished("failed", 2)
    finished("failed", 0)
    for (let i = 0; i < 300; i++) {
      Recorder.recordEvent(recorder, {
        _tag: "WorkflowCompleted",
        at: 0,
        workflow: "search",
        runId: "s",
        status: "completed",
        completed: 1,
        failed: 0,
        skipped: 0,
        compensated: 0,
        durationMs: 1
      })
    }
    expect(recorder.workflows).toEqual({ booking: { completed: 90, partial: 4, compensated: 5, failed: 1 }, search: { completed: 300 } })
    const report = Report.fromRecorder(recorder, { wallMs: 1000, settings: {} as Report.Settings, lost: [], lostCount: 0, memory: null })
    const verdicts = Slo.evaluate(Slo.withDefaults([]), report)
    expect(verdicts.map((v) => [v.objective, v.actual, v.met])).toEqual([
      ["handoffs.success>=99%", null, true],
      // The booking's 94 %, not 394 of 400 runs of every workflow.
      ["workflows.completed>=95%", 94, false],
      ["sessions.lost<1%", null, true],
      // No turn was played: an error rate of nothing cannot be shown to hold.
      ["errors<1%", null, false]
    ])
  })
})

describe("Slo.evaluate", () => {
  const report = () => {
    const recorder = Recorder.make(0)
    for (let i = 1; i <= 100; i++) {
      Recorder.recordTurn(recorder, {
        at: i * 10,
        durationMs: i,
        outcome: i <= 2 ? "error" : "ok",
        failed: i <= 2,
        handoffs: []
      })
    }
    return Report.fromRecorder(recorder, { wallMs: 2000, settings: {} as Report.Settings, lost: [], lostCount: 0, memory: null })
  }

  it("judges latency, error and throughput objectives against a report", () => {
    const verdicts = Slo.evaluate(parsed("turn.p99<=100ms,turn.p50<10ms,errors<1%,errors<=2,throughput>=50/s,handoff.p99<50ms"), report())
    expect(verdicts.map((v) => [v.objective, v.met])).toEqual([
      ["turn.p99<=100ms", true],
      ["turn.p50<10ms", false],
      ["errors<1%", false],
      ["errors<=2", true],
      ["throughput>=50/s", true],
      // Nothing measured cannot be shown to hold.
      ["handoff.p99<50ms", false]
    ])
    expect(verdicts[1]!.actual).toBeCloseTo(50, 1)
    expect(verdicts[2]!.actual).toBe(2)
    expect(verdicts[5]!.actual).toBe(null)
    const judged = Report.withVerdicts(report(), verdicts)
    expect(judged.passed).toBe(false)
    expect(Report.withVerdicts(report(), verdicts.filter((v) => v.met)).passed).toBe(true)
  })
})
