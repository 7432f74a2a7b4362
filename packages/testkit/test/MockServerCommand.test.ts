import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { parseArgs } from "../src/MockServerCommand.js"

const reason = (argv: ReadonlyArray<string>) => {
  const result = parseArgs(argv)
  if (Either.isRight(result)) throw new Error(`${argv.join(" ")} should be refused`)
  expect(result.left.message).toContain("Usage: mock-server <service>")
  return result.left.reason
}

describe("MockServerCommand.parseArgs", () => {
  it("reads the service, the transport, the faults and the seed", () => {
    expect(parseArgs(["flights", "--stdio"])).toEqual(Either.right({ service: "flights", transport: { _tag: "Stdio" } }))
    expect(parseArgs(["payments", "--http", "0", "--faults", "hang@0.1", "--seed", "9"])).toEqual(
      Either.right({ service: "payments", transport: { _tag: "Http", port: 0 }, faults: "hang@0.1", seed: 9 })
    )
  })

  it("explains what is wrong", () => {
    expect(reason([])).toBe("expected one service name, got 0")
    expect(reason(["trains", "--stdio"])).toContain(`There is no mock service "trains"`)
    expect(reason(["flights"])).toBe("give exactly one of --stdio and --http PORT")
    expect(reason(["flights", "--stdio", "--http", "80"])).toBe("give exactly one of --stdio and --http PORT")
    expect(reason(["flights", "--http", "80x"])).toBe(`PORT must be an integer >= 0, got "80x"`)
    expect(reason(["flights", "--stdio", "--seed", "x"])).toBe(`--seed must be an integer >= 0, got "x"`)
    expect(reason(["flights", "--stdio", "--faults", "crash@2"])).toContain("rate: Expected a number between 0 and 1")
    expect(reason(["flights", "--stdio", "--verbose"])).toContain("--verbose")
  })
})
