import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the
// "@baton/source" export condition, so tests never need a prior build.
const conditions = ["@baton/source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@baton/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "packages/*/test/**/*.test.tsx", "examples/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ["./vitest.setup.ts"]
  }
})
