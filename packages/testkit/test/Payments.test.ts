import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as MockServer from "../src/MockServer.js"
import * as MockServices from "../src/MockServices.js"
import { call, connect, data, errorText } from "./support.js"

const charge = { amount: 250, currency: "USD", card_token: "tok_visa", idempotency_key: "order-1234" }

const setup = Effect.gen(function*() {
  const mock = yield* MockServer.make(MockServices.payments, { seed: 5 })
  const client = yield* connect(yield* mock.connect)
  return { mock, client }
})

describe("payments mock", () => {
  it.scoped.each([
    "4242424242424242",
    "4242 4242 4242 4242",
    "4242-4242-4242-4242",
    "4222222222222",
    "6011 0009 9013 9424 123",
    "4242.4242.4242.4242",
    "４２４２ ４２４２ ４２４２ ４２４２",
    "4242/4242/4242/4242"
  ])("refuses the raw card number %j and charges nothing", (card) =>
    Effect.gen(function*() {
      const { client, mock } = yield* setup
      const text = errorText(yield* call(client, "process", { ...charge, card_token: card }))
      expect(text).toContain("looks like a raw card number")
      expect(text).toContain("tokenise")
      const hidden = yield* call(client, "process", { ...charge, description: `card ${card}` })
      expect(errorText(hidden)).toContain(`"description" looks like a raw card number`)
      expect((yield* mock.state).payments).toEqual([])
    }))

  it.scoped("accepts digits that are not card-number long, and only tokens as card_token", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      expect(data(yield* call(client, "process", { ...charge, description: "Booking 2026-06-01 ref 123456" })).payment.status)
        .toBe("succeeded")
      expect(errorText(yield* call(client, "process", { ...charge, card_token: "visa-card", idempotency_key: "order-5678" })))
        .toContain("must be a payment token")
    }))

  it.scoped("charges once per idempotency key and declines test tokens that decline", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* setup
      const first = data(yield* call(client, "process", charge)).payment
      expect(data(yield* call(client, "process", charge)).payment).toEqual(first)
      expect(first).toMatchObject({ status: "succeeded", amount: { amount: 250, currency: "USD" }, card: { brand: "visa" } })
      const declined = data(
        yield* call(client, "process", { ...charge, card_token: "tok_chargeDeclined_declined", idempotency_key: "order-9999" })
      ).payment
      expect(declined).toMatchObject({ status: "declined", decline_reason: "card_declined" })
      expect((yield* mock.state).payments).toHaveLength(2)
    }))

  it.scoped("refunds up to what was paid", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* setup
      const paid = data(yield* call(client, "process", charge)).payment
      const partial = data(yield* call(client, "refund", { payment_id: paid.id, amount: 100, idempotency_key: "refund-0001" }))
      expect(partial.payment.refunded).toBe(100)
      expect(data(yield* call(client, "refund", { payment_id: paid.id, amount: 100, idempotency_key: "refund-0001" })).refund)
        .toEqual(partial.refund)
      expect(errorText(yield* call(client, "refund", { payment_id: paid.id, amount: 200 }))).toContain("150 is left")
      const rest = data(yield* call(client, "refund", { payment_id: paid.id }))
      expect(rest.refund.amount.amount).toBe(150)
      expect((yield* mock.state).refunds).toHaveLength(2)
    }))
})
