import type { HandoffResult } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Histogram from "../../src/load/Histogram.js"
import * as Recorder from "../../src/load/Recorder.js"
import * as Report from "../../src/load/Report.js"

const handoff = (contextPreserved: boolean, success = true, executionTimeMs = 0.2) =>
  ({ success, contextPreserved, executionTimeMs } as HandoffResult.HandoffResult)

interface Turn {
  readonly at: number
  readonly durationMs: number
  readonly outcome: Recorder.Outcome
  readonly handoffs: number
}

const turn = fc.record({
  at: fc.integer({ min: 0, max: 20_000 }),
  durationMs: fc.double({ min: 0.001, max: 60_000, noNaN: true }),
  outcome: fc.constantFrom(...Recorder.outcomes),
  handoffs: fc.integer({ min: 0, max: 3 })
})

const recorderOf = (startedAt: number, turns: ReadonlyArray<Turn>) => {
  const recorder = Recorder.make(startedAt)
  for (const t of turns) {
    Recorder.recordTurn(recorder, {
      at: startedAt + t.at,
      durationMs: t.durationMs,
      outcome: t.outcome,
      failed: t.outcome === "error",
      handoffs: Array.from({ length: t.handoffs }, () => handoff(true, true, t.durationMs / 10))
    })
    Recorder.recordEvent(recorder, {
      _tag: "ToolCalled",
      at: startedAt + t.at,
      service: "flights",
      tool: "search",
      instance: "flights#0",
      outcome: "ok",
      durationMs: t.durationMs / 2
    })
  }
  return recorder
}

describe("Histogram", () => {
  it("summarises percentiles within HdrHistogram's precision, with no WebAssembly", () => {
    const histogram = Histogram.make()
    for (let ms = 1; ms <= 1000; ms++) Histogram.record(histogram, ms)
    const summary = Histogram.summary(histogram)
    expect(summary.count).toBe(1000)
    expect(summary.p50).toBeCloseTo(500, -1)
    expect(Math.abs(summary.p99 - 990) / 990).toBeLessThan(0.001)
    expect(Math.abs(summary.max - 1000) / 1000).toBeLessThan(0.001)
    expect(summary.min).toBe(1)
    expect(Histogram.distribution(histogram).reduce((sum, bucket) => sum + bucket.count, 0)).toBe(1000)
    expect(Histogram.summary(Histogram.make())).toMatchObject({ count: 0, p99: 0 })
  })
})

describe("Recorder", () => {
  it("counts outcomes, failures, handoffs and context violations", () => {
    const recorder = Recorder.make(1_000)
    Recorder.recordTurn(recorder, {
      at: 1_500,
      durationMs: 12,
      outcome: "ok",
      failed: false,
      handoffs: [handoff(true), handoff(false), handoff(true, false)]
    })
    Recorder.recordTurn(recorder, { at: 3_200, durationMs: 40, outcome: "error", failed: true, handoffs: [] })
    Recorder.recordTurn(recorder, { at: 3_300, durationMs: 30, outcome: "workflow-failed", failed: false, handoffs: [] })
    Recorder.recordEvent(recorder, { _tag: "BreakerTransition", at: 2_000, service: "weather", from: "closed", to: "open", reason: "5 failures" })
    Recorder.recordEvent(recorder, { _tag: "RetryAttempted", at: 2_000, service: "weather", attempt: 1, delayMs: 100, error: "x" })
    expect(recorder.turns).toBe(3)
    expect(recorder.failedTurns).toBe(1)
    expect(recorder.outcomes).toMatchObject({ ok: 1, error: 1, "workflow-failed": 1 })
    expect(recorder.handoffs).toBe(2)
    expect(recorder.refusedHandoffs).toBe(1)
    expect(recorder.contextViolations).toBe(1)
    expect(recorder.retries).toBe(1)
    expect(recorder.breakers).toEqual([{ atMs: 1_000, service: "weather", from: "closed", to: "open", reason: "5 failures" }])
    expect(recorder.timeline).toEqual([
      { turns: 1, errors: 0, handoffs: 2 },
      { turns: 0, errors: 0, handoffs: 0 },
      { turns: 2, errors: 1, handoffs: 0 }
    ])
    const report = Report.fromRecorder(recorder, { wallMs: 3000, settings: {} as Report.Settings, lost: [], lostCount: 0, memory: null })
    // A served turn whose saga failed is degraded, not ok.
    expect(report.turns.classes).toEqual({ ok: 1, degraded: 1, failed: 1 })
  })

  it("merges into what one recorder of both runs would hold", () => {
    fc.assert(
      fc.property(fc.array(turn, { maxLength: 60 }), fc.array(turn, { maxLength: 60 }), (a, b) => {
        const merged = Recorder.merge(recorderOf(0, a), recorderOf(0, b))
        const whole = recorderOf(0, [...a, ...b])
        expect(Histogram.summary(merged.turn)).toEqual(Histogram.summary(whole.turn))
        expect(Histogram.summary(merged.handoff)).toEqual(Histogram.summary(whole.handoff))
        expect(Histogram.summary(merged.tools.get("flights")?.latency ?? Histogram.make()))
          .toEqual(Histogram.summary(whole.tools.get("flights")?.latency ?? Histogram.make()))
        expect(merged.turn.buckets).toEqual(whole.turn.buckets)
        expect(merged.outcomes).toEqual(whole.outcomes)
        expect(merged.timeline).toEqual(whole.timeline)
        expect([merged.turns, merged.failedTurns, merged.handoffs]).toEqual([whole.turns, whole.failedTurns, whole.handoffs])
      }),
      { numRuns: 25 }
    )
  })

  it("aligns the time buckets of recorders that started at different times", () => {
    const early = recorderOf(10_000, [{ at: 0, durationMs: 1, outcome: "ok", handoffs: 0 }])
    const late = recorderOf(12_000, [{ at: 500, durationMs: 1, outcome: "error", handoffs: 0 }])
    const merged = Recorder.merge(late, early)
    expect(merged.startedAt).toBe(10_000)
    expect(merged.timeline.map((bucket) => [bucket.turns, bucket.errors])).toEqual([[1, 0], [0, 0], [1, 1]])
  })
})
