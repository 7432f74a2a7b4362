import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the
// "@baton/source" export condition in the test processes; the processes tests
// spawn run the compiled dist, which vitest.setup.ts brings up to date first.
const conditions = ["@baton/source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@baton/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "packages/*/test/**/*.test.tsx", "examples/*/test/**/*.test.ts"],
    // Safety nets, not expectations: a test waits for readiness, and a test
    // that spawns the CLI several times takes four times as long when both
    // cores are busy with something else.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ["./vitest.setup.ts"],
    // The slow files spend their time waiting on processes they started (the
    // CLI, MCP servers, Redis, workers), not on the CPU: more of them run at
    // once than there are cores (vitest's default is one less than the cores).
    maxWorkers: availableParallelism() + 1,
    minWorkers: 1
  }
})
