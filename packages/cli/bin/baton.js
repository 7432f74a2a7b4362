#!/usr/bin/env node
import { existsSync } from "node:fs"

// In a checkout of the Baton repository the packages' dist/ is first brought up
// to date with their sources (a few milliseconds when nothing changed), so the
// bin never runs code older than the sources. An installed package has no
// such script next to it.
const dist = new URL("../../../scripts/dist.mjs", import.meta.url)
if (existsSync(dist)) {
  const { ensureFresh } = await import(dist.href)
  ensureFresh((line) => process.stderr.write(`baton: ${line}\n`))
}
await import("../dist/bin.js")
