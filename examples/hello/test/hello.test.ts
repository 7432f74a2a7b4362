import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

describe("hello example", () => {
  // Asynchronously: a synchronous child blocks this test worker, and a busy
  // machine can stretch its start past vitest's minute for a worker to answer.
  it("hands the weather question to the weather agent with its context", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", main], { encoding: "utf8" })
    expect(stdout.split("\n").filter(Boolean)).toEqual([
      "concierge: Hello! Ask me about the weather somewhere.",
      "  ↪ concierge → weather: context preserved",
      "weather: Sunny in Lisbon all week."
    ])
  })
})
