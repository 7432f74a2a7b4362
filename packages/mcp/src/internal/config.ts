import { readFile } from "node:fs/promises"
import * as Path from "node:path"
import { JsonInput } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { McpConfigError } from "../Errors.js"
import { CommandServer, type McpConfig, type ServerConfig, UrlServer } from "../McpConfig.js"
import { tooDeep, tooDeepReason } from "./nesting.js"

// Typos in a key would otherwise be ignored silently.
const strict = { errors: "all", onExcessProperty: "error" } as const

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Fields whose values may be secrets (a token in an argument, an API key in
// the environment, credentials in a URL or a header): an issue with one
// says what was expected, never what was found.
const secretFields: Record<"command" | "url", ReadonlySet<PropertyKey>> = {
  command: new Set(["args", "env"]),
  url: new Set(["url", "instances", "headers"])
}

// An optional field's schema is `X | undefined`, so a wrong value also
// reports "Expected undefined", which never helps: it is left out.
const issuesOf = (error: ParseResult.ParseError, at: ReadonlyArray<PropertyKey>, secret: ReadonlySet<PropertyKey>) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).flatMap((issue) => {
    const path = [...at, ...issue.path].join(".")
    if (issue._tag === "Unexpected") return [`${path}: unknown key`]
    if (issue.message.startsWith("Expected undefined")) return []
    const message = secret.has(issue.path[0]!) ? issue.message.replace(/, actual [\s\S]*$/, "") : issue.message
    return [`${path}: ${message}`]
  })

const decodeServer = (name: string, input: unknown): Either.Either<ServerConfig, Array<string>> => {
  const at = ["mcpServers", name]
  if (!isRecord(input)) return Either.left([`${at.join(".")}: must be an object`])
  if ("command" in input && "url" in input) {
    return Either.left([`${at.join(".")}: has both "command" and "url", but a server is one or the other`])
  }
  const kind = "command" in input ? "command" : "url" in input ? "url" : undefined
  if (kind === undefined) {
    return Either.left([
      `${at.join(".")}: needs "command" (a process to spawn over stdio) or "url" (a Streamable HTTP endpoint)`
    ])
  }
  const schema = kind === "command" ? CommandServer : UrlServer
  return Schema.decodeUnknownEither(schema as Schema.Schema<ServerConfig>, strict)(input).pipe(
    Either.mapLeft((error) => issuesOf(error, at, secretFields[kind]))
  )
}

const fallbackIssues = (servers: Readonly<Record<string, ServerConfig>>) =>
  Object.entries(servers).flatMap(([name, server]) =>
    (server.fallback ?? []).flatMap((target) =>
      target === name
        ? [`mcpServers.${name}.fallback: a server cannot fall back to itself`]
        : target in servers
        ? []
        : [`mcpServers.${name}.fallback: no server is named "${target}"`]
    )
  )

export const decode = (input: unknown, source = "(inline)"): Effect.Effect<McpConfig, McpConfigError> => {
  const fail = (issues: ReadonlyArray<string>) =>
    Effect.fail(new McpConfigError({ path: source, reason: issues.join("; ") }))
  const deep = tooDeep(input)
  if (deep !== undefined) return fail([`${deep.join(".")}: ${tooDeepReason()}`])
  if (!isRecord(input) || !("mcpServers" in input)) return fail([`expected an object with "mcpServers"`])
  if (!isRecord(input.mcpServers)) return fail(["mcpServers: must be an object of servers by name"])
  const issues: Array<string> = []
  const servers: Record<string, ServerConfig> = {}
  for (const [name, raw] of Object.entries(input.mcpServers)) {
    Either.match(decodeServer(name, raw), {
      onLeft: (found) => issues.push(...found),
      onRight: (server) => (servers[name] = server)
    })
  }
  issues.push(...fallbackIssues(servers))
  return issues.length > 0 ? fail(issues) : Effect.succeed({ mcpServers: servers })
}

const lineAndColumn = (text: string, position: number) => {
  const before = text.slice(0, position).split("\n")
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`
}

const statedPosition = (message: string) => {
  const stated = /at position (\d+)/.exec(message)
  return stated === null ? undefined : Number(stated[1])
}

// Whether `text` is valid JSON so far: it parses, or fails only at its end.
const endsEarly = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch (error) {
    const message = (error as Error).message
    return /end of JSON input/.test(message) || (statedPosition(message) ?? -1) >= text.length
  }
}

// V8 gives no position for some mistakes ("Unexpected token '}', … is not
// valid JSON"). The first offending character is then found by bisecting
// over prefixes: up to it, a prefix is valid JSON so far.
const positionOf = (text: string, message: string): number | undefined => {
  const stated = statedPosition(message)
  if (stated !== undefined) return stated
  if (/end of JSON input/.test(message)) return text.length
  let low = 0
  let high = text.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (endsEarly(text.slice(0, mid + 1))) low = mid + 1
    else high = mid
  }
  return low < text.length ? low : undefined
}

// V8 quotes the text around a mistake ("Unexpected token 's', ..."TOKEN":
// sk-live-ab"... is not valid JSON"), and the text may hold a secret: the
// line and column say where instead.
const withoutExcerpt = (message: string) => message.replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, "")

const syntaxError = (text: string): string => {
  try {
    JSON.parse(text)
    return "invalid JSON"
  } catch (error) {
    const message = (error as Error).message
    const position = positionOf(text, message)
    const where = position === undefined ? "" : ` at ${lineAndColumn(text, position)}`
    return `invalid JSON${where}: ${withoutExcerpt(message)}`
  }
}

// Parsed with a bound on nesting, measured on the text: everything that
// walks the value afterwards (decoding, error messages) recurses.
const parseJson = (text: string, path: string): Effect.Effect<unknown, McpConfigError> =>
  Either.match(JsonInput.parse(text), {
    onRight: Effect.succeed,
    onLeft: (refusal) => {
      const nested = JsonInput.depthOf(text, JsonInput.DEFAULT_MAX_DEPTH) > JsonInput.DEFAULT_MAX_DEPTH
      return Effect.fail(new McpConfigError({ path, reason: nested ? refusal : syntaxError(text) }))
    }
  })

const readFailure = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === "ENOENT") return "file not found"
  if (code === "EISDIR") return "is a directory, not a file"
  if (code === "EACCES") return "permission denied"
  return `cannot read the file: ${error instanceof Error ? error.message : String(error)}`
}

const resolveCwds = (config: McpConfig, directory: string): McpConfig => ({
  mcpServers: Object.fromEntries(
    Object.entries(config.mcpServers).map(([name, server]) => [
      name,
      "command" in server && server.cwd !== undefined
        ? { ...server, cwd: Path.resolve(directory, server.cwd) }
        : server
    ])
  )
})

export const load = (path: string): Effect.Effect<McpConfig, McpConfigError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new McpConfigError({ path, reason: readFailure(error) })
  }).pipe(
    Effect.flatMap((text) => parseJson(text, path)),
    Effect.flatMap((json) => decode(json, path)),
    Effect.map((config) => resolveCwds(config, Path.dirname(Path.resolve(path))))
  )
