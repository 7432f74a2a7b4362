/**
 * A turn's class and what Baton's policies did, read from the events it
 * published and how it ended.
 */
import type { Conversation, Degradation } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as TurnOutcome from "../../src/load/TurnOutcome.js"
import { workflowCompleted } from "./events.js"

const served = (degradations: ReadonlyArray<Degradation.Note> = []) =>
  Exit.succeed({ degradations } as unknown as Conversation.TurnResult)


describe("TurnOutcome", () => {
  it("counts retries, fallbacks and the workflows a turn ran", () => {
    const observed = TurnOutcome.make()
    TurnOutcome.observe(observed, { _tag: "RetryAttempted", at: 0, service: "flights", attempt: 1, delayMs: 100, error: "x" })
    TurnOutcome.observe(observed, { _tag: "RetryAttempted", at: 0, service: "flights", attempt: 2, delayMs: 200, error: "x" })
    TurnOutcome.observe(observed, { _tag: "FallbackUsed", at: 0, service: "weather", error: "down" })
    TurnOutcome.observe(observed, workflowCompleted("completed"))
    TurnOutcome.observe(observed, workflowCompleted("failed", 2))
    expect(observed).toMatchObject({
      retries: 2,
      fallbacks: 1,
      workflows: [{ name: "booking", kind: "completed" }, { name: "booking", kind: "compensated" }]
    })
    // A failed workflow outranks a fallback.
    expect(TurnOutcome.outcomeOf(served(), observed)).toBe("workflow-failed")
  })

  it("classes a served turn that went without a part a service failed to give as partial", () => {
    const omitted: Degradation.Note = { kind: "omitted", service: "weather", tool: "forecast", servedBy: "", reason: "down", at: 0 }
    expect(TurnOutcome.outcomeOf(served([omitted]), TurnOutcome.make())).toBe("partial")
    expect(TurnOutcome.outcomeOf(served(), TurnOutcome.make())).toBe("ok")
  })

  it("classes a failed turn by why it failed", () => {
    expect(TurnOutcome.outcomeOf(Exit.fail(new Cause.TimeoutException("slow")), TurnOutcome.make())).toBe("timeout")
    expect(TurnOutcome.outcomeOf(Exit.fail(new Error("the circuit breaker is open")), TurnOutcome.make())).toBe("breaker-rejected")
    expect(TurnOutcome.outcomeOf(Exit.fail(new Error("boom")), TurnOutcome.make())).toBe("error")
  })
})
