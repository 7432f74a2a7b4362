import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FaultSpec from "../src/FaultSpec.js"

const parsed = (text: string) => Either.getOrThrowWith(FaultSpec.parse(text), (error) => error)
const failure = (text: string) => {
  const result = FaultSpec.parse(text)
  if (Either.isRight(result)) throw new Error(`"${text}" should not parse`)
  return result.left
}

describe("FaultSpec.parse", () => {
  it("reads rules with selectors, rates and seeds", () => {
    expect(parsed("latency:normal(50,10)@0.3;error:rate-limit(2000)@0.1;tool=search_flights:hang@0.05#7")).toEqual([
      { fault: { _tag: "Latency", distribution: { _tag: "Normal", meanMs: 50, stddevMs: 10 } }, rate: 0.3 },
      { fault: { _tag: "RateLimit", retryAfterMs: 2000, as: "rpc" }, rate: 0.1 },
      { fault: { _tag: "Hang" }, tool: "search_flights", rate: 0.05, seed: 7 }
    ])
  })

  it("reads every fault kind, with defaults and duration units", () => {
    expect(parsed([
      "latency:fixed(2s)",
      "latency:uniform(10ms,20)",
      "latency:long-tail(40,900)",
      "error:rpc(-32000)",
      "error:tool",
      "error:rate-limit(500,result)",
      "late(1000)",
      "crash",
      "flap(100,50)",
      "malformed",
      "malformed(content)",
      "truncate",
      "slow-start(300)"
    ].join(" ; ")).map((rule) => rule.fault)).toEqual([
      { _tag: "Latency", distribution: { _tag: "Fixed", ms: 2000 } },
      { _tag: "Latency", distribution: { _tag: "Uniform", minMs: 10, maxMs: 20 } },
      { _tag: "Latency", distribution: { _tag: "LongTail", medianMs: 40, p99Ms: 900 } },
      { _tag: "RpcError", code: -32000 },
      { _tag: "ToolError" },
      { _tag: "RateLimit", retryAfterMs: 500, as: "result" },
      { _tag: "Late", deadlineMs: 1000, overshootMs: 100 },
      { _tag: "Crash" },
      { _tag: "Flap", upMs: 100, downMs: 50 },
      { _tag: "Malformed", kind: "schema" },
      { _tag: "Malformed", kind: "content" },
      { _tag: "Truncated", keep: 0.5 },
      { _tag: "SlowStart", ms: 300 }
    ])
  })

  it("reads an empty spec as no faults and scopes rules to a service", () => {
    expect(parsed("  ")).toEqual([])
    expect(parsed("service=payments:tool=process:crash@0.5")).toEqual([
      { fault: { _tag: "Crash" }, service: "payments", tool: "process", rate: 0.5 }
    ])
  })

  it.each([
    ["hangs", 1, `unknown fault "hangs"`],
    ["latency:gauss(1,2)", 1, `unknown latency distribution "gauss"`],
    ["error:boom", 1, `unknown error kind "boom"`],
    ["latency:normal(50)", 1, "latency:normal takes 2 argument(s) (mean, stddev), got 1"],
    ["latency:fixed(abc)", 15, `the delay must be a duration such as 250, 250ms or 2s, got "abc"`],
    ["hang@1.5", 1, "rate: Expected a number between 0 and 1, actual 1.5"],
    ["hang@", 6, `expected a number after "@"`],
    ["crash;flap(100,50) extra", 20, `unexpected "extra"; separate rules with ";"`],
    ["latency:uniform(50,10)", 1, "uniform needs min <= max, got 50 > 10"],
    ["tool=search:slow-start(100)", 1, "slow-start applies to the whole service"],
    ["error:rate-limit(100,maybe)", 22, `the error form must be one of rpc, result, got "maybe"`],
    ["hang;latency:fixed(", 20, "expected a number or a word"],
    ["tool=a:tool=b:hang", 8, "tool= is given twice"],
    ["not-a-fault-spec(((", 1, `unknown fault "not-a-fault-spec"; expected one of latency:<distribution>`],
    ["latency:gauss(((", 1, `unknown latency distribution "gauss"`]
  ])("rejects %j at character %i: %s", (text, position, reason) => {
    const error = failure(text)
    expect(error.position! + 1).toBe(position)
    expect(error.reason).toContain(reason)
    expect(error.message).toContain("README")
  })

  it("writes specs back in the syntax it reads", () => {
    const text = "tool=reserve:crash@0.25#3;latency:long-tail(40,900);error:rate-limit(2000,result)@0.1;flap(100,50)"
    const spec = parsed(text)
    expect(parsed(FaultSpec.format(spec))).toEqual(spec)
  })
})

describe("FaultSpec.decode", () => {
  it("takes the JSON form, filling defaults", () => {
    expect(FaultSpec.decode([{ fault: { _tag: "Hang" }, tool: "search" }])).toEqual(
      Either.right([{ fault: { _tag: "Hang" }, tool: "search", rate: 1 }])
    )
  })

  it("explains what is wrong with bad JSON", () => {
    const result = FaultSpec.decode([{ fault: { _tag: "Latency", distribution: { _tag: "Fixed", ms: -1 } } }])
    expect(Either.isLeft(result) && result.left.reason).toContain("ms")
  })

  it("parses single faults for scripted steps", () => {
    expect(FaultSpec.parseFault("error:rpc(-32000)")).toEqual(Either.right({ _tag: "RpcError", code: -32000 }))
    expect(Either.isLeft(FaultSpec.parseFault("hang@0.5"))).toBe(true)
    expect(Either.isLeft(FaultSpec.parseFault("hang;crash"))).toBe(true)
  })
})

describe("FaultSpec.parseFor", () => {
  it("reads a spec injected into one service, whose rules may name that service", () => {
    expect(FaultSpec.parseFor("weather", "service=weather:hang;crash@0.5")).toEqual(
      Either.right([{ fault: { _tag: "Hang" }, service: "weather", rate: 1 }, { fault: { _tag: "Crash" }, rate: 0.5 }])
    )
  })

  it("refuses a rule naming another service, which would never fire, at the rule's character", () => {
    const result = FaultSpec.parseFor("weather", "crash; service=flights:hang")
    if (Either.isRight(result)) expect.fail("a rule for flights was accepted in a spec for weather")
    expect(result.left.position! + 1).toBe(8)
    expect(result.left.reason).toBe(
      `rule "service=flights:hang" selects the service flights, but the spec is injected into weather: it would never fire`
    )
  })

  it("gives the grammar's own error for a spec that does not parse", () => {
    expect(FaultSpec.parseFor("weather", "hang@2")).toEqual(FaultSpec.parse("hang@2"))
  })
})
