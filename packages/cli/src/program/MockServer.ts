/**
 * `baton mock-server <service>`: its options and help. Serving is
 * `commands/MockServer`, loaded when the command runs.
 *
 * @since 0.2.0
 */
import type { Command } from "commander"
import type { Io } from "../Io.js"

/**
 * Adds the command to `program`; its exit code goes to `exit`.
 *
 * @since 0.1.0 @category commands
 */
export const register = (program: Command, io: Io, exit: (code: number) => void): Command =>
  program
    .command("mock-server")
    .description("serve a mock MCP service (flights, accommodations, weather, maps, activities, payments)")
    .argument("<service>", "the mock service to serve")
    .option("--stdio", "speak MCP over standard input and output")
    .option("--http <port>", "serve MCP over Streamable HTTP on 127.0.0.1:PORT (0 picks a free port)")
    .option("--faults <spec>", "inject faults, e.g. 'latency:normal(50,10)@0.3;tool=reserve:error:rate-limit(2s)@0.1'")
    .option("--seed <n>", "seed of the mock's data and of the fault dice")
    .addHelpText(
      "after",
      `
Examples:
  $ baton mock-server flights --stdio                         for an mcpServers "command" entry
  $ baton mock-server weather --http 7001                     then POST http://127.0.0.1:7001/mcp
  $ baton mock-server payments --http 0 --faults 'error:tool@0.2#7'

An mcpServers entry runs it with --stdio: see the repository's baton.config.json, then
  $ baton mcp call flights search_flights '{"origin":"LHR","destination":"LIS","departure_date":"2026-12-10"}'

Faults change at run time through the '_control' tool or POST /control (HTTP).
The fault grammar is documented in packages/testkit/README.md.

Over HTTP, as MCP servers must against DNS rebinding, it answers 403 unless the request's
Host is 127.0.0.1:PORT or localhost:PORT and its Origin, if any, is a loopback origin.`
    )
    .action(async (service: string, options: { stdio?: true; http?: string; faults?: string; seed?: string }) => {
      const command = await import("../commands/MockServer.js")
      exit(await command.main(service, options, io))
    })
