import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

describe("hello example", () => {
  it("hands the weather question to the weather agent with its context", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", main], {
      encoding: "utf8"
    })
    expect(output.split("\n").filter(Boolean)).toEqual([
      "concierge: Hello! Ask me about the weather somewhere.",
      "  ↪ concierge → weather: context preserved",
      "weather: Sunny in Lisbon all week."
    ])
  })
})
