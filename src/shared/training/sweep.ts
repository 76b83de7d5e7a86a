/**
 * Sweeps: the list of changes each run of one group makes. A grid takes every combination
 * (`--grid learningRate=0.001,0.01 --grid embeddingDim=50,100`, the first field varying slowest; a
 * list-valued field takes its alternatives separated by semicolons, `--grid filterSizes=3,4,5;2,3`).
 * A random sample draws N configurations, seeded, from per-field ranges (`--range
 * learningRate=1e-4:1e-1:log`, uniform without `:log`, whole numbers for integer fields) or choices
 * (`--range embeddingDim=16,32,64`). Every value is checked against its field's schema here, and every
 * whole configuration by the run service before the first run is queued.
 */
import { z } from 'zod'
import { seededRandom } from '../random'
import { defaultConfig, trainConfigSchema, type ConfigField } from './config'
import { parseSetting, trainRequestSchema } from './settings'

export const maxSweepRuns = 100

/** A random sweep's field: a range (log-uniform with `log`) or a list of choices. */
export const sweepRangeSchema = z.union([
  z.object({ min: z.number(), max: z.number(), log: z.boolean().default(false) }).strict(),
  z.object({ values: z.array(z.unknown()).min(1).max(maxSweepRuns) }).strict(),
])
export type SweepRange = z.output<typeof sweepRangeSchema>

const sweepFieldsSchema = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).refine((r) => Object.keys(r).length > 0, 'Choose at least one field.')

/** `runs.sweep`: a run request plus either a grid or a random sample (exclusive). */
export const sweepRequestSchema = trainRequestSchema.extend({
  grid: sweepFieldsSchema(z.array(z.unknown()).min(1).max(maxSweepRuns)).optional(),
  random: z
    .object({
      count: z.number().int().min(2).max(maxSweepRuns),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1)
        .default(42),
      ranges: sweepFieldsSchema(sweepRangeSchema),
    })
    .strict()
    .optional(),
})
export type SweepRequest = z.output<typeof sweepRequestSchema>

export function parseGridAxis(raw: string, flag = '--grid'): [string, unknown[]] {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new Error(`${flag} takes key=value,value…, not "${raw}".`)
  const key = raw.slice(0, eq).trim()
  const list = Array.isArray(defaultConfig[key as ConfigField])
  const values = raw
    .slice(eq + 1)
    .split(list ? ';' : ',')
    .map((v) => v.trim())
    .filter(Boolean)
  if (values.length === 0) throw new Error(`${flag} ${key} has no values.`)
  return [key, values.map((v) => parseSetting(`${key}=${v}`)[1])]
}

/** `--range key=min:max[:log]` or `--range key=a,b,c` (choices, parsed as `--grid` parses them). */
export function parseRangeAxis(raw: string): [string, SweepRange] {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new Error(`--range takes key=min:max[:log] or key=a,b,…, not "${raw}".`)
  const key = raw.slice(0, eq).trim()
  const text = raw.slice(eq + 1).trim()
  if (!text.includes(':')) return [key, { values: parseGridAxis(raw, '--range')[1] }]
  const [min, max, log, ...rest] = text.split(':').map((p) => p.trim())
  if (rest.length || (log !== undefined && log !== 'log') || !min || !max || !isFinite(+min) || !isFinite(+max))
    throw new Error(`--range ${key} takes min:max or min:max:log with numbers, not "${text}".`)
  return [key, { min: Number(min), max: Number(max), log: log === 'log' }]
}

/** The field's schema, refusing names that are not config fields. */
function fieldSchema(field: string) {
  if (!Object.hasOwn(trainConfigSchema.shape, field))
    throw new Error(`Unknown setting "${field}". Settings: ${Object.keys(defaultConfig).join(', ')}.`)
  return trainConfigSchema.shape[field as ConfigField]
}

function checkValue(field: string, value: unknown): void {
  const parsed = fieldSchema(field).safeParse(value)
  if (!parsed.success)
    throw new Error(`${field}: ${JSON.stringify(value)} is refused: ${parsed.error.issues[0]!.message}`)
}

