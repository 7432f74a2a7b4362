/**
 * The compact fault-spec syntax (grammar in packages/testkit/README.md):
 * a hand-written reader that reports the character where it stopped, and
 * the writer that turns a spec back into text.
 */
import type { Fault, FaultRule } from "../FaultSpec.js"

export class GrammarError {
  constructor(readonly position: number, readonly reason: string) {}
}

export interface ParsedRule {
  /** The rule in the Schema's encoded form, not yet range-checked. */
  readonly rule: Record<string, unknown>
  readonly position: number
  readonly source: string
}

interface Arg {
  readonly text: string
  readonly at: number
}

const faultNames = "latency:<distribution>, error:<kind>, hang, late, crash, flap, malformed, truncate, slow-start"

// Every name `buildFault` knows: an unknown one is reported before its
// arguments are read, so "nope(((" says the fault is unknown, not that "(("
// is a bad argument.
const knownFaults = new Set([
  "latency:fixed",
  "latency:uniform",
  "latency:normal",
  "latency:long-tail",
  "error:rpc",
  "error:tool",
  "error:rate-limit",
  "hang",
  "crash",
  "late",
  "flap",
  "malformed",
  "truncate",
  "slow-start"
])

class Cursor {
  i = 0
  constructor(readonly text: string, readonly base: number) {}

  fail(reason: string, at: number = this.i): never {
    throw new GrammarError(this.base + at, reason)
  }
  skipSpace() {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++
  }
  atEnd() {
    this.skipSpace()
    return this.i >= this.text.length
  }
  eat(char: string) {
    this.skipSpace()
    if (this.text[this.i] !== char) return false
    this.i++
    return true
  }
  expect(char: string, what: string) {
    if (!this.eat(char)) this.fail(`expected "${char}" ${what}, found ${this.describeNext()}`)
  }
  match(pattern: RegExp): RegExpExecArray | undefined {
    this.skipSpace()
    const sticky = new RegExp(pattern.source, "y")
    sticky.lastIndex = this.i
    const found = sticky.exec(this.text)
    if (found === null) return undefined
    this.i = sticky.lastIndex
    return found
  }
  describeNext() {
    return this.i >= this.text.length ? "the end of the rule" : `"${this.text.slice(this.i, this.i + 12)}"`
  }
}

const number = (cursor: Cursor, arg: Arg, what: string): number => {
  const found = /^-?\d+(?:\.\d+)?$/.exec(arg.text)
  if (found === null) cursor.fail(`${what} must be a number, got "${arg.text}"`, arg.at)
  return Number(arg.text)
}

const integer = (cursor: Cursor, arg: Arg, what: string): number => {
  const value = number(cursor, arg, what)
  if (!Number.isInteger(value)) cursor.fail(`${what} must be an integer, got "${arg.text}"`, arg.at)
  return value
}

/** Milliseconds; a trailing `ms` is allowed and `s` means seconds. */
const duration = (cursor: Cursor, arg: Arg, what: string): number => {
  const found = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(arg.text)
  if (found === null) cursor.fail(`${what} must be a duration such as 250, 250ms or 2s, got "${arg.text}"`, arg.at)
  return Number(found[1]) * (found[2] === "s" ? 1000 : 1)
}

const word = <const W extends string>(cursor: Cursor, arg: Arg, what: string, allowed: ReadonlyArray<W>): W => {
  const found = allowed.find((w) => w === arg.text)
  if (found === undefined) cursor.fail(`${what} must be one of ${allowed.join(", ")}, got "${arg.text}"`, arg.at)
  return found
}

const readArgs = (cursor: Cursor): ReadonlyArray<Arg> => {
  if (!cursor.eat("(")) return []
  if (cursor.eat(")")) return []
  const args: Array<Arg> = []
  for (;;) {
    cursor.skipSpace()
    const at = cursor.i
    const token = cursor.match(/-?\d+(?:\.\d+)?(?:ms|s)?|[a-z][a-z-]*/)
    if (token === undefined) cursor.fail(`expected a number or a word, found ${cursor.describeNext()}`)
    args.push({ text: token[0], at })
    if (cursor.eat(",")) continue
    cursor.expect(")", "to close the argument list")
    return args
  }
}

