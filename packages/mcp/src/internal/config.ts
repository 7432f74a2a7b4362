import { readFile } from "node:fs/promises"
import * as Path from "node:path"
import { JsonInput } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { McpConfigError } from "../Errors.js"
import { CommandServer, type McpConfig, type ServerConfig, UrlServer } from "../McpConfig.js"

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
  const deep = JsonInput.pathTooDeep(input)
  if (deep !== undefined) return fail([`${deep.join(".")}: ${JsonInput.tooDeep()}`])
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

// Parsed with a bound on nesting (decoding and error messages recurse), and
// a syntax error quotes none of the text, which may hold a secret.
const parseJson = (text: string, path: string): Effect.Effect<unknown, McpConfigError> =>
  Either.match(JsonInput.parse(text), {
    onRight: Effect.succeed,
    onLeft: (reason) => Effect.fail(new McpConfigError({ path, reason }))
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
