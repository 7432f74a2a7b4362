/**
 * `baton mcp list` and `baton mcp call`: their arguments, options, help and
 * exit codes. Listing is `commands/McpList` and calling `commands/McpCall`,
 * each loaded when its command runs.
 *
 * @since 0.2.0
 */
import { type Command, InvalidArgumentError } from "commander"
import type { Io } from "../Io.js"

/** @since 0.1.0 @category constants */
export const defaultTimeoutMs = 30_000

/**
 * Commander's parser for `--timeout <ms>`.
 *
 * @since 0.1.0 @category parsing
 */
export const parseTimeout = (text: string): number => {
  const ms = Number(text)
  if (!/^\d+$/.test(text) || ms <= 0) throw new InvalidArgumentError("expected a positive whole number of milliseconds.")
  return ms
}

const registerList = (mcp: Command, io: Io, exit: (code: number) => void): Command =>
  mcp
    .command("list")
    .description("connect to every configured MCP server and list its instances, health and tools")
    .option("--config <file>", "config file with \"mcpServers\"", "baton.config.json")
    .option("--json", "print the listing as JSON, with each tool's input schema")
    .option("--timeout <ms>", "give up connecting to a server after this long", parseTimeout, defaultTimeoutMs)
    .option("--no-color", "plain output even on a terminal (NO_COLOR also works)")
    .addHelpText(
      "after",
      `
Examples:
  $ baton mcp list                                  the servers in ./baton.config.json
  $ baton mcp list --config ~/.cursor/mcp.json      any file in the "mcpServers" shape
  $ baton mcp list --json | jq '.servers[].tools[].name'

Tools whose names start with "_" (such as the mock services' _control) are not listed.
Exit codes: 0 every server answered, 1 a server could not be reached, 2 a bad config file.`
    )
    .action(async (options: { config: string; json?: true; timeout: number; color: boolean }) => {
      const command = await import("../commands/McpList.js")
      exit(await command.main(options, io))
    })

const registerCall = (mcp: Command, io: Io, exit: (code: number) => void): Command =>
  mcp
    .command("call")
    .description("call one tool of a configured MCP server and print the result as JSON")
    .argument("<server>", "a server named in \"mcpServers\"")
    .argument("<tool>", "one of its tools (see baton mcp list)")
    .argument("[json]", "the tool's arguments as a JSON object", "{}")
    .option("--config <file>", "config file with \"mcpServers\"", "baton.config.json")
    .option(
      "--timeout <ms>",
      "give up connecting, or waiting for the result, after this long (a server's policy.timeoutMs wins for the call)",
      parseTimeout,
      defaultTimeoutMs
    )
    .addHelpText(
      "after",
      `
Examples:
  $ baton mcp call weather forecast '{"location":"Lisbon","start_date":"2026-12-10","end_date":"2026-12-12"}'
  $ baton mcp call flights search_flights '{"origin":"LHR","destination":"LIS","departure_date":"2026-12-10","adults":2}'
  $ baton mcp call payments process '{"amount":12.5,"currency":"EUR","card_token":"tok_visa","idempotency_key":"order-0001"}'
  $ baton mcp call maps geocode '{"query":"LIS"}' | jq '.results[0]'

The result is the tool's structured content, or its content blocks when it has none.
Tools whose names start with "_" are not listed by baton mcp list, but can be called.
Exit codes: 0 the tool answered, 1 the server could not be reached, the call failed or the tool
reported an error, 2 bad JSON, an unknown server or tool, arguments that do not fit the tool's
schema, or a bad config file.`
    )
    .action(async (server: string, tool: string, json: string, options: { config: string; timeout: number }) => {
      const command = await import("../commands/McpCall.js")
      exit(await command.main({ server, tool, args: json, ...options }, io))
    })

/**
 * Adds the command and its subcommands to `program`; their exit codes go to `exit`.
 *
 * @since 0.1.0 @category commands
 */
export const register = (program: Command, io: Io, exit: (code: number) => void): Command => {
  const mcp = program
    .command("mcp")
    .description("list the MCP servers configured in baton.config.json, or call one of their tools")
    .addHelpText(
      "after",
      `
Servers come from "mcpServers" in the config file, in the shape other MCP clients use:
  { "mcpServers": {
      "files":   { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] },
      "weather": { "url": "http://127.0.0.1:7001/mcp" } } }

Examples:
  $ baton mcp list
  $ baton mcp call weather forecast '{"location":"Lisbon","start_date":"2026-12-10","end_date":"2026-12-12"}'
  $ baton help mcp call`
    )
  registerList(mcp, io, exit)
  registerCall(mcp, io, exit)
  return mcp
}
