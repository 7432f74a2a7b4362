/**
 * The payments mock: charges a tokenised card and refunds, Stripe-like. It
 * refuses anything that looks like a raw card number (13 to 19 digits, with
 * or without spaces or dashes) in any text argument, so a test can prove that an
 * agent never sends one. Test tokens: `tok_visa`, `tok_mastercard`,
 * `tok_amex`; a token containing `declined` or `insufficient_funds` is
 * declined.
 */
import { Sensitive } from "@baton/core"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod"
import type { MockService, MockServiceContext } from "../MockService.js"
import * as Prng from "../Prng.js"
import { idempotencyKey, timestamp } from "../internal/fields.js"
import * as Idempotency from "../internal/idempotency.js"
import { currency, money } from "../internal/money.js"
import { failure, ok } from "../internal/toolResult.js"

const payment = z.object({
  id: z.string(),
  status: z.enum(["succeeded", "declined"]),
  amount: money,
  card: z.object({ brand: z.string(), last4: z.string() }),
  description: z.string().optional(),
  decline_reason: z.string().optional(),
  refunded: z.number(),
  created_at: z.string()
})
const refund = z.object({
  id: z.string(),
  payment_id: z.string(),
  amount: money,
  reason: z.string().optional(),
  status: z.literal("succeeded"),
  created_at: z.string()
})

/** @since 0.1.0 @category models */
export type Payment = z.infer<typeof payment>
/** @since 0.1.0 @category models */
export type Refund = z.infer<typeof refund>

/** @since 0.1.0 @category models */
export interface PaymentsState {
  readonly payments: ReadonlyArray<Payment>
  readonly refunds: ReadonlyArray<Refund>
}

const rawCardNumber = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/

/**
 * The name of the first string argument that holds what looks like a card
 * number: any card-length run of ASCII digits (a provider refuses those even
 * when their check digit is wrong), or whatever core's `Sensitive` would mask
 * (other separators and scripts' digits). Callers leave out the idempotency
 * key: it is opaque, and a UUID's digit groups can look like one.
 */
const findCardNumber = (args: Record<string, unknown>): string | undefined =>
  Object.entries(args).find(([, value]) =>
    typeof value === "string" && (rawCardNumber.test(value) || Sensitive.maskText(value) !== value)
  )?.[0]

const tokenise = (field: string) =>
  failure(
    `Refused: "${field}" looks like a raw card number. Never send card numbers; tokenise the card with the ` +
      `payment provider first and pass the token (e.g. "tok_visa") as card_token.`
  )

const brands = ["visa", "mastercard", "amex"] as const
const cents = (amount: number) => Math.round(amount * 100)

const make = ({ seed, now }: MockServiceContext) => {
  const payments: Array<Payment> = []
  const refunds: Array<Refund> = []
  const idempotency = Idempotency.make()

  const register = (server: McpServer) => {
    server.registerTool("process", {
      title: "Charge a card",
      description: "Charge a tokenised card. Pass a card token (tok_...), never a card number. Retrying with the " +
        "same idempotency_key returns the same payment and never charges twice.",
      inputSchema: {
        amount: z.number().positive().describe("In the currency's major unit, e.g. 12.50"),
        currency,
        card_token: z.string().min(1),
        description: z.string().max(500).optional(),
        idempotency_key: idempotencyKey
      },
      outputSchema: { payment },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    }, ({ idempotency_key, ...args }) => {
      const leaked = findCardNumber(args)
      if (leaked !== undefined) return tokenise(leaked)
      if (!args.card_token.startsWith("tok_")) {
        return failure(`card_token must be a payment token such as "tok_visa", got "${args.card_token.slice(0, 12)}".`)
      }
      return idempotency.once(idempotency_key, args, () => {
        const token = args.card_token
        const brand = brands.find((b) => token.includes(b)) ?? "visa"
        const declined = token.includes("insufficient_funds")
          ? "insufficient_funds"
          : token.includes("declined")
          ? "card_declined"
          : undefined
        const number = payments.length + 1
        const charged: Payment = {
          id: `pay_${String(number).padStart(5, "0")}`,
          status: declined === undefined ? "succeeded" : "declined",
          amount: { amount: args.amount, currency: args.currency },
          card: { brand, last4: String(Prng.derive(seed, "card", token).int(0, 9999)).padStart(4, "0") },
          ...(args.description !== undefined && { description: args.description }),
          ...(declined !== undefined && { decline_reason: declined }),
          refunded: 0,
          created_at: timestamp(now())
        }
        payments.push(charged)
        return ok({ payment: charged })
      })
    })

    server.registerTool("refund", {
      title: "Refund a payment",
      description: "Refund all or part of a succeeded payment. Retrying with the same idempotency_key never " +
        "refunds twice.",
      inputSchema: {
        payment_id: z.string(),
        amount: z.number().positive().optional().describe("Defaults to what is left to refund"),
        reason: z.string().max(500).optional(),
        idempotency_key: idempotencyKey.optional()
      },
      outputSchema: { refund, payment },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
    }, ({ idempotency_key, ...args }) => {
      const leaked = findCardNumber(args)
      if (leaked !== undefined) return tokenise(leaked)
      const run = () => {
        const index = payments.findIndex((p) => p.id === args.payment_id)
        const paid = payments[index]
        if (paid === undefined) return failure(`Unknown payment "${args.payment_id}".`)
        if (paid.status !== "succeeded") return failure(`Payment "${paid.id}" was declined; there is nothing to refund.`)
        const left = (cents(paid.amount.amount) - cents(paid.refunded)) / 100
        const amount = args.amount ?? left
        if (amount <= 0 || cents(amount) > cents(left)) {
          return failure(`Cannot refund ${amount} ${paid.amount.currency}: ${left} is left to refund on "${paid.id}".`)
        }
        const updated: Payment = { ...paid, refunded: (cents(paid.refunded) + cents(amount)) / 100 }
        payments[index] = updated
        const made: Refund = {
          id: `re_${String(refunds.length + 1).padStart(5, "0")}`,
          payment_id: paid.id,
          amount: { amount, currency: paid.amount.currency },
          ...(args.reason !== undefined && { reason: args.reason }),
          status: "succeeded",
          created_at: timestamp(now())
        }
        refunds.push(made)
        return ok({ refund: made, payment: updated })
      }
      return idempotency_key === undefined ? run() : idempotency.once(idempotency_key, args, run)
    })
  }

  return { register, state: (): PaymentsState => ({ payments: [...payments], refunds: [...refunds] }) }
}

/**
 * Payments: `process`, `refund`.
 *
 * @since 0.1.0 @category services
 */
export const payments: MockService<PaymentsState> = {
  name: "payments",
  version: "1.0.0",
  description: "Card payments with tokens, and refunds",
  make
}
