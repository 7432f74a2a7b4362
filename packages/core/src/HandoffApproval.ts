/**
 * Approval policies for handoffs, chosen per edge (`"from->to"`). Every
 * decision is audited with the policy that made it.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { HandoffContext } from "./HandoffContext.js"

/** @since 0.1.0 @category models */
export type Decision =
  | { readonly _tag: "Approved"; readonly by: string }
  | { readonly _tag: "Denied"; readonly by: string; readonly reason: string }

/** @since 0.1.0 @category models */
export interface Policy<R = never> {
  readonly decide: (context: HandoffContext) => Effect.Effect<Decision, never, R>
}

/** @since 0.1.0 @category constructors */
export const automatic: Policy = { decide: () => Effect.succeed({ _tag: "Approved", by: "automatic" }) }

/**
 * A synchronous rule: `true` approves, a string denies with that reason.
 *
 * @since 0.1.0 @category constructors
 */
export const rule = (name: string, check: (context: HandoffContext) => true | string): Policy => ({
  decide: (context) =>
    Effect.sync(() => {
      const verdict = check(context)
      return verdict === true ? { _tag: "Approved", by: `rule:${name}` } : {
        _tag: "Denied",
        by: `rule:${name}`,
        reason: verdict
      }
    })
})

/**
 * An asynchronous approver, a person or another system. No answer within
 * `timeout` is a rejection.
 *
 * @since 0.1.0 @category constructors
 */
export const approver = <R>(
  name: string,
  ask: (context: HandoffContext) => Effect.Effect<boolean | string, never, R>,
  timeout: Duration.DurationInput
): Policy<R> => ({
  decide: (context) =>
    ask(context).pipe(
      Effect.map((answer): Decision =>
        answer === true
          ? { _tag: "Approved", by: `approver:${name}` }
          : { _tag: "Denied", by: `approver:${name}`, reason: answer === false ? "the approver declined" : answer }
      ),
      Effect.timeoutTo({
        duration: timeout,
        onSuccess: (decision) => decision,
        onTimeout: (): Decision => ({
          _tag: "Denied",
          by: `approver:${name}`,
          reason: `no approval within ${Duration.format(Duration.decode(timeout))}`
        })
      })
    )
})

/** @since 0.1.0 @category accessors */
export const edge = (from: string, to: string): string => `${from}->${to}`
