/**
 * The demo `baton demo` plays: a trip from London to Lisbon researched,
 * flown, housed and booked in five turns. Booking delegates the budget check
 * to Budget, which returns to Booking: a nested handoff. Each turn says what
 * it expects, so the demo checks itself.
 *
 * @since 0.1.0
 */
import type { Scenario } from "@baton/core"

/** @since 0.1.0 @category scenarios */
export const demo: Scenario.Scenario = {
  name: "A week in Lisbon: destination → flights → hotel → booking",
  userId: "demo-traveller",
  sessionId: "tripsage-demo",
  turns: [
    {
      text: "Hi! I'm planning a trip from London to Lisbon for 2 travellers, 2026-12-10 to 2026-12-17, with a budget of £2,500.",
      expect: { agent: "destination", handoffs: ["triage->destination"], replyContains: ["Lisbon (LIS)", "°C", "Tram 28"] }
    },
    {
      text: "Sounds lovely. Please find us flights.",
      expect: { agent: "flights", handoffs: ["destination->flights"], replyContains: ["London (LHR) → Lisbon (LIS)", "option 2"] }
    },
    {
      text: "Option 2, please.",
      expect: { agent: "accommodations", handoffs: ["flights->accommodations"], replyContains: ["Places to stay in Lisbon", "7 nights"] }
    },
    {
      text: "The first one looks perfect.",
      expect: { agent: "accommodations", handoffs: [], replyContains: ["Hotel Alfama", "book"] }
    },
    {
      text: "Great, please book everything.",
      expect: {
        agent: "booking",
        handoffs: ["accommodations->booking", "booking->budget", "budget->booking"],
        replyContains: ["Booked!", "PNR-", "HTL-", "PAY-"]
      }
    }
  ]
}
