import { Ajv, type ErrorObject, type ValidateFunction } from "ajv"
import { Ajv2020 } from "ajv/dist/2020.js"

/** The readable issues with a tool's arguments, or `undefined` when they are valid. */
export type ArgumentCheck = (args: unknown) => ReadonlyArray<string> | undefined

// Formats are not checked: Ajv needs a plugin for them and servers check
// their own inputs anyway; this check only catches mistakes early and clearly.
const options = { allErrors: true, strict: false, validateFormats: false } as const

const unescapePointer = (segment: string) => segment.replace(/~1/g, "/").replace(/~0/g, "~")

const join = (path: string, key: unknown) => (path === "" ? String(key) : `${path}.${String(key)}`)

const describe = (error: ErrorObject): string => {
  const path = error.instancePath.split("/").slice(1).map(unescapePointer).join(".")
  switch (error.keyword) {
    case "required":
      return `${join(path, error.params.missingProperty)}: is required`
    case "additionalProperties":
      return `${join(path, error.params.additionalProperty)}: is not allowed`
    case "enum":
      return `${path || "arguments"}: must be one of ${JSON.stringify(error.params.allowedValues)}`
    default:
      return `${path || "arguments"}: ${error.message ?? error.keyword}`
  }
}

const accept: ArgumentCheck = () => undefined

const toCheck = (validate: ValidateFunction): ArgumentCheck => (args) =>
  validate(args) ? undefined : (validate.errors ?? []).map(describe)

/**
 * Compiles tools' input schemas into checks, once per distinct schema, so
 * that every instance of a service and every refresh reuse them.
 */
export const makeCompiler = () => {
  let draft7: Ajv | undefined
  let draft2020: Ajv2020 | undefined
  const checks = new Map<string, ArgumentCheck>()

  const compile = (schema: Readonly<Record<string, unknown>>): ArgumentCheck => {
    const is2020 = typeof schema.$schema === "string" && schema.$schema.includes("2020-12")
    try {
      if (is2020) return toCheck((draft2020 ??= new Ajv2020(options)).compile(schema))
      const { $schema: _, ...rest } = schema
      return toCheck((draft7 ??= new Ajv(options)).compile(rest))
    } catch {
      // A schema Ajv cannot compile is left for the server to enforce.
      return accept
    }
  }

  return (schema: Readonly<Record<string, unknown>>): ArgumentCheck => {
    const key = JSON.stringify(schema)
    let check = checks.get(key)
    if (check === undefined) {
      check = compile(schema)
      checks.set(key, check)
    }
    return check
  }
}
