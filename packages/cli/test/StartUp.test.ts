/**
 * `baton` starts fast because a command loads only what it uses: the
 * commands' declarations (`src/program/`) need commander alone, and a
 * command's implementation (`src/commands/`) with effect, the Baton packages,
 * the MCP SDK, the stores' drivers and ink is imported when it runs. Each
 * case runs the compiled bin, as users do, with a resolve hook that writes
 * down every module the process loads.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { root, writeConfig } from "./support.js"

const bin = Path.join(root, "packages/cli/bin/baton.js")
const recorder = Path.join(root, "packages/cli/test/fixtures/moduleLog/register.mjs")
const packages = pathToFileURL(Path.join(root, "packages")).href

const timeoutMs = 60_000

/** The modules `baton <args>` loaded, as URLs, with its exit code. */
const loadedBy = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number; readonly modules: ReadonlyArray<string> }>((resolve, reject) => {
    const log = Path.join(mkdtempSync(Path.join(tmpdir(), "baton-startup-")), "modules.log")
    execFile(
      process.execPath,
      ["--import", recorder, bin, ...args],
      { cwd: root, env: { ...process.env, NO_COLOR: "1", BATON_MODULE_LOG: log }, timeout: timeoutMs - 5_000 },
      (error, _stdout, stderr) => {
        // A command's own exit code is a number; a kill or a failure to start is not.
        if (error !== null && typeof error.code !== "number") {
          return reject(new Error(`baton ${args.join(" ")}: ${error.message}\n${stderr}`))
        }
        const modules = readFileSync(log, "utf8").split("\n").filter((url) => url !== "")
        resolve({ code: error === null ? 0 : Number(error.code), modules })
      }
    )
  })

/** The package a module URL belongs to: `@baton/<dir>` for the workspace's packages, else the npm name. */
const packageOf = (url: string): string | undefined => {
  if (url.startsWith(`${packages}/`)) return `@baton/${url.slice(packages.length + 1).split("/")[0]}`
  return /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
}

// The chaos command lists its profiles in its help: the testkit's module of
// them, and what it imports, are part of the declarations.
const chaosProfiles = ["chaos/ChaosProfile.js", "Prng.js"].map((file) => `${packages}/testkit/dist/${file}`)

/** The packages of the modules loaded, the chaos profiles' aside. */
const packagesOf = (modules: ReadonlyArray<string>): ReadonlySet<string | undefined> =>
  new Set(modules.filter((url) => !chaosProfiles.includes(url)).map(packageOf))

/** Of `names`, those among `loaded`. */
const among = (loaded: ReadonlySet<string | undefined>, names: ReadonlyArray<string>) => names.filter((name) => loaded.has(name))

/** What only a running command may need. */
const heavy = [
  "effect",
  "@baton/core",
  "@baton/mcp",
  "@baton/session",
  "@baton/testkit",
  "@modelcontextprotocol/sdk",
  "zod",
  "ioredis",
  "better-sqlite3",
  "ink",
  "react"
]

const cliModule = (path: string) => `${packages}/cli/dist/${path}`
const implementations = (modules: ReadonlyArray<string>) => modules.filter((url) => url.startsWith(cliModule("commands/")))

beforeAll(async () => {
  // The bin would bring dist up to date itself; done here, its build is not in a case's time.
  const { ensureFresh } = await import(pathToFileURL(Path.join(root, "scripts/dist.mjs")).href)
  await ensureFresh()
}, 120_000)

describe("baton start-up", () => {
  it.each([
    [["--help"]],
    [["help", "sessions"]],
    [["help", "chaos"]],
    [["mock-server", "--help"]],
    [["mcp", "list", "--help"]],
    [["sessions", "quarantine", "release", "--help"]]
  ])("baton %j loads commander and the declarations, no command's implementation", async (args) => {
    const { code, modules } = await loadedBy(args)
    expect(code).toBe(0)
    // The recorder saw the program being declared.
    expect(modules).toContain(cliModule("Program.js"))
    const loaded = packagesOf(modules)
    expect(loaded).toContain("commander")
    expect(implementations(modules)).toEqual([])
    expect(among(loaded, heavy)).toEqual([])
  }, timeoutMs)

  it("baton mcp list loads the MCP client, not the session stores, the testkit or ink", async () => {
    const { code, modules } = await loadedBy(["mcp", "list", "--config", writeConfig({ mcpServers: {} })])
    expect(code).toBe(0)
    const loaded = packagesOf(modules)
    expect(among(loaded, ["effect", "@baton/mcp", "@modelcontextprotocol/sdk"])).toHaveLength(3)
    expect(among(loaded, ["@baton/session", "@baton/testkit", "ioredis", "better-sqlite3", "ink", "react"])).toEqual([])
    expect(implementations(modules)).toEqual([cliModule("commands/McpList.js")])
  }, timeoutMs)

  it("baton mock-server loads the testkit, not the session stores or ink", async () => {
    const { code, modules } = await loadedBy(["mock-server", "no-such-service", "--stdio"])
    expect(code).toBe(2)
    const loaded = packagesOf(modules)
    expect(loaded).toContain("@baton/testkit")
    expect(among(loaded, ["@baton/session", "ioredis", "better-sqlite3", "ink", "react"])).toEqual([])
    expect(implementations(modules)).toEqual([cliModule("commands/MockServer.js")])
  }, timeoutMs)
})
