/**
 * The command-line options of the commands that drive a host application:
 * `--app`, `--config` and `--transport`. Declarations only: what they mean
 * when a command runs is `AppCommand`.
 *
 * @since 0.2.0
 */
import type { BatonApp } from "@baton/core"
import { type Command, Option as CommandOption } from "commander"

/**
 * `BatonApp.transports`, written out so that declaring `--transport` does
 * not load `@baton/core` (a test holds the two equal).
 *
 * @since 0.2.0 @category constants
 */
export const transports = ["in-process", "stdio", "http"] as const satisfies ReadonlyArray<BatonApp.Transport>

/** @since 0.1.0 @category commands */
export const withAppOptions = (command: Command): Command =>
  command
    .option("--app <module>", "module exporting `app` (default: \"app\" in baton.config.json, else examples/tripsage/dist/app.js)")
    .option("--config <file>", "config file to read the app from", "baton.config.json")

/**
 * `--transport <kind>`: how the app reaches its tool services (in this
 * process, or as child processes over stdio or HTTP).
 *
 * @since 0.1.0 @category commands
 */
export const transportOption = (): CommandOption =>
  new CommandOption("--transport <kind>", "how the app reaches its tool services: in this process, or as child processes")
    .choices(transports)
    .default(transports[0])
