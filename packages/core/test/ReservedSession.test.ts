import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Ids from "../src/Ids.js"
import * as ReservedSession from "../src/ReservedSession.js"

const ana = Ids.userId("ana")

describe("ReservedSession", () => {
  it("names the owner of a reserved id, and only the owner may hold it", () => {
    const id = ReservedSession.make("profile", ana)
    expect(id).toBe("profile:ana")
    expect(ReservedSession.parse(id)).toEqual(Option.some({ kind: "profile", owner: ana }))
    expect(ReservedSession.mayHold(id, "ana")).toBe(true)
    expect(ReservedSession.mayHold(id, "mallory")).toBe(false)
    expect(ReservedSession.violation({ sessionId: id, userId: "mallory" })).toEqual(
      Option.some(`session "profile:ana" is reserved for the internal records of user "ana" and cannot be stored for user "mallory"`)
    )
    expect(ReservedSession.violation({ sessionId: id, userId: "ana" })).toEqual(Option.none())
  })

  it("leaves ordinary ids to anyone, colons included", () => {
    for (const id of ["trip-1", "trip:1", "profile", "profile:", ":ana", "profiles:ana"]) {
      expect(ReservedSession.isReserved(id)).toBe(false)
      expect(ReservedSession.mayHold(id, "mallory")).toBe(true)
    }
  })

  it("keeps the rest of the id as the owner, colons and all", () => {
    expect(ReservedSession.parse("profile:team:ana")).toEqual(Option.some({ kind: "profile", owner: Ids.userId("team:ana") }))
  })
})
