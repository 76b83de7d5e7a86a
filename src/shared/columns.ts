/**
 * How a user names a column of a delimited file, in the wizard and on the command line: by its
 * header name, or by its 0-based index written as digits.
 */
import { z } from 'zod'

/** A column in a spec: a header name or a 0-based index. */
export const columnSchema = z.union([z.string().min(1), z.number().int().min(0)])
export type Column = z.output<typeof columnSchema>

/** The column a user typed or picked: digits are an index, other text a header name; empty means detect. */
export function parseColumn(text: string | null | undefined): Column | undefined {
  if (!text) return undefined
  return /^\d+$/.test(text) ? Number(text) : text
}

/**
 * What names column `index` so that `parseColumn` reads it back: its header name when the file has a
 * header and the name is not all digits (it would read as an index), else the index.
 */
export function columnText(columns: readonly string[], index: number, header: boolean): string {
  const name = columns[index]
  return header && name && !/^\d+$/.test(name) ? name : String(index)
}
