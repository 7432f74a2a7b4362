import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

/**
 * A type guard compiled from a schema's AST: the same answer as
 * `Schema.is(schema)` (exact: a required key must be present; excess keys
 * are ignored), without building the parse results and output values that
 * `Schema.is` builds on its way. A stored record is checked on every read,
 * and on a 150-message session that walk cost `Schema.is` about 150 µs; the
 * compiled guard walks the value once and allocates nothing.
 *
 * Nodes a record's schema does not use (transformations, declarations,
 * template literals…) are handed to `Schema.is` itself, so the answer never
 * differs; a test checks the two agree on arbitrary values.
 */
export type Guard = (input: unknown) => boolean

const isRecord = (input: unknown): input is Record<PropertyKey, unknown> =>
  typeof input === "object" && input !== null && !Array.isArray(input)

const own = (input: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(input, key)

const noOptions: AST.ParseOptions = {}

export const compile = (ast: AST.AST, memo: Map<AST.AST, Guard> = new Map()): Guard => {
  const known = memo.get(ast)
  if (known !== undefined) return known
  // Registered before its parts are compiled, so a recursive schema finds itself.
  let compiled: Guard = () => false
  const guard: Guard = (input) => compiled(input)
  memo.set(ast, guard)
  compiled = build(ast, memo)
  return guard
}

const build = (ast: AST.AST, memo: Map<AST.AST, Guard>): Guard => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string"
    case "NumberKeyword":
      return (input) => typeof input === "number"
    case "BooleanKeyword":
      return (input) => typeof input === "boolean"
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "UndefinedKeyword":
    case "VoidKeyword":
      return (input) => input === undefined
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal
    }
    case "Union": {
      const members = ast.types.map((member) => compile(member, memo))
      return (input) => members.some((member) => member(input))
    }
    case "Suspend":
      return compile(ast.f(), memo)
    case "Refinement": {
      const from = compile(ast.from, memo)
      return (input) => from(input) && Option.isNone(ast.filter(input, noOptions, ast))
    }
    case "TupleType": {
      // An array of one type, the shape of `Schema.Array`; other tuples go to Schema.is.
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      const element = compile(ast.rest[0]!.type, memo)
      return (input) => {
        if (!Array.isArray(input)) return false
        for (let i = 0; i < input.length; i++) if (!element(input[i])) return false
        return true
      }
    }
    case "TypeLiteral": {
      if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) break
      // Index signatures keyed by strings only, the shape of `Schema.Record({ key: Schema.String })`.
      if (ast.indexSignatures.some((signature) => signature.parameter._tag !== "StringKeyword")) break
      const properties = ast.propertySignatures.map((signature) => ({
        name: signature.name,
        optional: signature.isOptional,
        type: compile(signature.type, memo)
      }))
      const values = ast.indexSignatures.map((signature) => compile(signature.type, memo))
      return (input) => {
        if (!isRecord(input)) return false
        for (const property of properties) {
          if (!own(input, property.name)) {
            if (property.optional) continue
            return false
          }
          if (!property.type(input[property.name])) return false
        }
        if (values.length > 0) {
          for (const key of Object.keys(input)) {
            for (const value of values) if (!value(input[key])) return false
          }
        }
        return true
      }
    }
  }
  const is = Schema.is(Schema.make(ast))
  return (input) => is(input)
}
