/**
 * Terminal styling. Plain ANSI escapes, used only when writing to a terminal
 * and `NO_COLOR` is not set (https://no-color.org), so piped output and logs
 * stay clean.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export interface Style {
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly green: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
  readonly magenta: (text: string) => string
}

const identity = (text: string) => text

/** @since 0.1.0 @category constants */
export const plain: Style = {
  bold: identity,
  dim: identity,
  green: identity,
  red: identity,
  yellow: identity,
  cyan: identity,
  magenta: identity
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`

/** @since 0.1.0 @category constants */
export const ansi: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  green: sgr(32, 39),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
  magenta: sgr(35, 39)
}

/**
 * ANSI for a terminal without `NO_COLOR`; plain otherwise, or when colour is
 * switched off (`--no-color`).
 *
 * @since 0.1.0 @category constructors
 */
export const detect = (options: {
  readonly isTTY: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  readonly color?: boolean
}): Style => options.color !== false && options.isTTY && !options.env["NO_COLOR"] ? ansi : plain