const buildFault = (cursor: Cursor, name: string, args: ReadonlyArray<Arg>, at: number): Record<string, unknown> => {
  const arity = (params: ReadonlyArray<string>, required: number = params.length) => {
    if (args.length >= required && args.length <= params.length) return
    const expected = params.length === 0
      ? "no arguments"
      : required === params.length
      ? `${params.length} argument(s) (${params.join(", ")})`
      : `${required} to ${params.length} arguments (${params.join(", ")})`
    cursor.fail(`${name} takes ${expected}, got ${args.length}`, at)
  }
  const arg = (index: number) => args[index]!
  const latency = (distribution: Record<string, unknown>) => ({ _tag: "Latency", distribution })
  switch (name) {
    case "latency:fixed":
      arity(["ms"])
      return latency({ _tag: "Fixed", ms: duration(cursor, arg(0), "the delay") })
    case "latency:uniform":
      arity(["min", "max"])
      return latency({ _tag: "Uniform", minMs: duration(cursor, arg(0), "min"), maxMs: duration(cursor, arg(1), "max") })
    case "latency:normal":
      arity(["mean", "stddev"])
      return latency({
        _tag: "Normal",
        meanMs: duration(cursor, arg(0), "mean"),
        stddevMs: duration(cursor, arg(1), "stddev")
      })
    case "latency:long-tail":
      arity(["median", "p99"])
      return latency({
        _tag: "LongTail",
        medianMs: duration(cursor, arg(0), "median"),
        p99Ms: duration(cursor, arg(1), "p99")
      })
    case "error:rpc":
      arity(["code"])
      return { _tag: "RpcError", code: integer(cursor, arg(0), "the error code") }
    case "error:tool":
      arity([])
      return { _tag: "ToolError" }
    case "error:rate-limit":
      arity(["retry-after", "rpc|result"], 1)
      return {
        _tag: "RateLimit",
        retryAfterMs: duration(cursor, arg(0), "retry-after"),
        ...(args.length > 1 && { as: word(cursor, arg(1), "the error form", ["rpc", "result"]) })
      }
    case "hang":
      arity([])
      return { _tag: "Hang" }
    case "crash":
      arity([])
      return { _tag: "Crash" }
    case "late":
      arity(["deadline", "overshoot"], 1)
      return {
        _tag: "Late",
        deadlineMs: duration(cursor, arg(0), "the deadline"),
        ...(args.length > 1 && { overshootMs: duration(cursor, arg(1), "the overshoot") })
      }
    case "flap":
      arity(["up", "down"])
      return { _tag: "Flap", upMs: duration(cursor, arg(0), "up"), downMs: duration(cursor, arg(1), "down") }
    case "malformed":
      arity(["schema|content"], 0)
      return {
        _tag: "Malformed",
        ...(args.length > 0 && { kind: word(cursor, arg(0), "the malformation", ["schema", "content"]) })
      }
    case "truncate":
      arity(["keep"], 0)
      return { _tag: "Truncated", ...(args.length > 0 && { keep: number(cursor, arg(0), "keep") }) }
    case "slow-start":
      arity(["ms"])
      return { _tag: "SlowStart", ms: duration(cursor, arg(0), "the start-up delay") }
  }
  return unknownFault(cursor, name, at)
}

const unknownFault = (cursor: Cursor, name: string, at: number): never => {
  if (name.startsWith("latency:")) {
    return cursor.fail(`unknown latency distribution "${name.slice(8)}"; expected fixed, uniform, normal or long-tail`, at)
  }
  if (name.startsWith("error:")) {
    return cursor.fail(`unknown error kind "${name.slice(6)}"; expected rpc, tool or rate-limit`, at)
  }
  return cursor.fail(`unknown fault "${name}"; expected one of ${faultNames}`, at)
}

