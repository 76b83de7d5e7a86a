/**
 * Steps of a bag preset at aclImdb's shape without a dataset, through the JavaScript bag trainer and
 * through tfjs (`trainStep`), on one backend: rows of ~230 Zipf-distributed word ids (75,000 words)
 * plus their hashed bigrams, the preset's batch, dimension and buckets. To see where a step's time
 * goes, run it under `node --cpu-prof`.
 *
 *   node --import tsx bench/bag-step.ts [--preset fasttext-bigram] [--steps 100] [--backend wasm]
 *     [--max-len 1300] [--batch 128] [--tfjs-steps 30] [--threads N] [--dim 50]
 */
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { seededRandom } from '../src/main/core/datasets/splits'
import { useBackend } from '../src/main/core/engine/backend'
import { BagTrainer } from '../src/main/core/engine/bag-trainer'
import { modelRows } from '../src/main/core/engine/data'
import { buildNetwork } from '../src/main/core/engine/models'
import { makeOptimizer } from '../src/main/core/engine/optimizer'
import { epochOrder, seedMathRandom } from '../src/main/core/engine/random'
import { trainStep } from '../src/main/core/engine/train-step'
import { trainConfigSchema } from '../src/shared/training/config'
import { findPreset } from '../src/shared/training/presets'
import type { BackendName } from '../src/shared/types'

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'fasttext-bigram' },
    steps: { type: 'string', default: '100' },
    backend: { type: 'string', default: 'wasm' },
    'max-len': { type: 'string', default: '1300' },
    batch: { type: 'string' },
    'tfjs-steps': { type: 'string', default: '30' },
    threads: { type: 'string' },
    dim: { type: 'string' },
  },
})

async function main() {
  const preset = findPreset(values.preset!)
  if (!preset) throw new Error(`No preset ${values.preset}`)
  const config = trainConfigSchema.parse({
    ...preset.config,
    maxLen: Number(values['max-len']),
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    ...(values.dim ? { embeddingDim: Number(values.dim) } : {}),
  })
  seedMathRandom(config.seed)
  const backend = await useBackend(values.backend as BackendName)
  const vocab = 75_000
  const steps = Number(values.steps)
  const n = config.batchSize * steps
  // Zipf's law over the vocabulary (rank r drawn with weight 1/r), lengths around aclImdb's median.
  const random = seededRandom(1)
  const cumulative = new Float64Array(vocab - 2)
  for (let r = 0, total = 0; r < cumulative.length; r++) cumulative[r] = total += 1 / (r + 1)
  const draw = () => {
    const u = random() * cumulative.at(-1)!
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < u) lo = mid + 1
      else hi = mid
    }
    return lo + 2
  }
  const ids: number[] = []
  const offsets = [0]
  for (let i = 0; i < n; i++) {
    const length = Math.min(config.maxLen, Math.round(230 * Math.exp((random() - 0.5) * 1.2)))
    for (let k = 0; k < length; k++) ids.push(draw())
    offsets.push(ids.length)
  }
  const rows = modelRows(ids, Uint32Array.from(offsets), config, vocab)
  const labels = Uint16Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1))
  const data = { ...rows, labels, n, lengths: null }
  const order = epochOrder(n, 1, 0)
  const batch = config.batchSize
  console.log(
    `${values.preset} on ${backend.name}: batch ${batch}, dim ${config.embeddingDim}, rows of ${rows.width} ids, ${(ids.length / n).toFixed(0)} words an example, ${steps} steps`,
  )

  const js = new BagTrainer(
    buildNetwork(config, { vocabSize: vocab, classes: 2 }),
    config,
    Number(values.threads) || undefined,
  )
  // Two epochs: the first touches the table's and its slots' pages for the first time (page faults).
  let jsRate = 0
  for (let epoch = 1; epoch <= 2; epoch++) {
    const t0 = performance.now()
    for (let s = 0; s < steps; s++)
      await js.step(data.x, labels, s * batch, (s + 1) * batch, order, config.learningRate, config.clipNorm)
    jsRate = (n * 1000) / (performance.now() - t0)
    console.log(`bag trainer, ${js.threads} threads, epoch ${epoch}: ${jsRate.toFixed(0)} samples/s`)
  }
  js.close()

  const net = buildNetwork(config, { vocabSize: vocab, classes: 2 })
  const optimizer = makeOptimizer(config)
  const vars = net.body.trainableWeights.map((w) => w.read() as tf.Variable)
  const tfSteps = Math.min(steps, Number(values['tfjs-steps']))
  if (tfSteps === 0) return
  const t0 = performance.now()
  for (let s = 0; s < tfSteps; s++)
    await trainStep(
      net,
      optimizer,
      vars,
      config.clipNorm,
      config.learningRate,
      data,
      s * batch,
      (s + 1) * batch,
      order,
      rows.width,
      batch,
    )
  const tfRate = (tfSteps * batch * 1000) / (performance.now() - t0)
  console.log(
    `tfjs trainStep: ${tfRate.toFixed(0)} samples/s (${tfSteps} steps); the bag trainer ${(jsRate / tfRate).toFixed(2)}x`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
