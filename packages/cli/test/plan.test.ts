import { describe, expect, it } from "@effect/vitest"
import { baton as run } from "./support.js"

const baton = (...args: ReadonlyArray<string>) => run(args)

describe("baton plan", () => {
  it("prints the TripSage parallel search's plan: four steps in one level, weather and activities optional", async () => {
    const { code, stderr, stdout } = await baton("plan", "trip-search")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const lines = stdout.split("\n")
    expect(lines[0]).toBe("Workflow \"trip-search\": 4 steps in 1 level, 4 requests")
    expect(lines).toContain("Level 0")
    expect(lines).not.toContain("Level 1")
    expect(stdout).toMatch(/^ {2}flights +flights\.search_flights /m)
    expect(stdout).toMatch(/^ {2}stays +accommodations\.search /m)
    expect(stdout).toMatch(/^ {2}weather +weather\.forecast .*optional$/m)
    expect(stdout).toMatch(/^ {2}activities +activities\.search .*optional$/m)
  })

  it("prints the booking saga's plan, its reservations compensable, from a given app module", async () => {
    const { code, stderr, stdout } = await baton("plan", "booking", "--app", "examples/tripsage/src/app.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout.split("\n")[0]).toBe("Workflow \"booking\": 5 steps in 5 levels, 3 requests")
    expect(stdout).toMatch(/^ {2}reserveFlight +flights\.reserve .*compensable/m)
    expect(stdout).toMatch(/^ {2}reserveHotel +accommodations\.reserve .*compensable/m)
  })

  it("exits 2 on an unknown workflow, listing the known ones", async () => {
    const { code, stderr, stdout } = await baton("plan", "holiday")
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toBe("error: unknown workflow \"holiday\"; the app \"TripSage\" has: booking, trip-search\n")
  })

  it("exits 2 when the app has no workflows, and when no workflow is named", async () => {
    const none = await baton("plan", "anything", "--app", "packages/cli/test/fixtures/noDemoApp.ts")
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^error: the app ".+" has no workflows\n$/)
    const missing = await baton("plan")
    expect(missing.code).toBe(2)
    expect(missing.stderr.split("\n")[0]).toBe("error: missing required argument 'workflow'")
  })
})
