/**
 * A bidirectional LSTM's directions on two threads (`paired-lstm.ts`, tensorflow rung) compute exactly
 * what they compute one after the other, and a thread that crashes at the first request or mid-pass
 * leaves the run going on the job's thread with the same numbers (test/fixtures/paired-lstm-check.ts,
 * in a process of its own because it loads TensorFlow). Skipped, with the probe's reason, where the
 * rung is not built (`npm run native:tensorflow`).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { faultsEnv } from '../../src/main/core/faults'
import { probeNative } from '../fixtures/native'

const native = probeNative()
const skipped = native.available ? '' : ` (skipped: ${native.reason})`

interface Check {
  weights: number
  differences: Record<string, number>
  pairedPasses: number
  unavailable: string | null
}

function check(faults = ''): Check {
  const file = join(__dirname, '..', 'fixtures', 'paired-lstm-check.ts')
  const env = { ...process.env, [faultsEnv]: faults }
  const out = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000, env })
  const line = out.stdout.trim().split('\n').pop() ?? ''
  expect(line, out.stderr.slice(-2000)).toMatch(/^\{/)
  const result = JSON.parse(line) as Check
  // Two layers of two directions (kernel, recurrent kernel, bias each) and the input.
  expect(result.weights).toBe(13)
  for (const [name, d] of Object.entries(result.differences)) expect(d, name).toBe(0)
  return result
}

describe('bidirectional LSTM directions on two threads', () => {
  it.skipIf(!native.available)(
    `match one thread bit for bit in values and gradients${skipped}`,
    () => {
      // Two training passes of two layers served by the thread; the forward-only pass runs on the job's thread.
      expect(check()).toMatchObject({ pairedPasses: 4, unavailable: null })
    },
    180_000,
  )

  it.skipIf(!native.available)(
    `carry on on the job's thread when the second one crashes${skipped}`,
    () => {
      expect(check('direction-thread-requests=0')).toMatchObject({
        pairedPasses: 0,
        unavailable: 'the second thread failed (the thread ended)',
      })
      // Both forward passes and the second layer's backward one served: the first layer's backward pass recomputes.
      expect(check('direction-thread-requests=3')).toMatchObject({
        pairedPasses: 2,
        unavailable: 'the second thread failed (the thread ended)',
      })
    },
    180_000,
  )
})
