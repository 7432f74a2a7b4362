/**
 * What an agent says it can do. Capabilities feed routing: the lexical
 * strategy indexes descriptions, keywords and examples.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category schemas */
export const Capability = Schema.Struct({
  intent: Schema.String.pipe(Schema.nonEmptyString()),
  description: Schema.String,
  keywords: Schema.Array(Schema.String),
  examples: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type Capability = typeof Capability.Type
