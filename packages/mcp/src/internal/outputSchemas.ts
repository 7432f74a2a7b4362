/**
 * The SDK client's check of tools' structured results against their output
 * schemas. The SDK's default compiles every listed tool's output schema with
 * a new Ajv as soon as the tools are listed, on every connection: 390 ms of
 * the 3.3 s of CPU a `baton run` of TripSage took, for tools most runs never
 * call, and all of `baton mcp list`'s compiling. Here a schema is compiled
 * the first time a result is checked against it, once per distinct schema
 * for every connection of the process, as input schemas are (`arguments.ts`).
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation"

const compiled = new Map<string, JsonSchemaValidator<unknown>>()
let ajv: AjvJsonSchemaValidator | undefined

const validatorFor = (schema: JsonSchemaType): JsonSchemaValidator<unknown> => {
  const key = JSON.stringify(schema)
  let validator = compiled.get(key)
  if (validator === undefined) {
    validator = (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema)
    compiled.set(key, validator)
  }
  return validator
}

/** Compiles on first use; the SDK asks for a validator per listed tool. */
export const lazyValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType): JsonSchemaValidator<T> => {
    let validator: JsonSchemaValidator<unknown> | undefined
    return (input) => (validator ??= validatorFor(schema))(input) as ReturnType<JsonSchemaValidator<T>>
  }
}
