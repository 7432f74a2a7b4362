/** Progress notifications, sent only when the caller asked for them with a progress token. */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js"
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js"

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

export const report = async (extra: Extra, steps: ReadonlyArray<string>): Promise<void> => {
  const progressToken = extra._meta?.progressToken
  if (progressToken === undefined) return
  for (const [index, message] of steps.entries()) {
    await extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken, progress: index + 1, total: steps.length, message }
    })
  }
}
