import type { BatonEvent } from "@baton/core"

/** A finished run of the `booking` workflow, with `status` and `compensated` steps undone. */
export const workflowCompleted = (
  status: "completed" | "partial" | "failed",
  compensated = 0
): BatonEvent.BatonEvent => ({
  _tag: "WorkflowCompleted",
  at: 0,
  workflow: "booking",
  runId: "r",
  status,
  completed: 1,
  failed: status === "failed" ? 1 : 0,
  skipped: 0,
  compensated,
  durationMs: 5
})
