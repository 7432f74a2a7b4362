/**
 * Turns a `FaultSpec` into a decision per tool call: which rules fire (each
 * rule rolls its own seeded dice, so one rule's sequence never depends on
 * another's), how long to wait, and how to answer.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import type { Distribution, Fault, FaultSpec } from "../FaultSpec.js"
import { FaultCodes, kindOf } from "../FaultSpec.js"
import * as Prng from "../Prng.js"

export interface RpcErrorBody {
  readonly code: number
  readonly message: string
  readonly data?: Record<string, unknown>
}

export type Outcome =
  /** Let the service answer. */
  | { readonly _tag: "Proceed" }
  /** Answer in the service's place. */
  | { readonly _tag: "Reply"; readonly error: RpcErrorBody }
  | { readonly _tag: "Reply"; readonly result: CallToolResult }
  /** Never answer. */
  | { readonly _tag: "Hang" }

export type Reshape = (result: CallToolResult) => CallToolResult

export interface Decision {
  readonly delayMs: number
  readonly outcome: Outcome
  /** Die instead of sending the answer. */
  readonly crash: boolean
  /** Applied, in order, to a successful answer. */
  readonly reshape: ReadonlyArray<Reshape>
  /** The kinds of the faults that took effect, for stats. */
  readonly applied: ReadonlyArray<string>
}

export const proceed: Decision = { delayMs: 0, outcome: { _tag: "Proceed" }, crash: false, reshape: [], applied: [] }

export interface FaultPlan {
  readonly spec: FaultSpec
  readonly decide: (tool: string, now: number) => Decision
  /** How long an `initialize` arriving `now` must wait (slow start). */
  readonly initializeDelay: (now: number) => number
}

const z99 = 2.3263478740408408

const sample = (distribution: Distribution, prng: Prng.Prng): number => {
  switch (distribution._tag) {
    case "Fixed":
      return distribution.ms
    case "Uniform":
      return prng.between(distribution.minMs, distribution.maxMs)
    case "Normal":
      return Math.max(0, prng.normal(distribution.meanMs, distribution.stddevMs))
    case "LongTail": {
      // Log-normal: the median is e^mu and the 99th percentile e^(mu + z99 sigma).
      const sigma = Math.log(distribution.p99Ms / distribution.medianMs) / z99
      return Math.exp(Math.log(distribution.medianMs) + sigma * prng.normal(0, 1))
    }
  }
}

const text = (message: string) => [{ type: "text" as const, text: message }]

const breakSchema: Reshape = (result) =>
  result.structuredContent === undefined
    ? breakContent(result)
    : { ...result, structuredContent: { malformed: "injected fault: this does not match the output schema" } }

// A text block without its text is not valid MCP content.
const breakContent: Reshape = (result) => ({ ...result, content: [{ type: "text" }] as unknown as CallToolResult["content"] })

const truncate = (keep: number): Reshape => (result) => {
  const { structuredContent: _dropped, ...rest } = result
  return {
    ...rest,
    content: result.content.map((block) =>
      block.type === "text" ? { ...block, text: block.text.slice(0, Math.floor(block.text.length * keep)) } : block
    )
  }
}

interface Effects {
  delayMs: number
  outcome: Outcome | undefined
  crash: boolean
  readonly reshape: Array<Reshape>
  readonly applied: Array<string>
}

/** Adds one fired fault to the call's effects; the first answer-deciding fault wins. */
const apply = (effects: Effects, fault: Fault, prng: Prng.Prng, sinceInstall: number): void => {
  const decided = effects.outcome !== undefined || effects.crash
  const answer = (outcome: Outcome) => {
    if (decided) return
    effects.outcome = outcome
    effects.applied.push(kindOf(fault))
  }
  switch (fault._tag) {
    case "Latency":
      effects.delayMs += Math.round(sample(fault.distribution, prng))
      effects.applied.push(kindOf(fault))
      return
    case "Late":
      effects.delayMs += fault.deadlineMs + fault.overshootMs
      effects.applied.push(kindOf(fault))
      return
    case "RpcError":
      return answer({
        _tag: "Reply",
        error: { code: fault.code, message: `Injected fault: JSON-RPC error ${fault.code}` }
      })
    case "ToolError":
      return answer({ _tag: "Reply", result: { content: text("Injected fault: the tool failed"), isError: true } })
    case "RateLimit": {
      const message = `Rate limited: retry after ${fault.retryAfterMs} ms`
      const retryAfterMs = fault.retryAfterMs
      return answer(
        fault.as === "rpc"
          ? { _tag: "Reply", error: { code: FaultCodes.rateLimited, message, data: { retryAfterMs } } }
          : { _tag: "Reply", result: { content: text(message), isError: true, _meta: { retryAfterMs } } }
      )
    }
    case "Flap": {
      const phase = sinceInstall % (fault.upMs + fault.downMs)
      if (phase < fault.upMs) return
      const retryAfterMs = fault.upMs + fault.downMs - phase
      return answer({
        _tag: "Reply",
        error: {
          code: FaultCodes.unavailable,
          message: `Service unavailable: back in ${retryAfterMs} ms`,
          data: { retryAfterMs }
        }
      })
    }
    case "Hang":
      return answer({ _tag: "Hang" })
    case "Crash":
      if (decided) return
      effects.crash = true
      effects.applied.push(kindOf(fault))
      return
    case "Malformed":
      effects.reshape.push(fault.kind === "schema" ? breakSchema : breakContent)
      effects.applied.push(kindOf(fault))
      return
    case "Truncated":
      effects.reshape.push(truncate(fault.keep))
      effects.applied.push(kindOf(fault))
      return
    case "SlowStart":
      return
  }
}

export interface PlanOptions {
  readonly service: string
  /** Seeds the rules that carry no seed of their own. */
  readonly seed: number
  /** When the spec took effect: flapping and slow start count from here. */
  readonly installedAt: number
}

export const make = (spec: FaultSpec, options: PlanOptions): FaultPlan => {
  const rules = spec
    .map((rule, index) => ({ rule, prng: Prng.make(rule.seed ?? Prng.hash(options.seed, "fault-rule", index)) }))
    .filter(({ rule }) => rule.service === undefined || rule.service === options.service)
  const slowStartMs = Math.max(0, ...rules.map(({ rule }) => (rule.fault._tag === "SlowStart" ? rule.fault.ms : 0)))
  return {
    spec,
    initializeDelay: (now) => Math.max(0, options.installedAt + slowStartMs - now),
    decide: (tool, now) => {
      const effects: Effects = { delayMs: 0, outcome: undefined, crash: false, reshape: [], applied: [] }
      for (const { rule, prng } of rules) {
        if (rule.fault._tag === "SlowStart" || (rule.tool !== undefined && rule.tool !== tool)) continue
        // Every matching call rolls, fired or not, so each rule's sequence depends only on its own calls.
        if (prng.next() < rule.rate) apply(effects, rule.fault, prng, now - options.installedAt)
      }
      return {
        delayMs: effects.delayMs,
        outcome: effects.outcome ?? { _tag: "Proceed" },
        crash: effects.crash,
        reshape: effects.reshape,
        applied: effects.applied
      }
    }
  }
}
