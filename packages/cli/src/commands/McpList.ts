/**
 * `baton mcp list [--config F] [--json]`: connects to every server in the
 * config file's `mcpServers`, prints each server's instances, health and
 * tools (a table, or JSON for machines, which also says where each server
 * is), and stops what it started. Server addresses are shown as
 * `ServerAddress` redacts them: no URL credentials, no secret-looking
 * arguments, no environment values. Exits
 * 0 when every server answered, 1 when one could not be reached, 2 on a bad
 * config file.
 *
 * @since 0.1.0
 */
import { type McpConfig, type McpGateway, type McpPool, ServerAddress, type ToolCatalogue } from "@baton/mcp"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Path from "node:path"
import { ExitCode, type Io } from "../Io.js"
import * as McpServers from "../McpServers.js"
import * as Style from "../Style.js"
import * as Table from "../Table.js"
import * as TerminalText from "../TerminalText.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly config?: string | undefined
  readonly json: boolean
  readonly timeout: number
  readonly color: boolean
}

/**
 * One server as listed: its status, and its tools once an instance has
 * answered (`undefined` before), hidden tools left out.
 *
 * @since 0.1.0 @category models
 */
export interface ServerListing {
  readonly name: string
  /** Where it is, as `ServerAddress.describe` shows it: never a credential or an environment value. */
  readonly address: string
  readonly health: number
  readonly reachable: boolean
  readonly instances: ReadonlyArray<McpPool.InstanceStatus>
  readonly tools: ReadonlyArray<ToolCatalogue.ToolInfo> | undefined
}

/** @since 0.1.0 @category models */
export interface Listing {
  /** The config file, absolute. */
  readonly config: string
  readonly servers: ReadonlyArray<ServerListing>
}

const gather = (path: string, config: McpConfig.McpConfig, gateway: McpGateway.McpGateway) =>
  Effect.gen(function*() {
    const statuses = yield* gateway.services.status
    const servers = yield* Effect.forEach(statuses, (status) =>
      Effect.map(Effect.option(gateway.services.catalogue(status.service)), (catalogue): ServerListing => ({
        name: status.service,
        address: ServerAddress.describe(config.mcpServers[status.service]!),
        health: status.health,
        reachable: status.instances.some((instance) => instance.connected),
        instances: status.instances,
        tools: Option.getOrUndefined(Option.map(catalogue, (found) => found.tools.filter((tool) => !McpServers.isHidden(tool.name))))
      })))
    return { config: path, servers } satisfies Listing
  })

const asJson = (listing: Listing) =>
  JSON.stringify(
    {
      config: listing.config,
      servers: listing.servers.map((server) => ({
        name: server.name,
        address: server.address,
        health: server.health,
        reachable: server.reachable,
        instances: server.instances,
        tools: server.tools?.map((tool) => ({
          name: tool.name,
          title: tool.title,
          description: tool.description,
          readOnly: tool.readOnly,
          inputSchema: tool.inputSchema
        })) ?? null
      }))
    },
    null,
    2
  )

const instanceCell = (instance: McpPool.InstanceStatus) =>
  instance.connected ? `${instance.id} up${instance.pid === undefined ? "" : `, pid ${instance.pid}`}` : `${instance.id} down`

/**
 * The listing as a servers table, why each down instance is down, a tools
 * table and a one-line summary. What servers said (tool names and
 * descriptions, why a connection failed) is written with its control
 * characters escaped (`TerminalText.inline`).
 *
 * @since 0.1.0 @category printing
 */
export const asText = (listing: Listing, options: { readonly cwd: string } & Table.Options): Array<string> => {
  const style = options.style ?? Style.plain
  // Relative when the file is under the working directory, as the user most likely named it.
  const relative = Path.relative(options.cwd, listing.config)
  const file = relative === "" || relative.startsWith("..") || Path.isAbsolute(relative) ? listing.config : relative
  if (listing.servers.length === 0) return [`No MCP servers are configured in ${file} ("mcpServers" is empty).`]
  const servers = Table.render(
    ["SERVER", "HEALTH", "INSTANCES", "TOOLS"],
    listing.servers.map((server) => [
      server.name,
      server.health.toFixed(2),
      server.instances.map(instanceCell).join("; "),
      server.tools === undefined ? "-" : String(server.tools.length)
    ]),
    options
  )
  const down = listing.servers.flatMap((server) =>
    server.instances.filter((instance) => !instance.connected).map((instance) =>
      `  ${style.red("✗")} ${instance.id}: ${TerminalText.inline(instance.lastError ?? "not connected")}`
    )
  )
  const rows = listing.servers.flatMap((server) =>
    // Names and descriptions come from the server: shown, never obeyed.
    (server.tools ?? []).map((tool) => [
      `${server.name}.${TerminalText.inline(tool.name)}`,
      tool.readOnly ? "yes" : "no",
      TerminalText.inline((tool.description ?? tool.title ?? "").replace(/\s+/g, " "))
    ])
  )
  const tools = rows.length === 0 ? [] : ["", ...Table.render(["TOOL", "READ-ONLY", "DESCRIPTION"], rows, options)]
  const unreachable = listing.servers.filter((server) => !server.reachable).length
  const summary = `${listing.servers.length} server${listing.servers.length === 1 ? "" : "s"} in ${file}, ` +
    (unreachable === 0
      ? `all reachable, ${rows.length} tools.`
      : `${unreachable} could not be reached.`)
  return [...servers, ...down, ...tools, "", unreachable === 0 ? summary : style.red(summary)]
}

/** @since 0.1.0 @category commands */
export const run = (options: Options, io: Io): Effect.Effect<number> =>
  Effect.scoped(Effect.gen(function*() {
    const { config, path } = yield* McpServers.load(io, options.config)
    const gateway = yield* McpServers.start(config, options.timeout)
    const listing = yield* gather(path, config, gateway)
    const style = Style.detect({ isTTY: io.isTTY, env: io.env, color: options.color })
    const width = io.isTTY ? io.columns : undefined
    const lines = options.json
      ? [asJson(listing)]
      : asText(listing, { cwd: io.cwd, style, ...(width === undefined ? {} : { width }) })
    io.write(`${lines.join("\n")}\n`)
    return listing.servers.every((server) => server.reachable) ? ExitCode.ok : ExitCode.failed
  })).pipe(
    Effect.catchAll(McpServers.report(io)),
    Effect.provide(McpServers.logs(io))
  )

/**
 * Runs the command on commander's parsed options (`program/Mcp` declares
 * them) and gives its exit code.
 *
 * @since 0.2.0 @category commands
 */
export const main = (
  options: { readonly config: string; readonly json?: true; readonly timeout: number; readonly color: boolean },
  io: Io
): Promise<number> => Effect.runPromise(run({ ...options, json: options.json === true }, io))
