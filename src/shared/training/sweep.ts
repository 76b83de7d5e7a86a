/**
 * A grid sweep: `--grid learningRate=0.001,0.01 --grid embeddingDim=50,100` as the list of changes
 * each run makes (every combination, the first field varying slowest). A list-valued field takes its
 * alternatives separated by semicolons (`--grid filterSizes=3,4,5;2,3`).
 */
import { defaultConfig, type ConfigField } from './config'
import { parseSetting } from './settings'

export const maxSweepRuns = 100

export function parseGridAxis(raw: string): [string, unknown[]] {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new Error(`--grid takes key=value,value…, not "${raw}".`)
  const key = raw.slice(0, eq).trim()
  const list = Array.isArray(defaultConfig[key as ConfigField])
  const values = raw
    .slice(eq + 1)
    .split(list ? ';' : ',')
    .map((v) => v.trim())
    .filter(Boolean)
  if (values.length === 0) throw new Error(`--grid ${key} has no values.`)
  return [key, values.map((v) => parseSetting(`${key}=${v}`)[1])]
}

export function expandGrid(axes: [string, unknown[]][]): Record<string, unknown>[] {
  const keys = new Set<string>()
  for (const [key] of axes) {
    if (keys.has(key)) throw new Error(`--grid names ${key} twice.`)
    keys.add(key)
  }
  let combos: Record<string, unknown>[] = [{}]
  for (const [key, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })))
  if (combos.length > maxSweepRuns)
    throw new Error(`The grid makes ${combos.length} runs; at most ${maxSweepRuns} run in one sweep.`)
  return combos
}
