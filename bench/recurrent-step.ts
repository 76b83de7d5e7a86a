/**
 * A few training steps of a preset at its real shape on one backend, without a dataset: random ids,
 * the preset's batch and length, frozen or trained embeddings as the preset says. Measures samples/s
 * with micro-batches of `--micro` (default: what the memory budget gives) and with some of this
 * project's wasm kernels put back to the stock ones (`--stock`), to find where a recurrent preset's
 * time goes, and the most tensor memory a pass holds per example against the kind's estimate.
 * `--stock-recurrent` runs tfjs-layers' step-by-step recurrent layers instead of the whole-sequence
 * kernels (`engine/recurrent`), for before and after figures in the same conditions. `--kernels` adds one
 * step's tfjs kernels by total time (TensorFlow ops that the native rung runs by name, such as its
 * Adam, are not among them). Besides samples/s it gives the CPU time per step, and the JavaScript
 * thread's share of it (the rest is TensorFlow's or wasm's pool threads and the GC's). Any preset
 * works: `--preset mxnet-dense --backend tensorflow`. `--one-thread-pairs` runs a bidirectional LSTM's
 * directions one after the other on the native CPU rung instead of on two threads (`paired-lstm.ts`).
 * `--stock-conv` runs the CNN kind's convolutions and max over time as tfjs's stock ops instead of
 * one layer with its own gradient (`conv-max.ts`).
 *
 *   node --expose-gc --import tsx bench/recurrent-step.ts --preset sentimentnet-bilstm --dim 100
 *     [--model gru] [--batch 56] [--micro 64] [--stock Identity,SplitV] [--stock-recurrent] [--stock-conv] [--one-thread-pairs] [--steps 3] [--backend wasm] [--peak] [--kernels]
 */
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { useBackend } from '../src/main/core/engine/backend'
import { passSize } from '../src/main/core/engine/memory'
import { smallRecurrentSteps, useStockRecurrent } from '../src/main/core/engine/recurrent/fused-layers'
import { pairDirections } from '../src/main/core/engine/recurrent/paired-lstm'
import { fusedKeptBytes } from '../src/main/core/engine/recurrent/fused-sequence'
import { buildNetwork } from '../src/main/core/engine/models'
import { useStockConvolution } from '../src/main/core/engine/conv-max'
import { makeOptimizer } from '../src/main/core/engine/optimizer'
import { seedMathRandom } from '../src/main/core/engine/random'
import { trainStep } from '../src/main/core/engine/train-step'
import { findPreset } from '../src/shared/training/presets'
import { trainConfigSchema } from '../src/shared/training/config'
import { bytesPerExample } from '../src/shared/training/size'
import type { BackendName } from '../src/shared/types'

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'sentimentnet-bilstm' },
    dim: { type: 'string' },
    model: { type: 'string' },
    batch: { type: 'string' },
    micro: { type: 'string' },
    stock: { type: 'string', default: '' },
    steps: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    peak: { type: 'boolean', default: false },
    kernels: { type: 'boolean', default: false },
    'stock-recurrent': { type: 'boolean', default: false },
    'one-thread-pairs': { type: 'boolean', default: false },
    'stock-conv': { type: 'boolean', default: false },
  },
})

