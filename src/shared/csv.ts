/**
 * Rows as CSV (RFC 4180): fields with a comma, quote or line break are quoted, quotes doubled; CRLF
 * line ends, as spreadsheets expect. A field starting with = + - or @ gets a leading apostrophe, so a
 * run named "=HYPERLINK(…)" stays text in a spreadsheet.
 */
const field = (value: string) => {
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n'
}
