import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { Tool } from "@modelcontextprotocol/sdk/types.js"

// A server that never stops paging is broken; stop rather than loop forever.
const maxPages = 1_000

/** Every tool the server lists, following `nextCursor` across pages. */
export const listTools = async (client: Client, timeoutMs: number): Promise<ReadonlyArray<Tool>> => {
  const tools: Array<Tool> = []
  const seen = new Set<string>()
  let cursor: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs })
    tools.push(...result.tools)
    cursor = result.nextCursor
    if (cursor === undefined) return tools
    if (seen.has(cursor)) throw new Error(`tools/list repeated the cursor "${cursor}"`)
    seen.add(cursor)
  }
  throw new Error(`tools/list returned more than ${maxPages} pages`)
}
