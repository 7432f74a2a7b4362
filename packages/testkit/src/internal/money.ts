/** Currencies the mocks price in, with fixed rates so prices are reproducible. */
import * as z from "zod"

const perUsd = { USD: 1, EUR: 0.92, GBP: 0.79, JPY: 151, CAD: 1.36, AUD: 1.52, CHF: 0.9, SGD: 1.35 } as const

export type Currency = keyof typeof perUsd

export const currencies = Object.keys(perUsd) as [Currency, ...Array<Currency>]

export const currency = z.enum(currencies).describe("ISO 4217 currency code")

export const money = z.object({ amount: z.number(), currency: z.string() })

export type Money = z.infer<typeof money>

/** `usd` US dollars in `to`, rounded to the currency's minor unit. */
export const convert = (usd: number, to: Currency): Money => {
  const digits = to === "JPY" ? 0 : 2
  const factor = 10 ** digits
  return { amount: Math.round(usd * perUsd[to] * factor) / factor, currency: to }
}

export const times = (price: Money, n: number): Money => {
  const factor = price.currency === "JPY" ? 1 : 100
  return { amount: Math.round(price.amount * n * factor) / factor, currency: price.currency }
}
