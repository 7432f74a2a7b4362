/**
 * The repository's `scripts/dist.mjs`, which the bin runs first in a
 * checkout: a package's dist follows its sources, so nobody runs code older
 * than what they edited. Played on a small workspace in a temporary folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ensureFresh } from "../../../scripts/dist.mjs"

const roots: Array<string> = []

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

const workspace = () => {
  const root = mkdtempSync(Path.join(tmpdir(), "baton-dist-"))
  roots.push(root)
  for (const name of ["alpha", "beta"]) {
    mkdirSync(Path.join(root, "packages", name, "src", "nested"), { recursive: true })
    writeFileSync(Path.join(root, "packages", name, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022" } }))
    writeFileSync(Path.join(root, "packages", name, "src", "index.ts"), `export const name: string = "${name}"\n`)
    writeFileSync(Path.join(root, "packages", name, "src", "nested", "deep.ts"), "export const depth = 1 as number\n")
  }
  mkdirSync(Path.join(root, "packages", "docs-only"))
  return root
}

const dist = (root: string, pkg: string, file: string) => readFileSync(Path.join(root, "packages", pkg, "dist", file), "utf8")

// A later mtime than anything the build wrote, as an edit a moment later has.
const later = (path: string) => {
  const future = new Date(Date.now() + 5_000)
  utimesSync(path, future, future)
}

describe("scripts/dist.mjs", () => {
  it("compiles every package with sources, file for file, then has nothing to do", () => {
    const root = workspace()
    const heard: Array<string> = []
    expect(ensureFresh((line) => heard.push(line), root)).toEqual(["alpha", "beta"])
    expect(heard).toEqual(["building alpha, beta (sources changed)"])
    expect(dist(root, "alpha", "index.js")).toContain(`const name = "alpha"`)
    expect(dist(root, "beta", "nested/deep.js")).toContain("const depth = 1")
    expect(ensureFresh(() => {}, root)).toEqual([])
  })

  it("rebuilds only the package whose source was edited, with the edit", () => {
    const root = workspace()
    ensureFresh(() => {}, root)
    const edited = Path.join(root, "packages", "beta", "src", "nested", "deep.ts")
    writeFileSync(edited, "export const depth = 2 as number\n")
    later(edited)
    expect(ensureFresh(() => {}, root)).toEqual(["beta"])
    expect(dist(root, "beta", "nested/deep.js")).toContain("const depth = 2")
  })

  it("rebuilds a package a file was added to or removed from, whatever the file's own time", () => {
    const root = workspace()
    ensureFresh(() => {}, root)
    const added = Path.join(root, "packages", "alpha", "src", "nested", "added.ts")
    writeFileSync(added, "export const added = true\n")
    const old = new Date(Date.now() - 3_600_000)
    utimesSync(added, old, old)
    later(Path.dirname(added))
    expect(ensureFresh(() => {}, root)).toEqual(["alpha"])
    expect(dist(root, "alpha", "nested/added.js")).toContain("const added = true")
  })

  it("rebuilds after its tsconfig changed", () => {
    const root = workspace()
    ensureFresh(() => {}, root)
    later(Path.join(root, "packages", "alpha", "tsconfig.json"))
    expect(ensureFresh(() => {}, root)).toEqual(["alpha"])
  })

  it("bundles a standalone program into one file, again when any package it uses changed", () => {
    const root = workspace()
    const program = Path.join(root, "packages", "testkit", "src", "bin", "mock-server.ts")
    mkdirSync(Path.dirname(program), { recursive: true })
    writeFileSync(Path.join(root, "packages", "testkit", "tsconfig.json"), "{}")
    writeFileSync(program, `import { name } from "../../../alpha/src/index.js"\nconsole.log(name)\n`)
    ensureFresh(() => {}, root)
    const bundled = () => dist(root, "testkit", "bin/mock-server.js")
    expect(bundled()).toContain(`"alpha"`)
    expect(bundled()).not.toMatch(/from\s+"\.\.\/\.\.\/\.\.\/alpha/)
    const edited = Path.join(root, "packages", "alpha", "src", "index.ts")
    writeFileSync(edited, `export const name: string = "alpha, edited"\n`)
    later(edited)
    expect(ensureFresh(() => {}, root)).toEqual(["alpha"])
    expect(bundled()).toContain(`"alpha, edited"`)
  })
})
