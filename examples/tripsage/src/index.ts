/**
 * @since 0.1.0
 */
export * as Accommodations from "./agents/Accommodations.js"
export * as Booking from "./agents/Booking.js"
export * as Budget from "./agents/Budget.js"
export * as Destination from "./agents/Destination.js"
export * as Flights from "./agents/Flights.js"
export * as Roster from "./agents/Roster.js"
export * as Triage from "./agents/Triage.js"
export * as App from "./app.js"
export * as Cities from "./Cities.js"
export * as Demo from "./Demo.js"
export * as Format from "./Format.js"
export * as Pricing from "./Pricing.js"
export * as Services from "./Services.js"
export * as Tools from "./Tools.js"
export * as TripRequest from "./TripRequest.js"
export * as TripState from "./TripState.js"
