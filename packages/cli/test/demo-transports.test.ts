import { describe, expect, it } from "@effect/vitest"
import { baton, survivors } from "./support.js"

const services = ["flights", "accommodations", "weather", "activities", "payments"]

describe.each([
  { transport: "stdio", heading: "tools over stdio" },
  { transport: "http", heading: "tools over HTTP" }
])("baton demo --transport $transport", ({ heading, transport }) => {
  it("plays the demo against the mock services as child processes, passes, and leaves none behind", async () => {
    const ran = await baton(["demo", "--transport", transport], { watchChildren: true, timeoutMs: 60_000 })
    expect(ran.stderr).toBe("")
    expect(ran.code, ran.stdout).toBe(0)
    expect(ran.stdout.split("\n")[1]).toBe(`session tripsage-demo · user demo-traveller · 11 turns in 2 sessions · ${heading}`)
    expect(ran.stdout).toContain("  handoffs            9 (1 nested)")
    // The fault reaches the weather service through its _control tool, whatever the transport.
    expect(ran.stdout).toContain("Weather is unavailable right now; flights and hotels are shown without the forecast.")
    expect(ran.stdout).toContain("  contexts preserved  yes ✓")
    expect(ran.stdout).toContain("  result              PASS")
    // One process per service was seen while the demo ran; none outlives it.
    expect(ran.children.length).toBeGreaterThanOrEqual(services.length)
    expect(await survivors(ran.children)).toEqual([])
  })
})
