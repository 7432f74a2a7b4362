/**
 * The chat's input line: a message for the agents, or a slash command. A
 * command that is unknown or has the wrong arguments is `Invalid` with a
 * sentence saying what was expected, so the chat can show it and carry on.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export type Input =
  | { readonly _tag: "Message"; readonly text: string }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Agents" }
  | { readonly _tag: "Sessions" }
  | { readonly _tag: "Restore"; readonly sessionId: string }
  | { readonly _tag: "Snapshot"; readonly label: string }
  | { readonly _tag: "Faults"; readonly service: string; readonly spec: string | "off" }
  | { readonly _tag: "ListFaults" }
  | { readonly _tag: "Quit" }
  | { readonly _tag: "Invalid"; readonly reason: string }
  | { readonly _tag: "Empty" }

/**
 * The commands with their usage, as `/help` lists them.
 *
 * @since 0.1.0 @category constants
 */
export const commands: ReadonlyArray<readonly [usage: string, what: string]> = [
  ["/agents", "the app's agents; * marks the one holding the conversation"],
  ["/sessions", "your sessions in the store, newest first"],
  ["/restore <id>", "switch to another of your sessions"],
  ["/snapshot [label]", "snapshot this session now (label default: chat)"],
  ["/faults <service> <spec>", "inject a fault into a service, e.g. /faults weather error:rpc(-32050)@1"],
  ["/faults <service> off", "clear a service's faults; /faults alone lists them"],
  ["/help", "this list"],
  ["/quit", "leave (Ctrl+C works too)"]
]

/** The default `/snapshot` label. @since 0.1.0 @category constants */
export const SNAPSHOT_LABEL = "chat"

const usage = (name: string) => {
  const found = commands.find(([text]) => text.startsWith(`/${name} `) || text === `/${name}`)
  return found === undefined ? "" : found[0]
}

const invalid = (reason: string): Input => ({ _tag: "Invalid", reason })

/** @since 0.1.0 @category parsing */
export const parse = (line: string): Input => {
  const text = line.trim()
  if (text.length === 0) return { _tag: "Empty" }
  if (!text.startsWith("/")) return { _tag: "Message", text }
  const [head = "", ...args] = text.slice(1).split(/\s+/)
  const name = head.toLowerCase()
  const none = (input: Input): Input =>
    args.length === 0 ? input : invalid(`/${name} takes no arguments (usage: ${usage(name)})`)
  switch (name) {
    case "help":
    case "?":
      return none({ _tag: "Help" })
    case "agents":
      return none({ _tag: "Agents" })
    case "sessions":
      return none({ _tag: "Sessions" })
    case "quit":
    case "exit":
      return none({ _tag: "Quit" })
    case "restore":
      return args.length === 1 ? { _tag: "Restore", sessionId: args[0]! } : invalid("usage: /restore <session id> (see /sessions)")
    case "snapshot":
      return args.length <= 1
        ? { _tag: "Snapshot", label: args[0] ?? SNAPSHOT_LABEL }
        : invalid("usage: /snapshot [label] — one word")
    case "faults": {
      if (args.length === 0) return { _tag: "ListFaults" }
      if (args.length === 1) return invalid("usage: /faults <service> <spec>, or /faults <service> off")
      // A spec may hold spaces only by mistake; the rest of the line is the spec.
      const [service, ...spec] = args
      const joined = spec.join(" ")
      return { _tag: "Faults", service: service!, spec: joined.toLowerCase() === "off" ? "off" : joined }
    }
    default:
      return invalid(`unknown command /${head}; /help lists the commands`)
  }
}
