/**
 * `baton mcp`: the MCP servers of a config file's `mcpServers` — `list` them
 * with their health and tools, or `call` one tool. Any server in that shape
 * works: the testkit's mocks, or third-party servers started with `npx` or
 * `node`, or reached by URL.
 *
 * @since 0.1.0
 */
import type { Command } from "commander"
import type { Io } from "../Io.js"
import * as McpCall from "./McpCall.js"
import * as McpList from "./McpList.js"

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
  McpList.register(mcp, io, exit)
  McpCall.register(mcp, io, exit)
  return mcp
}
