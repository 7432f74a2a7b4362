/**
 * The `_control` tool every mock registers, so that a test or a chaos run can
 * steer a mock that runs in another process over the MCP connection itself.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Runtime from "effect/Runtime"
import * as z from "zod"
import * as MockControl from "../MockControl.js"
import { controlTool } from "./faultTransport.js"
import { failure, ok } from "./toolResult.js"

export const register = (server: McpServer, control: MockControl.MockControl, runtime: Runtime.Runtime<never>) =>
  server.registerTool(controlTool, {
    title: "Mock control",
    description: "Test control of this mock service, not a travel tool. Actions: set_faults (with faults: a " +
      "fault spec string or JSON rules), clear, faults, state, stats.",
    inputSchema: {
      action: z.enum(["set_faults", "clear", "faults", "state", "stats"]),
      faults: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]).optional()
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false }
  }, async (args) => {
    const request = MockControl.decode(args)
    if (Either.isLeft(request)) return failure(request.left.message)
    const answer = await Runtime.runPromise(runtime)(Effect.either(MockControl.run(control, request.right)))
    return Either.isLeft(answer) ? failure(answer.left.message) : ok(answer.right)
  })
