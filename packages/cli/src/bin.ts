/**
 * The `baton` executable.
 *
 * @since 0.1.0
 */
import * as Io from "./Io.js"
import * as Program from "./Program.js"

process.exitCode = await Program.run(process.argv.slice(2), Io.node())
