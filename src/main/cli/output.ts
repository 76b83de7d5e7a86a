/** Where CLI output goes: results on stdout (one JSON document with --json), progress on stderr. */
import type { JobProgress } from '../../shared/types'

export interface Output {
  json: boolean
  /** The command's result: JSON, or the human text. */
  result(value: unknown, human: () => string): void
  /** A progress or status line, on stderr. */
  status(text: string): void
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`)
    },
    status(text) {
      process.stderr.write(`${text}\n`)
    },
  }
}

/** One line describing a job's progress: counts, rate and time left. */
export function progressLine(p: JobProgress): string {
  const total = p.total === null ? '' : `/${p.total}`
  const rate = p.rate === null ? '' : `, ${p.rate.toFixed(1)} ${p.unit}/s`
  const eta = p.etaMs === null ? '' : `, ${Math.ceil(p.etaMs / 1000)} s left`
  return `${p.done}${total} ${p.unit}${rate}${eta}${p.message ? ` — ${p.message}` : ''}`
}