const parseRule = (cursor: Cursor): Record<string, unknown> => {
  const selectors: Record<string, string> = {}
  for (;;) {
    cursor.skipSpace()
    const at = cursor.i
    const selector = cursor.match(/(service|tool)\s*=\s*([A-Za-z0-9_.-]+)\s*:/)
    if (selector === undefined) break
    const [, key, value] = selector as unknown as [string, string, string]
    if (selectors[key] !== undefined) cursor.fail(`${key}= is given twice`, at)
    selectors[key] = value
  }
  cursor.skipSpace()
  const at = cursor.i
  const head = cursor.match(/[a-z][a-z-]*/)
  if (head === undefined) cursor.fail(`expected a fault (${faultNames}), found ${cursor.describeNext()}`)
  let name = head[0]
  if (name === "latency" || name === "error") {
    cursor.expect(":", `after "${name}"`)
    const sub = cursor.match(/[a-z][a-z-]*/)
    if (sub === undefined) cursor.fail(`expected the ${name === "latency" ? "distribution" : "error kind"} after "${name}:"`)
    name = `${name}:${sub[0]}`
  }
  if (!knownFaults.has(name)) unknownFault(cursor, name, at)
  const fault = buildFault(cursor, name, readArgs(cursor), at)
  const modifiers: Record<string, number> = {}
  for (;;) {
    const key = cursor.eat("@") ? "rate" : cursor.eat("#") ? "seed" : undefined
    if (key === undefined) break
    const modifierAt = cursor.i
    if (modifiers[key] !== undefined) cursor.fail(`the ${key} is given twice`, modifierAt - 1)
    const value = cursor.match(/-?\d+(?:\.\d+)?/)
    if (value === undefined) cursor.fail(`expected a number after "${key === "rate" ? "@" : "#"}"`)
    modifiers[key] = Number(value[0])
  }
  if (!cursor.atEnd()) cursor.fail(`unexpected ${cursor.describeNext()}; separate rules with ";"`)
  return { fault, ...selectors, ...modifiers }
}

/** Every non-blank `;`-separated rule of `text`, or a `GrammarError`. */
export const parseSpec = (text: string): ReadonlyArray<ParsedRule> => {
  const rules: Array<ParsedRule> = []
  let start = 0
  for (const chunk of text.split(";")) {
    if (chunk.trim() !== "") {
      const cursor = new Cursor(chunk, start)
      rules.push({ rule: parseRule(cursor), position: start + chunk.search(/\S/), source: chunk.trim() })
    }
    start += chunk.length + 1
  }
  return rules
}

const formatDistribution = (d: Extract<Fault, { _tag: "Latency" }>["distribution"]): string => {
  switch (d._tag) {
    case "Fixed":
      return `fixed(${d.ms})`
    case "Uniform":
      return `uniform(${d.minMs},${d.maxMs})`
    case "Normal":
      return `normal(${d.meanMs},${d.stddevMs})`
    case "LongTail":
      return `long-tail(${d.medianMs},${d.p99Ms})`
  }
}

const formatFault = (fault: Fault): string => {
  switch (fault._tag) {
    case "Latency":
      return `latency:${formatDistribution(fault.distribution)}`
    case "RpcError":
      return `error:rpc(${fault.code})`
    case "ToolError":
      return "error:tool"
    case "RateLimit":
      return `error:rate-limit(${fault.retryAfterMs},${fault.as})`
    case "Hang":
      return "hang"
    case "Late":
      return `late(${fault.deadlineMs},${fault.overshootMs})`
    case "Crash":
      return "crash"
    case "Flap":
      return `flap(${fault.upMs},${fault.downMs})`
    case "Malformed":
      return `malformed(${fault.kind})`
    case "Truncated":
      return `truncate(${fault.keep})`
    case "SlowStart":
      return `slow-start(${fault.ms})`
  }
}

export const formatRule = (rule: FaultRule): string =>
  (rule.service === undefined ? "" : `service=${rule.service}:`) +
  (rule.tool === undefined ? "" : `tool=${rule.tool}:`) +
  formatFault(rule.fault) +
  (rule.rate === 1 ? "" : `@${rule.rate}`) +
  (rule.seed === undefined ? "" : `#${rule.seed}`)

const kinds: Record<Fault["_tag"], string> = {
  Latency: "latency",
  RpcError: "rpc-error",
  ToolError: "tool-error",
  RateLimit: "rate-limit",
  Hang: "hang",
  Late: "late",
  Crash: "crash",
  Flap: "flap",
  Malformed: "malformed",
  Truncated: "truncate",
  SlowStart: "slow-start"
}

export const kindOf = (fault: Fault): string => kinds[fault._tag]
