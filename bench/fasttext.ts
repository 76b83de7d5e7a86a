/**
 * The fastText binary (Debian package `fasttext`) as a benchmark peer: its line format, a training run
 * and its test figures on a file of the same split the app trained on.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Why the binary cannot run here, or null when it can. */
export function fastTextMissing(): string | null {
  const found = spawnSync('fasttext', [], { encoding: 'utf8' })
  return found.error
    ? `skipped: the fasttext binary is not installed (Debian: apt-get install -y fasttext): ${found.error.message}`
    : null
}

export function fastTextVersion(): string | null {
  return spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'fasttext'], { encoding: 'utf8' }).stdout || null
}

/** fastText's own preparation of its examples: lowercased, tags removed, punctuation split off the words. */
export const fastTextLine = (label: string, text: string) =>
  `__label__${label.replace(/\s+/g, '_')} ${text
    .toLowerCase()
    .replace(/<br\s*\/?>/g, ' ')
    .replace(/([.,!?;:()"'])/g, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim()}`

export function macroF1(actual: string[], predicted: string[]): number {
  const classes = [...new Set(actual)]
  const f1s = classes.map((c) => {
    let tp = 0
    let fp = 0
    let fn = 0
    for (let i = 0; i < actual.length; i++) {
      if (predicted[i] === c && actual[i] === c) tp++
      else if (predicted[i] === c) fp++
      else if (actual[i] === c) fn++
    }
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
  })
  return f1s.reduce((a, b) => a + b, 0) / f1s.length
}

export interface FastTextResult {
  command: string
  testAccuracy: number
  macroF1: number
  trainSeconds: number
}

/** Trains `fasttext supervised` with `args` on `train` (a model at `model`.bin) and tests it on `test`. */
export function fastTextRun(train: string, test: string, model: string, args: string[]): FastTextResult {
  const trainArgs = ['supervised', '-input', train, '-output', model, ...args]
  const t0 = performance.now()
  execFileSync('fasttext', trainArgs, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 26 })
  const trainSeconds = (performance.now() - t0) / 1000
  const predicted = execFileSync('fasttext', ['predict', `${model}.bin`, test], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .split('\n')
    .filter(Boolean)
  const actual = readFileSync(test, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(0, l.indexOf(' ')))
  const correct = predicted.filter((p, i) => p === actual[i]).length
  return {
    command: `fasttext ${trainArgs.join(' ')}`,
    testAccuracy: correct / actual.length,
    macroF1: macroF1(actual, predicted),
    trainSeconds: +trainSeconds.toFixed(1),
  }
}
