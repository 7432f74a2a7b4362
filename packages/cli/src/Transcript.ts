/**
 * Prints a played scenario as a transcript: the user's lines, each agent's
 * lines labelled with the agent's name, one line per handoff (with its mode,
 * reason, time and whether the context was preserved), the checks of each
 * turn, a divider where the scenario moves to another session, and a
 * summary. Every function returns lines, so the printer is tested on strings
 * and the caller decides where they go.
 *
 * Everything shown that the scenario file, the app, its services or a store
 * wrote (the user's text, replies, agent names, handoff reasons and errors,
 * checks, fault specs, error messages) goes through `TerminalText`: control
 * characters become visible escapes and card data is masked.
 *
 * @since 0.1.0
 */
import { type BatonApp, type HandoffResult, Scenario } from "@baton/core"
import * as Option from "effect/Option"
import type { Check, FailedTurn, PlayedTurn, Summary } from "./ScenarioPlayer.js"
import * as Style from "./Style.js"
import { inline, safe } from "./TerminalText.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly style?: Style.Style
  /** Agent names by id; ids label agents that have none. */
  readonly agentNames?: ReadonlyMap<string, string>
  /** Wrap text to this many columns; no wrapping when absent. */
  readonly width?: number
}

const wrap = (text: string, width: number | undefined): Array<string> => {
  if (width === undefined) return text.split("\n")
  return text.split("\n").flatMap((paragraph) => {
    const lines: Array<string> = []
    let line = ""
    for (const word of paragraph.split(" ")) {
      if (line.length > 0 && line.length + 1 + word.length > width) {
        lines.push(line)
        line = word
      } else {
        line = line.length > 0 ? `${line} ${word}` : word
      }
    }
    return [...lines, line]
  })
}

const labelled = (label: string, labelWidth: number, text: string, colour: (text: string) => string, width?: number) => {
  const indent = 2 + labelWidth + 2
  const [first = "", ...rest] = wrap(text, width === undefined ? undefined : Math.max(20, width - indent))
  return [`  ${colour(label.padEnd(labelWidth))}  ${first}`, ...rest.map((line) => `${" ".repeat(indent)}${line}`)]
}

/**
 * `↪ handoff triage → destination (transfer) — reason — 0.123 ms — context preserved ✓`
 *
 * @since 0.1.0 @category printing
 */
export const handoffLine = (handoff: HandoffResult.HandoffResult, style: Style.Style = Style.plain): string => {
  // The router's reasons read as scores; saying who decided makes them legible.
  const reason = inline(handoff.initiator === "router" ? `router: ${handoff.reason}` : handoff.reason)
  const edge = `${inline(handoff.from)} → ${inline(handoff.to)} (${handoff.mode})`
  if (!handoff.success) {
    return `  ${style.yellow("↪ handoff")} ${edge} — ${reason} — ` +
      `${style.red(`refused ✗: ${inline(handoff.errors.join("; "))}`)}`
  }
  const preserved = handoff.contextPreserved ? style.green("context preserved ✓") : style.red("context NOT preserved ✗")
  return `  ${style.yellow("↪ handoff")} ${edge} — ${reason} — ` +
    `${handoff.executionTimeMs.toFixed(3)} ms — ${preserved}`
}

const quoted = (words: ReadonlyArray<string>) => words.map((word) => `"${inline(word)}"`).join(", ")

const checkLines = (checks: ReadonlyArray<Check>, style: Style.Style): Array<string> => {
  if (checks.length === 0) return []
  const failed = checks.filter((check) => !check.met)
  if (failed.length === 0) {
    const parts = [
      ...checks.filter((check) => check.expectation === "agent").map((check) => `agent ${inline(check.expected)}`),
      ...checks.filter((check) => check.expectation === "handoffs").map((check) => `handoffs ${inline(check.expected)}`)
    ]
    const words = checks.filter((check) => check.expectation === "replyContains").map((check) => check.expected)
    if (words.length > 0) parts.push(`reply mentions ${quoted(words)}`)
    return [`  ${style.green("✓")} ${style.dim(parts.join(" · "))}`]
  }
  return failed.map((check) =>
    `  ${style.red("✗")} ` +
    (check.expectation === "replyContains"
      ? `expected the reply to mention "${inline(check.expected)}"`
      : `expected ${check.expectation} ${inline(check.expected)}, got ${inline(check.actual)}`)
  )
}

