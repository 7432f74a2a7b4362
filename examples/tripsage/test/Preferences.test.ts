import { Ids } from "@baton/core"
import { describe, expect, it } from "@effect/vitest"
import { PreferenceProfile } from "@baton/session"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Triage from "../src/agents/Triage.js"
import * as Preferences from "../src/Preferences.js"
import * as Profile from "../src/Profile.js"
import { anaFlight, historicSuites, inputFor, lisbonTrip, services, stateOf } from "./fixtures.js"

const traveller = Ids.userId("traveller")

const learned = (...stated: ReadonlyArray<readonly [string, PreferenceProfile.Value, PreferenceProfile.Source]>) =>
  stated.reduce(
    (profile, [key, value, source]) => PreferenceProfile.observe(profile, { key, value, source, sessionId: "earlier", at: 0 }),
    PreferenceProfile.empty(traveller)
  )

describe("Preferences", () => {
  it("reads stated preferences, only where the sentence says they are preferences", () => {
    expect(Preferences.read("For next time: I prefer aisle seats in economy and 4-star hotels in the Old Town, and I'm vegetarian.")).toEqual([
      ["dietary", "vegetarian"],
      ["seat", "aisle"],
      ["cabin", "economy"],
      ["hotelClass", 4],
      ["neighbourhood", "Old Town"]
    ])
    expect(Preferences.read("We usually fly business class and like somewhere near the centre.")).toEqual([
      ["cabin", "business"],
      ["neighbourhood", "City Centre"]
    ])
    // Requests and picks are not habits.
    expect(Preferences.read("Find us business class flights and a 5-star hotel.")).toEqual([])
    expect(Preferences.read("I'd like the first one.")).toEqual([])
    expect(Preferences.read("We're both vegan.")).toEqual([["dietary", "vegan"]])
  })

  it("learns from choices and from answers actually given", () => {
    const chose = { ...lisbonTrip, selectedFlight: anaFlight, selectedHotel: historicSuites }
    expect(Preferences.fromChoices(lisbonTrip, chose)).toEqual([["airline", "ANA"], ["neighbourhood", "Harbour"], ["hotelClass", 5]])
    expect(Preferences.fromChoices(chose, chose)).toEqual([])
    expect(Preferences.actionsOf(lisbonTrip, chose)).toEqual(["flights", "hotels"])
    expect(Preferences.answersIn("From London to Lisbon for 2 travellers")).toEqual([["origin", "LHR"], ["travellers", 2]])
    expect(Preferences.answersIn("Option 2, please.")).toEqual([])
  })

  it("takes a stay's class from its stars, never from its guests' rating", () => {
    const guesthouse = { ...historicSuites, id: "lst_guesthouse", kind: "guesthouse", rating: 4.9, stars: 2 }
    const { stars: _, ...unclassed } = { ...historicSuites, id: "lst_apartment", kind: "apartment", rating: 4.9 }
    expect(Preferences.fromChoices(lisbonTrip, { ...lisbonTrip, selectedHotel: unclassed })).toEqual([["neighbourhood", "Harbour"]])
    const ranked = PreferenceProfile.rank([guesthouse, unclassed, historicSuites], learned(["hotelClass", 4, "stated"]), Preferences.stayCriteria, 0)
    expect(ranked.map(({ item, matched }) => [item.id, matched])).toEqual([
      [historicSuites.id, ["hotelClass"]],
      ["lst_guesthouse", []],
      ["lst_apartment", []]
    ])
  })

  it("prefills the answers the profile holds and says which", () => {
    const profile = learned(["origin", "LHR", "stated"], ["travellers", 2, "stated"], ["seat", "aisle", "stated"])
    const trip = { travellers: 1, destination: { code: "BCN", name: "Barcelona" } }
    expect(Preferences.prefill(trip, profile, 0, { origin: false, travellers: false })).toEqual({
      state: { ...trip, origin: { code: "LHR", name: "London" }, travellers: 2 },
      filled: ["leaving from London", "2 travellers"]
    })
    // What the message says wins over what the profile remembers.
    expect(Preferences.prefill(trip, profile, 0, { origin: true, travellers: true }).filled).toEqual([])
    // A choice alone is not enough to skip a question.
    expect(Preferences.prefill(trip, learned(["origin", "LHR", "chosen"]), 0, { origin: false, travellers: false }).filled).toEqual([])
    expect(Preferences.cabinOf(learned(["cabin", "business", "stated"]), 0)).toBe("business")
    expect(Preferences.cabinOf(PreferenceProfile.empty(traveller), 0)).toBe("economy")
  })

  it("teaches a turn's statements, answers and choices, each with its source", () => {
    const chose = { ...lisbonTrip, selectedFlight: anaFlight }
    const taught = Profile.lessons("Option 2, please. I prefer window seats.", lisbonTrip, chose, "s1", 7)
    expect(taught.observations.map((o) => [o.key, o.value, o.source])).toEqual([
      ["seat", "window", "stated"],
      ["airline", "ANA", "chosen"]
    ])
    expect(taught.actions).toEqual([{ action: "flights", sessionId: "s1", at: 7 }])
  })
})

describe("Triage with a traveller's profile", () => {
  // Triage calls no tool, but its requirements name the gateway: the in-process services stand in.
  const withProfile = (profile: PreferenceProfile.Profile) => Layer.merge(Profile.layerFixed(() => profile), services)

  it.effect("welcomes a returning traveller back without asking again what it knows", () =>
    Effect.gen(function*() {
      const profile = learned(["origin", "LHR", "stated"], ["travellers", 2, "stated"], ["dietary", "vegetarian", "stated"])
      const outcome = yield* Triage.agent.handle(inputFor("We're off to Rome, 2027-04-01 to 2027-04-05.", { travellers: 1 })).pipe(
        Effect.provide(withProfile(profile))
      )
      expect(outcome._tag).toBe("Reply")
      expect(outcome._tag === "Reply" && outcome.text).toBe(
        "Welcome back to TripSage! I've noted: London → Rome, 1 Apr 2027 to 5 Apr 2027, 2 travellers. " +
          "From your earlier trips I know: leaving from London, 2 travellers, so I won't ask again. " +
          "I'll keep in mind your preferences: vegetarian meals. Shall I find flights, or tell you about Rome first?"
      )
      expect(stateOf(outcome)).toMatchObject({ origin: { code: "LHR" }, destination: { code: "FCO" }, travellers: 2 })
    }))

  it.effect("acknowledges preferences stated on their own", () =>
    Effect.gen(function*() {
      const outcome = yield* Triage.agent.handle(inputFor("I always prefer window seats.", lisbonTrip)).pipe(
        Effect.provide(withProfile(PreferenceProfile.empty(traveller)))
      )
      expect(outcome).toMatchObject({ _tag: "Reply", text: "Noted for your next trips: window seats. I'll remember." })
    }))
})