async function main() {
  const preset = findPreset(values.preset!)
  if (!preset) throw new Error(`No preset ${values.preset}`)
  const config = trainConfigSchema.parse({
    ...preset.config,
    ...(values.dim ? { embeddingDim: Number(values.dim) } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
  })
  seedMathRandom(config.seed)
  const backendName = values.backend as BackendName
  const stockNames = values.stock!.split(',').filter(Boolean)
  const stock = await Promise.all(stockNames.map((name) => stockKernel(backendName, name)))
  // The threads a training job of this config gets (SENTIMENT_STUDIO_THREADS overrides).
  const backend = await useBackend(backendName, smallRecurrentSteps(config))
  useStockRecurrent(values['stock-recurrent']!)
  pairDirections(!values['one-thread-pairs'])
  useStockConvolution(values['stock-conv']!)
  for (const kernel of stock) {
    tf.unregisterKernel(kernel.kernelName, backendName)
    tf.registerKernel(kernel)
  }
  const vocab = 5000
  const net = buildNetwork(config, { vocabSize: vocab, classes: 2 })
  const optimizer = makeOptimizer(config)
  const vars = net.body.trainableWeights.map((w) => w.read() as tf.Variable)
  const batch = config.batchSize
  const width = net.width
  const steps = Number(values.steps)
  const n = batch * (steps + 1)
  const x = new Int32Array(n * width)
  for (let i = 0; i < x.length; i++) x[i] = 2 + Math.floor(Math.random() * (vocab - 2))
  const labels = new Uint16Array(n).map(() => (Math.random() < 0.5 ? 0 : 1))
  const data = { x, width, labels, n, lengths: null }
  const order = Int32Array.from({ length: n }, (_, i) => i)
  const micro = values.micro ? Number(values.micro) : passSize(config, width, backendName, batch)
  const times: number[] = []
  let mainCpu = 0
  const cpu: number[] = []
  const sys: number[] = []
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
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
      width,
      micro,
    )
    times.push(performance.now() - t0)
    const c1 = process.cpuUsage(c0)
    cpu.push((c1.user + c1.system) / 1000)
    sys.push(c1.system / 1000)
    if (s === 0) mainCpu = -mainThreadMs()
  }
  mainCpu += mainThreadMs()
  // With --peak, one more step under tf.profile: the most tensor memory held at once, above what was
  // held before (tf.profile overflows the stack on passes of some hundred thousand kernels).
  const before = tf.memory().numBytes
  const keptBefore = fusedKeptBytes()
  const profile = values.peak
    ? await tf.profile(() =>
        trainStep(net, optimizer, vars, config.clipNorm, config.learningRate, data, 0, batch, order, width, micro).then(
          () => [] as tf.Tensor[],
        ),
      )
    : null
  if (values.kernels) {
    const { kernels } = await tf.profile(() =>
      trainStep(net, optimizer, vars, config.clipNorm, config.learningRate, data, 0, batch, order, width, micro).then(
        () => [] as tf.Tensor[],
      ),
    )
    const byName = new Map<string, { count: number; ms: number }>()
    for (const k of kernels) {
      const entry = byName.get(k.name) ?? { count: 0, ms: 0 }
      entry.count++
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0
      byName.set(k.name, entry)
    }
    for (const [name, { count, ms }] of [...byName].sort((a, b) => b[1].ms - a[1].ms))
      console.log(`${name} x${count}: ${ms.toFixed(1)} ms`)
  }
  const measured = times.slice(1) // the first step compiles and allocates
  const ms = measured.reduce((a, b) => a + b, 0) / measured.length
  console.log(
    JSON.stringify({
      preset: preset.name,
      model: config.model,
      backend: backend.detail,
      embeddingDim: config.embeddingDim,
      maxLen: width,
      batch,
      micro,
      stockKernels: stockNames,
      recurrent: values['stock-recurrent'] ? 'stock' : 'fused',
      convolution: values['stock-conv'] ? 'stock' : 'conv-max',
      pairedDirections: !values['one-thread-pairs'],
      firstStepMs: Math.round(times[0]!),
      stepMs: Math.round(ms),
      samplesPerSecond: +((batch * 1000) / ms).toFixed(1),
      // This process's CPU time: less sensitive than the wall clock to other processes on the cores.
      cpuMsPerStep: Math.round(cpu.slice(1).reduce((a, b) => a + b, 0) / measured.length),
      // Of which the kernel's (page faults of fresh allocations, futexes).
      sysCpuMsPerStep: Math.round(sys.slice(1).reduce((a, b) => a + b, 0) / measured.length),
      // Of which the JavaScript thread's (Linux): on two idle cores a step takes about this plus half the rest.
      mainThreadCpuMsPerStep: Number.isNaN(mainCpu) ? null : Math.round(mainCpu / measured.length),
      tensors: tf.memory().numTensors,
      peakPassMbPerExample: profile && +((profile.peakBytes - before) / Math.min(micro, batch) / 2 ** 20).toFixed(2),
      // The fused layers' JavaScript buffers of the same step, outside tf.memory: all of one pass live at once.
      fusedKeptMbPerExample: profile && +((fusedKeptBytes() - keptBefore) / batch / 2 ** 20).toFixed(2),
      estimateMbPerExample: +(bytesPerExample(config, width) / 2 ** 20).toFixed(2),
    }),
  )
}

/** The JavaScript thread's CPU time so far in ms (NaN where /proc is not there). */
function mainThreadMs(): number {
  const stat = `/proc/self/task/${process.pid}/stat`
  if (!existsSync(stat)) return NaN
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ')
  // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** The backend's own kernel, read before this project's kernels replace it. */
async function stockKernel(backend: BackendName, name: string): Promise<tf.KernelConfig> {
  await import(backend === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs')
  const k = tf.getKernel(name, backend)
  if (!k) throw new Error(`${backend} has no ${name} kernel`)
  return { ...k }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
