/**
 * INTERIM: an in-process `ToolGateway` serving TripSage's tools from seeded,
 * deterministic data, so the example runs offline before `@baton/mcp` lands.
 * The MCP issue replaces it with mock MCP services behind the MCP gateway;
 * the agents do not change, because they only see the `ToolGateway` port and
 * the contracts in `Tools`.
 *
 * It serves `flights` (search_flights, reserve), `accommodations` (search,
 * reserve), `weather` (forecast), `activities` (search) and `payments`
 * (process). Arguments are decoded with each tool's schema; an unknown service
 * or tool fails with core's `UnknownService` / `UnknownTool`.
 *
 * @since 0.1.0
 */
import { ToolGateway } from "@baton/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Cities from "./Cities.js"
import * as Travel from "./internal/travelData.js"
import * as Tools from "./Tools.js"

type Handler = (
  args: Readonly<Record<string, unknown>>
) => Effect.Effect<unknown, ToolGateway.InvalidToolArguments | ToolGateway.ToolResultError>

const serve = <A, I, O, OI>(
  tool: Tools.Tool<A, I, O, OI>,
  run: (args: A, fail: (detail: string) => ToolGateway.ToolResultError) => Effect.Effect<O, ToolGateway.ToolResultError>
): readonly [Tools.Tool<A, I, O, OI>, Handler] => {
  const fail = (detail: string) => new ToolGateway.ToolResultError({ service: tool.service, tool: tool.name, detail })
  const decode = Schema.decodeUnknown(tool.args)
  const encode = Schema.encode(tool.result)
  return [tool, (raw) =>
    decode(raw).pipe(
      Effect.mapError((error) =>
        new ToolGateway.InvalidToolArguments({
          service: tool.service,
          tool: tool.name,
          issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
            `${issue.path.join(".") || "(arguments)"}: ${issue.message}`
          )
        })
      ),
      Effect.flatMap((args) => run(args, fail)),
      // Our own results always match their schema; a mismatch is a bug here, not a tool failure.
      Effect.flatMap((result) => Effect.orDie(encode(result)))
    )]
}

const city = (name: string, fail: (detail: string) => ToolGateway.ToolResultError) => {
  const found = Cities.find(name) ?? Cities.byCode(name)
  const guide = found && Travel.guideOf(found.code)
  return found && guide ? Effect.succeed({ city: found, guide }) : Effect.fail(fail(`no data for "${name}"`))
}

const tools = [
  serve(Tools.searchFlights, (args, fail) => {
    const origin = Cities.byCode(args.origin)
    const destination = Cities.byCode(args.destination)
    if (!origin || !destination) return Effect.fail(fail(`no route ${args.origin} → ${args.destination}`))
    if (origin.code === destination.code) return Effect.fail(fail("origin and destination are the same airport"))
    return Effect.succeed({ options: Travel.flightOptions({ ...args, origin, destination }) })
  }),
  serve(Tools.reserveFlight, (args) =>
    Effect.succeed({ reservationId: Travel.reservationId("PNR-", `${args.optionId}/${args.passengers}`) })),
  serve(Tools.searchStays, (args, fail) =>
    args.checkOut <= args.checkIn
      ? Effect.fail(fail("check-out must be after check-in"))
      : Effect.map(city(args.city, fail), ({ city, guide }) => ({
        options: Travel.stayOptions(city, guide, args.checkIn, args.checkOut)
      }))),
  serve(Tools.reserveStay, (args) =>
    Effect.succeed({
      reservationId: Travel.reservationId("HTL-", `${args.hotelId}/${args.checkIn}/${args.checkOut}/${args.guests}`)
    })),
  serve(Tools.forecast, (args, fail) => Effect.map(city(args.city, fail), ({ city, guide }) => Travel.forecastFor(city, guide, args.from))),
  serve(Tools.searchActivities, (args, fail) =>
    Effect.map(city(args.city, fail), ({ guide }) => ({ activities: guide.activities.slice(0, args.limit ?? 3) }))),
  serve(Tools.processPayment, (args) =>
    Effect.succeed({
      paymentId: Travel.reservationId("PAY-", `${args.reference}/${args.amount}`),
      status: "approved" as const,
      amount: args.amount
    }))
]

/**
 * @since 0.1.0 @category constructors
 */
export const make = (): ToolGateway.ToolGateway["Type"] => {
  const services = new Map<string, Map<string, Handler>>()
  for (const [tool, handler] of tools) {
    const service = services.get(tool.service) ?? new Map<string, Handler>()
    service.set(tool.name, handler)
    services.set(tool.service, service)
  }
  return {
    invoke: (call) => {
      const service = services.get(call.service)
      if (service === undefined) {
        return Effect.fail(new ToolGateway.UnknownService({ service: call.service, known: [...services.keys()] }))
      }
      const handler = service.get(call.tool)
      return handler === undefined
        ? Effect.fail(new ToolGateway.UnknownTool({ service: call.service, tool: call.tool, known: [...service.keys()] }))
        : handler(call.args)
    }
  }
}

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<ToolGateway.ToolGateway> = Layer.sync(ToolGateway.ToolGateway, make)
