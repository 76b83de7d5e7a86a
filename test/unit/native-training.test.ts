/**
 * The tensorflow rung's own training pieces (test/fixtures/native-training-check.ts, in a process of its
 * own because it loads TensorFlow). Adam as TensorFlow's ResourceApplyAdam (engine/native-adam.ts) moves
 * the weights and its moments as tfjs's Adam does: over steps with a rate change, after a weight is set
 * from outside, and across a checkpoint of its slots (its own or the stock optimizer's), bit-identical
 * on repeat and leaving no tensors behind. The Step kernel (kernels/step.ts) and ReLU's gradient
 * (kernels/relu-grad.ts) give their definition, NaN included, and the cpu backend keeps the stock
 * gradient. Matrix products (kernels/mat-mul.ts) and their gradients match products in JavaScript. The embedding table's copy in TensorFlow (engine/native-table.ts)
 * gathers the table's rows, after updates and a reset too, and sums their gradient per row as the
 * table in JavaScript does. Skipped, with the probe's reason, where the rung is not built.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { probeNative } from '../fixtures/native'

const native = probeNative()

describe('training pieces of the tensorflow rung', () => {
  it.skipIf(!native.available)(
    `Adam matches tfjs's, Step its definition${native.available ? '' : ` (skipped: ${native.reason})`}`,
    () => {
      const check = join(__dirname, '..', 'fixtures', 'native-training-check.ts')
      const out = spawnSync(process.execPath, ['--import', 'tsx', check], { encoding: 'utf8', timeout: 120_000 })
      const line = out.stdout.trim().split('\n').pop() ?? ''
      expect(line, out.stderr.slice(-2000)).toMatch(/^\{/)
      const {
        leaked,
        repeatable,
        stepWrong,
        matMul,
        stockReluGrad,
        tableGathered,
        tableSummed,
        tableRows,
        ...differences
      } = JSON.parse(line) as Record<string, number>
      expect(leaked).toBe(0)
      expect(repeatable).toBe(true)
      expect(stepWrong).toBe(0)
      expect(stockReluGrad).toBe(true)
      // Float rounding only: a wrong transpose or a missing ReLU mask is off by 0.1 or more.
      expect(matMul).toBeLessThan(1e-5)
      expect(tableRows).toBe(true)
      expect(tableGathered).toBe(0)
      expect(tableSummed).toBe(0)
      expect(Object.keys(differences)).toHaveLength(5)
      // Float rounding only: ε in the wrong place gives 2e-3, a weight set from outside and missed 1.
      for (const [name, d] of Object.entries(differences)) expect(d, name).toBeLessThan(1e-4)
    },
    180_000,
  )
})