/** A numeric range's bounds as the field takes them (whole numbers for integer fields), checked. */
function rangeBounds(field: string, range: { min: number; max: number; log: boolean }) {
  const schema = fieldSchema(field)
  if (!(schema instanceof z.ZodNumber)) throw new Error(`${field} is not a number field: give it a list of choices.`)
  if (!(range.min < range.max))
    throw new Error(`${field}: the range's min (${range.min}) must be below its max (${range.max}).`)
  if (range.log && range.min <= 0) throw new Error(`${field}: a log range needs a min above 0, not ${range.min}.`)
  const integer = schema.isInt
  const min = integer ? Math.ceil(range.min) : range.min
  const max = integer ? Math.floor(range.max) : range.max
  if (min > max) throw new Error(`${field}: no whole number lies between ${range.min} and ${range.max}.`)
  checkValue(field, min)
  checkValue(field, max)
  return { min, max, integer }
}

/** Every combination of the grid's values, the first field varying slowest. */
export function expandGrid(axes: [string, unknown[]][]): Record<string, unknown>[] {
  const keys = new Set<string>()
  for (const [key, values] of axes) {
    if (keys.has(key)) throw new Error(`--grid names ${key} twice.`)
    keys.add(key)
    for (const value of values) checkValue(key, value)
  }
  let combos: Record<string, unknown>[] = [{}]
  for (const [key, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })))
  if (combos.length > maxSweepRuns)
    throw new Error(`The grid makes ${combos.length} runs; at most ${maxSweepRuns} run in one sweep.`)
  return combos
}

/**
 * `count` configurations drawn from the ranges with the seed: the same seed draws the same ones. Real
 * values keep 3 significant digits, so run names stay readable.
 */
export function sampleRandom(
  ranges: Record<string, SweepRange>,
  count: number,
  seed: number,
): Record<string, unknown>[] {
  if (!Number.isInteger(count) || count < 1 || count > maxSweepRuns)
    throw new Error(`A random sweep takes 1 to ${maxSweepRuns} runs, not ${count}.`)
  const draws = Object.entries(ranges).map(([field, range]): [string, (r: number) => unknown] => {
    if ('values' in range) {
      for (const value of range.values) checkValue(field, value)
      return [field, (r) => range.values[Math.floor(r * range.values.length)]]
    }
    const { min, max, integer } = rangeBounds(field, range)
    // Integers: rounding gives each end of the range its full half-step (lo stays above 0: min ≥ 1 for log).
    const [lo, hi] = integer ? [min - 0.5, max + 0.5] : [min, max]
    const scale = range.log
      ? (r: number) => Math.exp(Math.log(lo) + r * (Math.log(hi) - Math.log(lo)))
      : (r: number) => lo + r * (hi - lo)
    const clamp = (v: number) => Math.min(max, Math.max(min, v))
    return [field, (r) => clamp(integer ? Math.round(scale(r)) : Number(scale(r).toPrecision(3)))]
  })
  if (draws.length === 0) throw new Error('A random sweep needs at least one --range.')
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => Object.fromEntries(draws.map(([field, draw]) => [field, draw(random())])))
}

/** The changes of a sweep request's runs: its grid's combinations or its random sample. */
export function sweepChanges(request: Pick<SweepRequest, 'grid' | 'random'>): Record<string, unknown>[] {
  if (request.grid && request.random) throw new Error('A sweep is a grid or a random sample, not both.')
  const changes = request.grid
    ? expandGrid(Object.entries(request.grid))
    : request.random
      ? sampleRandom(request.random.ranges, request.random.count, request.random.seed)
      : []
  if (changes.length < 2) throw new Error('A sweep needs a grid or a random sample making at least two runs.')
  return changes
}

/** "learningRate=0.01 embeddingDim=50": what a sweep's run changes, for its name. */
export function changeLabel(change: Record<string, unknown>): string {
  return Object.entries(change)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
}
