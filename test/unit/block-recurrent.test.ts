/**
 * TensorFlow's fused recurrent ops on the tensorflow rung (BlockLSTM, GRUBlockCell, the simple RNN's
 * few ops a step) compute tfjs-layers' LSTM, GRU and SimpleRNN: values and every gradient, both directions, alone and as the app's
 * stacked bidirectional layers, and with a frozen input, whose gradient they skip
 * (test/fixtures/block-recurrent-check.ts, in a process of its own because it loads TensorFlow), and the
 * LSTM's, GRU's and simple RNN's step loops leave no TensorFlow handle behind, an op failing mid-loop included.
 * Skipped, with the probe's reason, where the rung is not built (`npm run native:tensorflow`).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { probeNative } from '../fixtures/native'

const native = probeNative()

describe('fused TensorFlow recurrent ops on the tensorflow rung', () => {
  it.skipIf(!native.available)(
    `match tf.layers.lstm, gru and simpleRNN in values and gradients${native.available ? '' : ` (skipped: ${native.reason})`}`,
    () => {
      const check = join(__dirname, '..', 'fixtures', 'block-recurrent-check.ts')
      const out = spawnSync(process.execPath, ['--import', 'tsx', check], { encoding: 'utf8', timeout: 120_000 })
      const line = out.stdout.trim().split('\n').pop() ?? ''
      expect(line, out.stderr.slice(-2000)).toMatch(/^\{/)
      const differences = JSON.parse(line) as Record<string, number>
      expect(Object.keys(differences)).toHaveLength(44)
      for (const [name, d] of Object.entries(differences)) expect(d, name).toBeLessThan(1e-4)
    },
    180_000,
  )
})
