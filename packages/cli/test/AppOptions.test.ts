import { BatonApp } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as AppOptions from "../src/program/AppOptions.js"

describe("program/AppOptions", () => {
  it("offers --transport the transports core runs, in core's order (the first is the default)", () => {
    expect(AppOptions.transports).toEqual(BatonApp.transports)
  })
})
