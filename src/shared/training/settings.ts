/** What a run is asked with: a preset and the fields that differ from it, from the form or `--set key=value`. */
import { z } from 'zod'
import { backendNames } from '../types'
import { defaultConfig, type ConfigField } from './config'

/** Field paths and values as `--set key=value` gives them: numbers, booleans, lists and null are parsed. */
export function parseSetting(raw: string): [string, unknown] {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new Error(`--set takes key=value, not "${raw}".`)
  const key = raw.slice(0, eq).trim()
  const text = raw.slice(eq + 1).trim()
  if (!Object.hasOwn(defaultConfig, key))
    throw new Error(`Unknown setting "${key}". Settings: ${Object.keys(defaultConfig).join(', ')}.`)
  const example = defaultConfig[key as ConfigField]
  if (text === 'null') return [key, null]
  if (Array.isArray(example)) return [key, text.split(',').map((v) => Number(v.trim()))]
  if (typeof example === 'number') return [key, Number(text)]
  if (typeof example === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new Error(`${key} takes true or false, not "${text}".`)
    return [key, text === 'true']
  }
  return [key, text]
}

export const trainRequestSchema = z
  .object({
    datasetId: z.string().min(1).max(200),
    preset: z.string().min(1).max(100),
    /** Fields that differ from the preset. */
    overrides: z.record(z.string(), z.unknown()).default({}),
    backend: z.enum(['auto', ...backendNames]).default('auto'),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
export type TrainRequest = z.output<typeof trainRequestSchema>
