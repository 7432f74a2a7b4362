/**
 * Temporary folders for tests, removed when their scope closes. A test file
 * also calls `removeAll` in a file-level `afterAll`: when a run is filtered,
 * a shared layer can be built without its release ever running.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const live = new Set<() => void>()

export const create = (prefix: string): { readonly dir: string; readonly remove: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const remove = () => {
    live.delete(remove)
    process.removeListener("exit", remove)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  live.add(remove)
  process.once("exit", remove)
  return { dir, remove }
}

/** Removes every folder this process created and has not removed yet. */
export const removeAll = (): void => {
  for (const remove of [...live]) remove()
}

export const scoped = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => create(prefix)), (temp) => Effect.sync(temp.remove)),
    (temp) => temp.dir
  )
