/**
 * Where an MCP server is, as it may be shown: in listings, JSON output,
 * errors, logs, events and spans. A server's URL may carry credentials
 * (`https://user:password@host/mcp`, `?api_key=…`) and a spawned server's
 * arguments and environment may carry tokens; none of them is ever shown.
 * Every display of a server's address goes through this module: userinfo
 * becomes `***@`, the values of secret-looking query parameters (`key`,
 * `token`, `secret`, `password`, `auth`, `sig`…, in any case and spelling)
 * and values or path segments that look like generated tokens become `***`,
 * and environment variables are named, never valued.
 *
 * @example
 * ```ts
 * import { ServerAddress } from "@baton/mcp"
 *
 * ServerAddress.redactUrl("https://alice:s3cret@mcp.example.com/mcp?api_key=abc&region=eu")
 * // "https://***@mcp.example.com/mcp?api_key=***&region=eu"
 * ServerAddress.describe({ command: "npx", args: ["-y", "server", "--token", "t0k"], env: { API_KEY: "v" } })
 * // "npx -y server --token *** (env: API_KEY)"
 * ```
 *
 * @since 0.2.0
 */
import * as internal from "./internal/serverAddress.js"
import type { ServerConfig } from "./McpConfig.js"

/**
 * What replaces a secret.
 *
 * @since 0.2.0 @category constants
 */
export const MASK: string = internal.MASK

/**
 * A URL as it may be shown: without its userinfo, secret-looking query or
 * fragment values, or token-like path segments; otherwise as written.
 *
 * @since 0.2.0 @category redaction
 */
export const redactUrl: (url: string) => string = internal.redactUrl

/**
 * Free text (an error's message, a log line) with every URL in it redacted
 * as `redactUrl` does.
 *
 * @since 0.2.0 @category redaction
 */
export const redactText: (text: string) => string = internal.redactText

/**
 * A spawned server's arguments as they may be shown: the value of a
 * secret-looking option (`--token=…`, `--api-key …`, `API_KEY=…`), URLs
 * redacted, and arguments that look like generated tokens masked.
 *
 * @since 0.2.0 @category redaction
 */
export const redactArgs: (args: ReadonlyArray<string>) => Array<string> = internal.redactArgs

/**
 * Whether a parameter, option or variable of this name is taken to hold a
 * secret.
 *
 * @since 0.2.0 @category redaction
 */
export const isSecretName: (name: string) => boolean = internal.isSecretName

/**
 * Where a configured server is, on one line: its redacted URLs, or its
 * redacted command line followed by the names (never the values) of the
 * environment variables it is given; `in memory` for a server made in code.
 *
 * @since 0.2.0 @category redaction
 */
export const describe: (server: ServerConfig) => string = internal.describe
