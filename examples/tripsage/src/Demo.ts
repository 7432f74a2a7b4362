/**
 * The demo `baton demo` plays: a trip from London to Lisbon researched,
 * flown, housed and booked in six turns, then the traveller's preferences
 * stated for next time; and a second session of the same traveller (a new
 * session id) planning Barcelona, which uses what the first one taught the
 * traveller's profile: it does not ask again where they leave from or how
 * many travel, ranks the airline they chose first and the stays by the class
 * they like (and says when none is in the area they prefer), notes their
 * seat and diet, and suggests things to do after the hotel.
 *
 * Flights are searched with places to stay, the forecast and things to do
 * in parallel (the `trip-search` workflow); on the third turn the weather service is made to fail (a fault
 * injected into its mock for that turn only), so the search comes back
 * partial and the reply says, in plain words, what is missing. Booking is
 * the `booking` saga. Booking delegates the budget check
 * to Budget, which returns to Booking: a nested handoff. Each turn says what
 * it expects — the answering agent, the handoffs, and words from what the
 * mock services answer with seed `Services.seed` — so the demo checks itself.
 *
 * @since 0.1.0
 */
import { Scenario } from "@baton/core"
import * as Cities from "./Cities.js"

// The first session's destination, dates and budget, which each of a load's
// travellers replaces with its own.
const DEMO_TRIP = "to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17, with a budget of £2,500"

/** @since 0.1.0 @category scenarios */
export const demo: Scenario.Scenario = {
  name: "A week in Lisbon: destination → flights → hotel → booking",
  userId: "demo-traveller",
  sessionId: "tripsage-demo",
  turns: [
    {
      text: `Hi! I'm planning a trip from London ${DEMO_TRIP}.`,
      expect: {
        agent: "destination",
        handoffs: ["triage->destination"],
        replyContains: ["Lisbon (LIS)", "°C", "Day hike near Lisbon"]
      }
    },
    {
      text: "Sounds lovely. Please find us flights.",
      expect: {
        agent: "flights",
        handoffs: ["destination->flights"],
        replyContains: [
          "London (LHR) → Lisbon (LIS)",
          "2) ANA NH90",
          "Places to stay: ",
          "Weather, 10 Dec 2026 to 17 Dec 2026",
          "Top thing to do",
          "option 2"
        ]
      }
    },
    {
      text: "Could you check the flights once more before I choose?",
      faults: { weather: "error:rpc(-32050)@1", "weather-backup": "error:rpc(-32050)@1" },
      expect: {
        agent: "flights",
        handoffs: [],
        replyContains: [
          "2) ANA NH90",
          "Places to stay: ",
          "Weather is unavailable right now; flights and hotels are shown without the forecast."
        ]
      }
    },
    {
      text: "Option 2, please.",
      expect: {
        agent: "accommodations",
        handoffs: ["flights->accommodations"],
        replyContains: ["Places to stay in Lisbon", "7 nights", "Historic Lisbon Suites"]
      }
    },
    {
      text: "The first one looks perfect.",
      expect: { agent: "accommodations", handoffs: [], replyContains: ["Historic Lisbon Suites", "book"] }
    },
    {
      text: "Great, please book everything. The travellers are Ana Sousa and Ben Carter.",
      expect: {
        agent: "booking",
        handoffs: ["accommodations->booking", "booking->budget", "budget->booking"],
        replyContains: ["Booked!", "ANA NH90", "rsv_", "Historic Lisbon Suites", "stay_", "£1,952.70 charged", "pay_"]
      }
    },
    {
      text: "Thank you! For next time: I prefer aisle seats in economy and 4-star hotels in the Old Town, and I'm vegetarian.",
      expect: {
        agent: "triage",
        handoffs: ["booking->triage"],
        replyContains: ["Noted for your next trips", "aisle seats", "economy", "4★+ stays", "stays in the Old Town", "vegetarian meals"]
      }
    },
    {
      sessionId: "tripsage-demo-2",
      text: "Hello again! This time we're off to Barcelona, 2027-03-05 to 2027-03-08.",
      expect: {
        agent: "triage",
        handoffs: [],
        replyContains: [
          "Welcome back",
          "London → Barcelona",
          "From your earlier trips I know: leaving from London, 2 travellers, so I won't ask again",
          "aisle seats",
          "flying ANA"
        ]
      }
    },
    {
      sessionId: "tripsage-demo-2",
      text: "Yes, find us flights please.",
      expect: {
        agent: "flights",
        handoffs: ["triage->flights"],
        replyContains: ["London (LHR) → Barcelona (BCN)", "for 2:", "1) ANA", "Ranked by your preferences: flying ANA first", "I'll request aisle seats, vegetarian meals"]
      }
    },
    {
      sessionId: "tripsage-demo-2",
      text: "Option 1, please.",
      expect: {
        agent: "accommodations",
        handoffs: ["flights->accommodations"],
        replyContains: [
          "Places to stay in Barcelona",
          "1) Bright Barcelona Palace Hotel, 4★ hotel",
          "Ranked by your preferences: 4★+ stays, stays in the Old Town first"
        ]
      }
    },
    {
      sessionId: "tripsage-demo-2",
      text: "The first one looks perfect.",
      expect: { agent: "accommodations", handoffs: [], replyContains: ["it is", "Suggested next: things to do in Barcelona"] }
    }
  ]
}

const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

/**
 * What virtual user `user` of a load plays: the demo's first session, to one
 * of the places TripSage knows (by turns), on a week of its own in 2027 (a
 * place's travellers spread over 360 departure days, 37 apart), with a
 * budget that reaches Tokyo (£6,000), without the demo's expectations, which
 * name its trip's places, dates and prices. A thousand users are then a
 * thousand travellers sharing the flights' seats and the stays' rooms, as
 * real ones would, not one traveller booking the same room a thousand times.
 *
 * @since 0.2.0 @category scenarios
 */
export const traveller = (user: number): Scenario.Scenario => {
  const destinations = Cities.all.filter((city) => city.code !== "LHR")
  const destination = destinations[user % destinations.length]!
  const depart = plusDays("2027-01-04", (Math.floor(user / destinations.length) * 37) % 360)
  const trip = `to ${destination.name} for 2 travellers, ${depart} to ${plusDays(depart, 7)}, with a budget of £6,000`
  const [first, ...rest] = Scenario.turnsIn(demo).map(({ text }) => ({ text: text.replace(DEMO_TRIP, trip) }))
  return {
    name: `${demo.name} (traveller ${user}: ${trip})`,
    userId: `${demo.userId}-${user}`,
    sessionId: `${demo.sessionId}-traveller-${user}`,
    turns: [first!, ...rest]
  }
}
