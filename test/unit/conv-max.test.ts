/**
 * The CNN kind's training layer, ConvMaxOverTime (`conv-max.ts`), computes what the stock Conv1D and
 * GlobalMaxPooling1D it stands for compute, on every backend a training run may use: the same
 * outputs bit for bit, and the same gradients to float rounding (test/fixtures/conv-max-check.ts, one
 * process per backend). Where every window ties, its kernel gradient counts one window where the
 * stock max counts each. The native rung is skipped, with the probe's reason, where it is not built.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { probeNative } from '../fixtures/native'

const native = probeNative()

function check(backend: string) {
  const file = join(__dirname, '..', 'fixtures', 'conv-max-check.ts')
  const out = spawnSync(process.execPath, ['--import', 'tsx', file, backend], { encoding: 'utf8', timeout: 120_000 })
  const line = out.stdout.trim().split('\n').pop() ?? ''
  expect(line, out.stderr.slice(-2000)).toMatch(/^\{/)
  const result = JSON.parse(line) as {
    backend: string
    weights: number
    differences: Record<string, number>
    frozenInput: number
    tieRatios: number[]
  }
  expect(result.backend).toBe(backend)
  // The input, then a kernel and a bias for each of the three widths.
  expect(result.weights).toBe(7)
  expect(result.differences['outputs']).toBe(0)
  for (const [name, d] of Object.entries(result.differences)) expect(d, name).toBeLessThan(1e-5)
  expect(result.frozenInput).toBe(0)
  for (const r of result.tieRatios) expect(r).toBeLessThan(1e-5)
}

describe('convolution and max over time as one layer', () => {
  it('matches the stock layers on cpu', () => check('cpu'), 120_000)
  it('matches the stock layers on wasm', () => check('wasm'), 120_000)
  it.skipIf(!native.available)(
    `matches the stock layers on tensorflow${native.available ? '' : ` (skipped: ${native.reason})`}`,
    () => check('tensorflow'),
    120_000,
  )
})
