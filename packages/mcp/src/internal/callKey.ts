// Sorting keys makes `{a, b}` and `{b, a}` the same call.
const sortKeys = (_key: string, value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : value

/** Identifies a call by service, tool and canonical arguments. */
export const callKey = (service: string, tool: string, args: unknown): string =>
  `${service}\u0000${tool}\u0000${JSON.stringify(args, sortKeys)}`
