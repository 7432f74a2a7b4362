/**
 * The faults a load run injects, per service: testkit fault specs
 * (`FaultSpec`, validated here), written on the command line as
 * `service=spec,service=spec` — a comma inside a spec's parentheses
 * (`latency:normal(50,10)`) belongs to the spec — plus a latency every
 * service gets (`--service-latency`). Rules without their own seed get the
 * run's seed, so a run with the same seed rolls the same dice.
 *
 * @example
 * ```ts
 * import { Load } from "@baton/testkit"
 *
 * Load.FaultProfile.parseList("weather=error:rpc(-32050)@0.1,flights=latency:normal(50,10)")
 * // Either.right({ weather: "error:rpc(-32050)@0.1", flights: "latency:normal(50,10)" })
 * ```
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as FaultSpec from "../FaultSpec.js"

/**
 * A fault profile could not be read: `reason` says which entry and why.
 *
 * @since 0.1.0 @category errors
 */
export class InvalidFaultProfile extends Schema.TaggedError<InvalidFaultProfile>("@baton/testkit/InvalidFaultProfile")(
  "InvalidFaultProfile",
  { profile: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `invalid fault profile ${JSON.stringify(this.profile)}: ${this.reason}`
  }
}

/**
 * Fault specs by service name.
 *
 * @since 0.1.0 @category models
 */
export type Profile = Readonly<Record<string, string>>

// Splits on commas outside parentheses.
const topLevel = (text: string): Array<string> => {
  const parts: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "(") depth++
    else if (c === ")") depth = Math.max(0, depth - 1)
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

const serviceName = /^[A-Za-z0-9_.-]+$/

/**
 * Reads `service=spec,...`, checking every spec. A service named twice has
 * its specs joined (`;`).
 *
 * @since 0.1.0 @category parsing
 */
export const parseList = (text: string): Either.Either<Profile, InvalidFaultProfile> => {
  const profile: Record<string, string> = {}
  for (const raw of topLevel(text)) {
    const entry = raw.trim()
    if (entry.length === 0) continue
    const equals = entry.indexOf("=")
    const service = equals < 0 ? "" : entry.slice(0, equals).trim()
    const spec = equals < 0 ? "" : entry.slice(equals + 1).trim()
    if (!serviceName.test(service) || spec.length === 0) {
      return Either.left(new InvalidFaultProfile({ profile: text, reason: `"${entry}" is not service=spec` }))
    }
    const checked = FaultSpec.parse(spec)
    if (Either.isLeft(checked)) {
      return Either.left(new InvalidFaultProfile({ profile: text, reason: `${service}: ${checked.left.message}` }))
    }
    profile[service] = profile[service] === undefined ? spec : `${profile[service]};${spec}`
  }
  return Either.right(profile)
}

/**
 * A latency spec for every service from a distribution or a plain
 * duration: `5ms` → `latency:fixed(5ms)`, `normal(20,5)` → `latency:normal(20,5)`.
 *
 * @since 0.1.0 @category parsing
 */
export const latencySpec = (text: string): Either.Either<string, InvalidFaultProfile> => {
  const trimmed = text.trim()
  const spec = /^\d/.test(trimmed) ? `latency:fixed(${trimmed})` : `latency:${trimmed}`
  return Either.match(FaultSpec.parse(spec), {
    onLeft: (error) =>
      Either.left(
        new InvalidFaultProfile({
          profile: text,
          reason: `a service latency is a duration ("5ms") or a distribution ("normal(20,5)", "uniform(5,15)", ` +
            `"long-tail(10,200)"): ${error.reason}`
        })
      ),
    onRight: () => Either.right(spec)
  })
}

/**
 * The spec each service gets: its own faults, then the common latency, each
 * rule seeded with `seed` unless it carries a seed.
 *
 * @since 0.1.0 @category constructors
 */
export const resolve = (options: {
  readonly services: ReadonlyArray<string>
  readonly faults: Profile
  readonly latency?: string | undefined
  readonly seed: number
}): Profile => {
  const seeded = (spec: string) =>
    spec.split(";").map((rule) => rule.trim()).filter((rule) => rule.length > 0)
      .map((rule) => (rule.includes("#") ? rule : `${rule}#${options.seed}`)).join(";")
  const resolved: Record<string, string> = {}
  for (const service of new Set([...options.services, ...Object.keys(options.faults)])) {
    const parts = [options.faults[service], options.latency].filter((part): part is string => part !== undefined)
    if (parts.length > 0) resolved[service] = seeded(parts.join(";"))
  }
  return resolved
}
