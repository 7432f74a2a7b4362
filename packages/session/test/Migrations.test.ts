import { SessionState } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { Migrations } from "../src/index.js"

describe("Migrations", () => {
  it("upgrades an unversioned record to the current schema version, filling the fields added since", () => {
    const upgraded = Migrations.upgrade(Migrations.builtin, { sessionId: "s", context: { history: [], state: null } })
    expect(upgraded).toEqual(Either.right({
      sessionId: "s",
      schemaVersion: SessionState.SCHEMA_VERSION,
      agentStack: [],
      activeWorkflows: [],
      cachedResults: {},
      context: { history: [], state: null, preferences: {}, searchContext: {} }
    }))
  })

  it("leaves a current record as it is", () => {
    const record = { schemaVersion: SessionState.SCHEMA_VERSION, anything: 1 }
    expect(Migrations.upgrade(Migrations.builtin, record)).toEqual(Either.right(record))
  })

  it("runs the steps in order, one version at a time", () => {
    const registry = Migrations.make([
      { from: 1, description: "rename", migrate: ({ name, ...rest }) => ({ ...rest, title: name, schemaVersion: 2 }) },
      { from: 0, description: "add name", migrate: (record) => ({ ...record, name: "untitled", schemaVersion: 1 }) }
    ], 2)
    expect(Migrations.upgrade(registry, {})).toEqual(Either.right({ title: "untitled", schemaVersion: 2 }))
  })

  it("says why a record cannot be upgraded", () => {
    const reason = (record: unknown, registry = Migrations.builtin) =>
      Either.getOrThrow(Either.flip(Migrations.upgrade(registry, record)))
    expect(reason([1])).toBe("the record is not a JSON object")
    expect(reason({ schemaVersion: 7 })).toBe("its schema version 7 is newer than this build reads (up to 1); upgrade Baton to read it")
    expect(reason({ schemaVersion: "1" })).toBe(`its schemaVersion "1" is not a version number`)
    expect(reason({}, Migrations.make([], 1))).toBe("there is no migration from schema version 0")
    const broken = Migrations.make([{ from: 0, description: "boom", migrate: () => { throw new Error("boom") } }], 1)
    expect(reason({}, broken)).toBe("the migration from schema version 0 failed: boom")
  })

  it("refuses a registry with two steps from one version or a step past the target", () => {
    const step = { from: 0, description: "x", migrate: (record: Migrations.JsonObject) => record }
    expect(() => Migrations.make([step, step], 1)).toThrow("Two migrations start at version 0.")
    expect(() => Migrations.make([{ ...step, from: 1 }], 1)).toThrow("outside 0..0")
  })
})
