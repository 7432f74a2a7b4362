/**
 * The `baton` executable.
 *
 * @since 0.1.0
 */
import * as Io from "./Io.js"
import * as Program from "./Program.js"

// A reader that stops early (`baton mcp list | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
  throw error
})

process.exitCode = await Program.run(process.argv.slice(2), Io.node())
