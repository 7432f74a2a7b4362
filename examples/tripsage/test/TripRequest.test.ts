import { describe, expect, it } from "@effect/vitest"
import * as TripRequest from "../src/TripRequest.js"
import { anaFlight, historicSuites, lisbonTrip, travellers } from "./fixtures.js"

describe("TripRequest.read", () => {
  it("reads origin, destination, dates, party size and budget from one message", () => {
    expect(
      TripRequest.read("Hi! A trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17, with a budget of £2,500.")
    ).toEqual({
      origin: { code: "LHR", name: "London" },
      destination: { code: "LIS", name: "Lisbon" },
      departDate: "2026-12-10",
      returnDate: "2026-12-17",
      travellers: 2,
      budget: 2500
    })
  })

  it("reads airport codes in capitals, but not the same letters inside a word", () => {
    expect(TripRequest.read("LHR-FCO please")).toMatchObject({ origin: { code: "LHR" }, destination: { code: "FCO" } })
    expect(TripRequest.read("a list of things")).toEqual({})
  })

  it("takes a lone city as the destination and 'from X' as the origin", () => {
    expect(TripRequest.read("What's the weather in Tokyo?")).toEqual({ destination: { code: "NRT", name: "Tokyo" } })
    expect(TripRequest.read("We fly from Paris")).toEqual({ origin: { code: "CDG", name: "Paris" } })
  })

  it("reads nights, number words and budgets in thousands", () => {
    expect(TripRequest.read("two adults for 7 nights, budget 3k")).toEqual({ travellers: 2, nights: 7, budget: 3000 })
  })

  it("ignores impossible dates", () => {
    expect(TripRequest.read("leaving 2026-02-30")).toEqual({})
  })

  it("reads the travellers' full names, but not a list that is not names", () => {
    expect(TripRequest.read("Great, please book everything. The travellers are Ana Sousa and Ben Carter.")).toEqual({
      travellerNames: travellers
    })
    expect(TripRequest.read("Passengers: Mary Ann O'Neil, Ben Carter").travellerNames).toEqual([
      { givenName: "Mary Ann", familyName: "O'Neil" },
      { givenName: "Ben", familyName: "Carter" }
    ])
    expect(TripRequest.read("The travellers are ready")).toEqual({})
    expect(TripRequest.read("The travellers are Ana and Ben")).toEqual({})
  })
})

describe("TripRequest.choice", () => {
  it("reads numbered and ordinal picks, not bare numbers", () => {
    expect(TripRequest.choice("Option 2, please.")).toBe(2)
    expect(TripRequest.choice("#3")).toBe(3)
    expect(TripRequest.choice("The first one looks perfect.")).toBe(1)
    expect(TripRequest.choice("2 travellers")).toBeUndefined()
  })
})

describe("TripRequest.topics", () => {
  it("tells a budget question from a message that only states a budget", () => {
    expect(TripRequest.topics("Can we afford this?").budget).toBe(true)
    expect(TripRequest.topics("with a budget of £2,500").budget).toBe(false)
    expect(TripRequest.topics("please book everything")).toMatchObject({ booking: true, flights: false, stay: false })
  })
})

describe("TripRequest.applyTo", () => {
  const chosen = { ...lisbonTrip, selectedFlight: anaFlight, selectedHotel: historicSuites }

  it("drops flights and stays found for the old trip when the trip changes", () => {
    const next = TripRequest.applyTo(chosen, TripRequest.read("Actually, let's go to Rome"))
    expect(next.destination).toEqual({ code: "FCO", name: "Rome" })
    expect(next.selectedFlight).toBeUndefined()
    expect(next.selectedHotel).toBeUndefined()
  })

  it("derives the return date from a number of nights", () => {
    expect(TripRequest.applyTo({ travellers: 1 }, TripRequest.read("2026-12-10 for 5 nights")).returnDate).toBe("2026-12-15")
  })

  it("keeps the choices when nothing about the trip changes", () => {
    expect(TripRequest.applyTo(chosen, TripRequest.read("Sounds lovely"))).toEqual(chosen)
    expect(TripRequest.applyTo(chosen, TripRequest.read("The travellers are Ana Sousa and Ben Carter"))).toEqual({
      ...chosen,
      travellerNames: travellers
    })
  })
})
