/** Benchmark tables as plain text: a header row, a rule, then the rows, each column padded to its widest cell. */
export function printAligned(lines: string[][]): void {
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)))
  const out = lines.map((l) => l.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '))
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('-|-'))
  console.log(out.join('\n'))
}