const reached: Record<BatonApp.Transport, string> = {
  "in-process": "tools in process",
  stdio: "tools over stdio",
  http: "tools over HTTP"
}

/**
 * The scenario's name, then its (first) session, user, length, how many
 * sessions when more than one and, when given, how the app reaches its tools.
 *
 * @since 0.1.0 @category printing
 */
export const header = (
  appName: string,
  scenario: Scenario.Scenario,
  style: Style.Style = Style.plain,
  transport?: BatonApp.Transport
): Array<string> => {
  const sessions = Scenario.sessions(scenario).length
  return [
    style.bold(`${inline(appName)} — ${inline(scenario.name)}`),
    style.dim(
      `session ${inline(Scenario.sessionOf(scenario, scenario.turns[0]))} · user ${inline(scenario.userId)} · ` +
        `${scenario.turns.length} turns` +
        (sessions > 1 ? ` in ${sessions} sessions` : "") +
        (transport === undefined ? "" : ` · ${reached[transport]}`)
    )
  ]
}

/**
 * `— new session tripsage-demo-2 for demo-traveller —`: where a scenario
 * moves to another session of its user.
 *
 * @since 0.1.0 @category printing
 */
export const sessionDivider = (sessionId: string, userId: string, style: Style.Style = Style.plain): string =>
  style.bold(style.yellow(`— new session ${inline(sessionId)} for ${inline(userId)} —`))

/** @since 0.1.0 @category printing */
export const turn = (played: PlayedTurn, options: Options = {}): Array<string> => {
  const style = options.style ?? Style.plain
  const names = options.agentNames ?? new Map<string, string>()
  const nameOf = (id: string | undefined) => inline(id === undefined ? "agent" : names.get(id) ?? id)
  const labelWidth = Math.max(3, ...[...names.values()].map((name) => inline(name).length))
  const lines = [
    ...(played.newSession ? ["", sessionDivider(played.sessionId, played.userId, style)] : []),
    "",
    `${style.bold(`Turn ${played.index}`)} ${style.dim(`· ${played.result.durationMs.toFixed(2)} ms`)}`,
    ...Object.entries(played.faults ?? {}).map(([service, spec]) =>
      style.yellow(`  ⚡ fault injected into ${inline(service)} for this turn: ${inline(spec)}`)
    ),
    ...labelled("you", labelWidth, safe(played.text), (text) => style.bold(style.cyan(text)), options.width)
  ]
  for (const entry of played.result.timeline) {
    if (entry._tag === "Handoff") lines.push(handoffLine(entry.handoff, style))
    else {
      lines.push(...labelled(nameOf(entry.message.agent), labelWidth, safe(entry.message.content), style.magenta, options.width))
    }
  }
  return [...lines, ...checkLines(played.checks, style)]
}

/** @since 0.1.0 @category printing */
export const failure = (failed: FailedTurn, style: Style.Style = Style.plain): Array<string> => [
  "",
  `${style.bold(`Turn ${failed.index}`)}`,
  ...labelled("you", 3, safe(failed.text), (text) => text),
  `  ${style.red("✗")} the turn failed: ${inline(failed.error.message)}`
]

const mark = (ok: boolean, style: Style.Style) => (ok ? style.green("✓") : style.red("✗"))

/** @since 0.1.0 @category printing */
export const summary = (summary: Summary, failed: Option.Option<FailedTurn>, style: Style.Style = Style.plain): Array<string> => {
  const handoffs = `${summary.handoffs} (${summary.nested} nested)${summary.refused > 0 ? `, ${summary.refused} refused` : ""}`
  const rows: Array<readonly [string, string]> = [
    ["turns", Option.isSome(failed) ? `${summary.turns} (failed at turn ${failed.value.index})` : `${summary.turns}`],
    ["handoffs", handoffs],
    ["contexts preserved", `${summary.contextsPreserved ? "yes" : "no"} ${mark(summary.contextsPreserved, style)}`],
    [
      "expectations",
      `${summary.expectationsMet} of ${summary.expectations} met ${mark(summary.expectationsMet === summary.expectations, style)}`
    ],
    ["total time", `${summary.durationMs.toFixed(1)} ms`],
    ["result", summary.passed ? style.bold(style.green("PASS")) : style.bold(style.red("FAIL"))]
  ]
  return ["", style.bold("Summary"), ...rows.map(([name, value]) => `  ${name.padEnd(20)}${value}`)]
}
