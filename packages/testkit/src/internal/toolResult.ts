/** The two shapes a mock tool answers with. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"

/** A success: the data as structured content and, for older clients, as JSON text. */
export const ok = (data: object): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(data) }],
  structuredContent: data as Record<string, unknown>
})

/** A failure the caller can act on (`isError`), as a real service reports one. */
export const failure = (message: string): CallToolResult => ({
  content: [{ type: "text", text: message }],
  isError: true
})
