/**
 * Score results out of the app, streamed from `results.jsonl` line by line (never all in memory):
 * CSV (RFC 4180 quoting, one probability column per class) or JSON Lines, to a file or (serve mode's
 * downloads) to an HTTP response.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

export type ExportFormat = 'csv' | 'jsonl'

interface ResultLine {
  idx: number
  source: string
  label: string
  confidence: number
  probs: number[]
  truth: string | null
  text: string
}

export function csvCell(value: string | number | null): string {
  const s = value === null ? '' : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const csvLine = (r: ResultLine) =>
  `${[r.idx, r.source, r.label, r.confidence, ...r.probs, r.truth, r.text].map(csvCell).join(',')}\n`

const jsonRecord = (r: ResultLine, classes: string[]) => ({
  id: r.idx,
  source: r.source,
  label: r.label,
  probability: r.confidence,
  probabilities: Object.fromEntries(classes.map((c, k) => [c, r.probs[k]])),
  truth: r.truth,
  text: r.text,
})

/** The export's text, line by line, from the results file; a torn last line (a crash mid-write) is left out. */
export async function* exportLines(
  resultsFile: string,
  format: ExportFormat,
  classes: string[],
): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(resultsFile), crlfDelay: Infinity })
  if (format === 'csv')
    yield `${['id', 'source', 'label', 'probability', ...classes.map((c) => `p_${c}`), 'truth', 'text'].map(csvCell).join(',')}\n`
  for await (const line of lines) {
    let r: ResultLine
    try {
      r = JSON.parse(line) as ResultLine
    } catch {
      continue
    }
    yield format === 'csv' ? csvLine(r) : `${JSON.stringify(jsonRecord(r, classes))}\n`
  }
}

/** Writes the export to `out`. Returns the rows written. */
export async function exportResults(
  resultsFile: string,
  out: string,
  format: ExportFormat,
  classes: string[],
): Promise<number> {
  const sink = createWriteStream(out)
  let lines = 0
  try {
    for await (const text of exportLines(resultsFile, format, classes)) {
      if (!sink.write(text)) await once(sink, 'drain')
      lines++
    }
  } finally {
    sink.end()
    await once(sink, 'close')
  }
  return format === 'csv' ? lines - 1 : lines
}
