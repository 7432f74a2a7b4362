import { describe, expect, it } from "@effect/vitest"
import * as Slash from "../../src/chat/Slash.js"

describe("Slash.parse", () => {
  it("reads messages and every command", () => {
    expect(Slash.parse("  Find flights, please ")).toEqual({ _tag: "Message", text: "Find flights, please" })
    expect(Slash.parse("   ")).toEqual({ _tag: "Empty" })
    expect(Slash.parse("/help")).toEqual({ _tag: "Help" })
    expect(Slash.parse("/AGENTS")).toEqual({ _tag: "Agents" })
    expect(Slash.parse("/sessions")).toEqual({ _tag: "Sessions" })
    expect(Slash.parse("/restore trip-2")).toEqual({ _tag: "Restore", sessionId: "trip-2" })
    expect(Slash.parse("/snapshot")).toEqual({ _tag: "Snapshot", label: "chat" })
    expect(Slash.parse("/snapshot before-booking")).toEqual({ _tag: "Snapshot", label: "before-booking" })
    expect(Slash.parse("/faults weather error:rpc(-32050)@1")).toEqual({
      _tag: "Faults",
      service: "weather",
      spec: "error:rpc(-32050)@1"
    })
    expect(Slash.parse("/faults weather OFF")).toEqual({ _tag: "Faults", service: "weather", spec: "off" })
    expect(Slash.parse("/faults")).toEqual({ _tag: "ListFaults" })
    expect(Slash.parse("/quit")).toEqual({ _tag: "Quit" })
    expect(Slash.parse("/exit")).toEqual({ _tag: "Quit" })
  })

  it("says what was expected for unknown commands and wrong arguments", () => {
    expect(Slash.parse("/teleport Lisbon")).toEqual({ _tag: "Invalid", reason: "unknown command /teleport; /help lists the commands" })
    expect(Slash.parse("/restore")).toEqual({ _tag: "Invalid", reason: "usage: /restore <session id> (see /sessions)" })
    expect(Slash.parse("/restore a b")).toEqual({ _tag: "Invalid", reason: "usage: /restore <session id> (see /sessions)" })
    expect(Slash.parse("/snapshot two words")).toEqual({ _tag: "Invalid", reason: "usage: /snapshot [label] — one word" })
    expect(Slash.parse("/faults weather")).toEqual({
      _tag: "Invalid",
      reason: "usage: /faults <service> <spec>, or /faults <service> off"
    })
    expect(Slash.parse("/agents all")).toEqual({ _tag: "Invalid", reason: "/agents takes no arguments (usage: /agents)" })
    expect(Slash.parse("/quit now")).toEqual({ _tag: "Invalid", reason: "/quit takes no arguments (usage: /quit)" })
  })

  it("lists every command it parses in the help", () => {
    const listed = Slash.commands.map(([usage]) => usage.split(" ")[0])
    for (const name of ["/agents", "/sessions", "/restore", "/snapshot", "/faults", "/help", "/quit"]) {
      expect(listed).toContain(name)
      const parsed = Slash.parse(name)
      expect(parsed._tag === "Invalid" && parsed.reason.startsWith("unknown")).toBe(false)
    }
  })
})
