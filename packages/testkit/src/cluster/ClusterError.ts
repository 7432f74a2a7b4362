/**
 * What can stop a cluster run: a worker that cannot start (the app or the
 * store does not load), or one that keeps dying.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category errors */
export class ClusterError extends Schema.TaggedError<ClusterError>("@baton/testkit/ClusterError")("ClusterError", {
  reason: Schema.String
}) {
  override get message() {
    return `The cluster run failed: ${this.reason}`
  }
}
