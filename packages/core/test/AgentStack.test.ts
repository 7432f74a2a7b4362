import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as AgentStack from "../src/AgentStack.js"
import type { HandoffMode } from "../src/HandoffRequest.js"
import * as Ids from "../src/Ids.js"
import { booking, flights, hotels, triage } from "./fixtures.js"

describe("AgentStack.apply", () => {
  it("transfer hands the active role over and leaves the stack alone", () => {
    expect(AgentStack.apply({ active: flights, stack: [triage] }, "transfer", hotels)).toEqual({
      active: hotels,
      stack: [triage]
    })
  })

  it("transfer to an agent waiting on the stack is refused as a loop", () => {
    const refused = AgentStack.apply({ active: flights, stack: [triage] }, "transfer", triage)
    expect(refused).toBeTypeOf("string")
    expect(refused).toContain("triage is waiting on the agent stack")
  })

  it("delegate pushes the caller and activates the target", () => {
    expect(AgentStack.apply({ active: flights, stack: [triage] }, "delegate", hotels)).toEqual({
      active: hotels,
      stack: [triage, flights]
    })
  })

  it("delegate to an agent already on the stack, or to itself, is refused", () => {
    expect(AgentStack.apply({ active: flights, stack: [triage] }, "delegate", triage)).toContain(
      "triage is already on the agent stack"
    )
    expect(AgentStack.apply({ active: flights, stack: [] }, "delegate", flights)).toContain(
      "flights is already on the agent stack"
    )
  })

  it("return pops the caller on top of the stack", () => {
    expect(AgentStack.apply({ active: hotels, stack: [triage, flights] }, "return", flights)).toEqual({
      active: flights,
      stack: [triage]
    })
  })

  it("return with an empty stack, or to an agent that is not the top caller, is refused", () => {
    expect(AgentStack.apply({ active: hotels, stack: [] }, "return", triage)).toBe(
      "there is no caller to return to: the agent stack is empty"
    )
    expect(AgentStack.apply({ active: hotels, stack: [triage, flights] }, "return", triage)).toBe(
      "the caller on top of the stack is flights, not triage"
    )
  })

  it("delegate then return restores the caller and the stack", () => {
    const start = { active: flights, stack: [triage] }
    const delegated = AgentStack.apply(start, "delegate", booking)
    if (typeof delegated === "string") throw new Error(delegated)
    expect(AgentStack.apply(delegated, "return", flights)).toEqual(start)
  })
})

describe("AgentStack.isConsistent", () => {
  it("holds for distinct waiting callers that do not include the active agent", () => {
    expect(AgentStack.isConsistent({ active: hotels, stack: [triage, flights] })).toBe(true)
    expect(AgentStack.isConsistent({ active: hotels, stack: [] })).toBe(true)
  })

  it("fails when the active agent is on the stack", () => {
    expect(AgentStack.isConsistent({ active: triage, stack: [triage, flights] })).toBe(false)
  })

  it("fails when an agent is on the stack twice", () => {
    expect(AgentStack.isConsistent({ active: hotels, stack: [triage, flights, triage] })).toBe(false)
  })
})

describe("AgentStack properties", () => {
  const agents = ["a", "b", "c", "d", "e"].map(Ids.agentId)
  const step = fc.record({
    mode: fc.constantFrom<HandoffMode>("transfer", "delegate", "return"),
    to: fc.constantFrom(...agents)
  })

  it("every applied handoff keeps a consistent position, and every delegation is undone by its return", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let position: AgentStack.Position = { active: agents[0]!, stack: [] }
        for (const { mode, to } of steps) {
          const next = AgentStack.apply(position, mode, to)
          if (typeof next === "string") continue
          expect(AgentStack.isConsistent(next)).toBe(true)
          if (mode === "delegate") {
            expect(AgentStack.apply(next, "return", position.active)).toEqual(position)
          }
          position = next
        }
      }),
      { numRuns: 1000 }
    )
  })
})
