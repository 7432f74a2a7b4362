/**
 * The job a test process (worker.ts, writer.ts) reads first: one JSON line on
 * its stdin, where processes.ts writes it (it holds the store's URL with its
 * password, so it is never on the command line), then the lines after it.
 */
import { createInterface } from "node:readline"

export interface JobInput<A> {
  readonly job: A
  /** The lines after the job, from the same reader (none is lost between them). */
  readonly lines: AsyncIterator<string>
}

export const readJob = async <A>(): Promise<JobInput<A>> => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done === true) throw new Error("no job: stdin closed before its first line")
  return { job: JSON.parse(first.value) as A, lines }
}
