/**
 * Plain text tables: columns padded to their widest cell, two spaces apart,
 * a header row, and the last column cut to the terminal's width when there
 * is one (piped output keeps every character).
 *
 * @since 0.1.0
 */
import * as Style from "./Style.js"

/** @since 0.1.0 @category models */
export interface Options {
  readonly style?: Style.Style
  /** Cut each line to this many columns; no cutting when absent. */
  readonly width?: number
}

const gap = "  "

const cut = (text: string, room: number) => (text.length <= room ? text : `${text.slice(0, Math.max(0, room - 1))}…`)

/**
 * The header and the rows as lines. Every row has as many cells as there
 * are headers.
 *
 * @since 0.1.0 @category printing
 */
export const render = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: Options = {}
): Array<string> => {
  const style = options.style ?? Style.plain
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: ReadonlyArray<string>) => {
    const padded = cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
    const text = padded.join(gap).trimEnd()
    return options.width === undefined ? text : cut(text, options.width)
  }
  return [style.bold(line(headers)), ...rows.map(line)]
}
