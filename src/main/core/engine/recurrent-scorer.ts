/**
 * The recurrent kinds (simple RNN, LSTM, GRU, BiLSTM; stacked, any readout) scored for inference only,
 * on the wasm (or cpu) backend's own kernels without tensors, tape or anything kept for a backward
 * pass (`recurrent-encoder.ts`). Per time step and direction: one product h U through the backend's
 * BatchMatMul, the input part added by its Add, then every gate's nonlinearity in one call of its
 * Sigmoid kernel (XNNPACK's vectorized one on wasm, about 2 ns a value here against 14 for
 * Math.exp): a tanh is 2 sigmoid(2x) - 1, so the tanh gates' columns are doubled once in the
 * weights. Only the cell update is JavaScript.
 *
 * The first layer's input part depends on the word only: each word's x W + b for both directions is
 * computed once (many words per product) and kept, up to `maxCacheBytes` (as `cnn-scorer.ts` does),
 * so that layer costs no input product; an upper layer's is one product per few dozen steps. The
 * last layer keeps only what the readout reads (the last states, the first and last outputs, or a
 * running max or sum). With `threads`, a worker thread with a backend of its own (`recurrent-thread.ts`)
 * scores half of each large batch while this one scores the other: the steps' products are each too
 * small to split. Tested equal to the tfjs model (`recurrent-scorer.test.ts`).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { startWorkerThread } from '../jobs/worker-thread'
import * as tf from '@tensorflow/tfjs'
import type { RecurrentCell } from './recurrent/fused-sequence'
import { sharedFloats } from './embedding-table'
import type { Network } from './models'
import {
  backendKernels,
  Encoder,
  gateBlocks,
  product,
  type Direction,
  type DirectionWeights,
  type Readout,
} from './recurrent-encoder'
import type { RecurrentThreadData, RecurrentThreadReply, RecurrentThreadRequest } from './recurrent-thread'
import { storage, writeValues } from './kernels/values'

type Config = Record<string, unknown>

const cellOf: Partial<Record<string, { cell: RecurrentCell; className: string; bidirectional: boolean }>> = {
  rnn: { cell: 'rnn', className: 'SimpleRNN', bidirectional: false },
  lstm: { cell: 'lstm', className: 'LSTM', bidirectional: false },
  gru: { cell: 'gru', className: 'GRU', bidirectional: false },
  bilstm: { cell: 'lstm', className: 'LSTM', bidirectional: true },
}

/** Classes that may appear in a recurrent body besides the recurrent layers (readouts, dropout). */
const readoutClasses = new Set([
  'InputLayer',
  'Dropout',
  'GlobalMaxPooling1D',
  'GlobalAveragePooling1D',
  'Reshape',
  'Cropping2D',
  'Flatten',
  'Concatenate',
])

/** Batches of fewer rows are scored on this thread alone (a thread's round trip is not worth it). */
const minRowsToShare = 32

export interface RecurrentScorerOptions {
  maxCacheBytes?: number
  /**
   * Worker threads besides this one: by default one where the machine has two cores or more. It
   * starts with the first batch of `minRowsToShare` rows or more and takes shares once it is up.
   */
  threads?: 0 | 1
  /** Wait for the thread to be up rather than scoring without it meanwhile, and fail with it (tests). */
  waitForThread?: boolean
  /** Told when the thread fails: its share of that batch, and every later batch, is scored here. */
  onThreadFailure?: (err: Error) => void
}

/** Whether a recurrent layer's config is the one this pass reproduces. */
function recurrentConfigOk(c: Config, className: string, units: number, returnSequences: boolean): boolean {
  const name = (v: unknown) => (typeof v === 'string' ? v : ((v as Config | null)?.['className'] ?? null))
  return (
    c.units === units &&
    c.useBias !== false &&
    name(c.activation) === 'tanh' &&
    (className === 'SimpleRNN' || name(c.recurrentActivation) === 'sigmoid') &&
    !c.stateful &&
    !c.returnState &&
    !c.goBackwards &&
    !c.unroll &&
    (c.dropout ?? 0) === 0 &&
    (c.recurrentDropout ?? 0) === 0 &&
    c.returnSequences === returnSequences
  )
}

/**
 * The logits of n rows of `width` token ids, or null when the network is not a recurrent kind in the
 * layer stack `model-builders.ts` makes, or the backend is not wasm or cpu (then tfjs scores it).
 * Calls are queued: one batch at a time.
 */
export function recurrentLogits(
  net: Network,
  options: RecurrentScorerOptions = {},
): ((x: Int32Array, n: number) => Promise<Float32Array>) | null {
  const backend = tf.getBackend()
  const config = net.config
  const kind = cellOf[config.model]
  if (!kind || net.pooling || (backend !== 'wasm' && backend !== 'cpu')) return null
  const { cell, className, bidirectional } = kind
  const units = config.hiddenUnits
  const g = gateBlocks[cell] * units
  const named = new Map(net.body.layers.map((l) => [l.name, l]))
  const layers: DirectionWeights[][] = []
  const seen = new Set<string>()
  for (let l = 0; l < config.layers; l++) {
    const returnSequences = l < config.layers - 1 || config.readout !== 'last'
    const layer = named.get(bidirectional ? `bidirectional_${l}` : `recurrent_${l}`)
    if (!layer) return null
    seen.add(layer.name)
    let inner: Config
    if (bidirectional) {
      const c = layer.getConfig() as Config
      const wrapped = c.layer as Config | undefined
      if (layer.getClassName() !== 'Bidirectional' || c.mergeMode !== 'concat' || wrapped?.className !== className)
        return null
      inner = wrapped.config as Config
    } else {
      if (layer.getClassName() !== className) return null
      inner = layer.getConfig() as Config
    }
    if (!recurrentConfigOk(inner, className, units, returnSequences)) return null
    const weights = layer.getWeights()
    const inputs = l === 0 ? net.table.dim : (bidirectional ? 2 : 1) * units
    if (weights.length !== (bidirectional ? 6 : 3)) return null
    const directions: DirectionWeights[] = []
    for (let d = 0; d < weights.length / 3; d++) {
      const [k, rk, b] = weights.slice(3 * d, 3 * d + 3) as [tf.Tensor, tf.Tensor, tf.Tensor]
      if (k.shape.join() !== [inputs, g].join() || rk.shape.join() !== [units, g].join() || b.shape.join() !== `${g}`)
        return null
      const floats = (t: tf.Tensor) => Float32Array.from(t.dataSync())
      directions.push({ backwards: d === 1, inputs, kernel: floats(k), recurrent: floats(rk), bias: floats(b) })
    }
    layers.push(directions)
  }
  const logits = named.get('logits')
  if (!logits || logits.getClassName() !== 'Dense' || (logits.getConfig() as Config).activation !== 'linear')
    return null
  seen.add('logits')
  for (const layer of net.body.layers)
    if (!seen.has(layer.name) && !readoutClasses.has(layer.getClassName())) return null
  const spec = { cell, units, steps: net.width, readout: config.readout satisfies Readout, layers }
  const encoder = new Encoder(spec)
  const [dk, db] = logits.getWeights() as [tf.Tensor, tf.Tensor | undefined]
  if (dk.shape[0] !== encoder.width) return null
  const readout = {
    kernel: dk.dataSync() as Float32Array,
    bias: db ? (db.dataSync() as Float32Array) : null,
    outputs: dk.shape[1]!,
  }
  const words = new WordGates(
    net.table.values,
    net.table.dim,
    encoder.directions[0]!,
    options.maxCacheBytes ?? 128 << 20,
  )
  const threads = options.threads ?? (availableParallelism() > 1 ? 1 : 0)
  let thread: EncoderThread | null = null
  const steps = net.width
  const score = async (x: Int32Array, n: number): Promise<Float32Array> => {
    const out = new Float32Array(n * readout.outputs)
    if (n === 0) return out
    const at = words.blocksOf(x, n * steps)
    let mine = n
    if (threads > 0 && n >= minRowsToShare) {
      thread ??= new EncoderThread({ backend, spec })
      // This thread scores the first half, the worker the rest.
      if (options.waitForThread && !(await thread.started))
        throw new Error('The recurrent scorer thread did not start.')
      if (thread.up) mine = n >> 1
    }
    const theirs = mine < n ? thread!.features({ cache: words.cache, at: at.slice(mine * steps) }, n - mine) : null
    const f = new Float32Array(n * encoder.width)
    f.set(encoder.features({ cache: words.cache, at }, mine))
    if (theirs) {
      // A failed thread's share is scored here (the thread is not asked again).
      const rest = await theirs.catch((err: Error) => {
        if (options.waitForThread) throw err
        options.onThreadFailure?.(err)
        return encoder.features({ cache: words.cache, at: at.subarray(mine * steps) }, n - mine)
      })
      f.set(rest, mine * encoder.width)
    }
    words.release()
    const { kernel, bias, outputs } = readout
    const width = encoder.width
    for (let r = 0; r < n; r++)
      for (let u = 0; u < outputs; u++) {
        let s = bias ? bias[u]! : 0
        for (let j = 0; j < width; j++) s += f[r * width + j]! * kernel[j * outputs + u]!
        out[r * outputs + u] = s
      }
    return out
  }
  let queue: Promise<unknown> = Promise.resolve()
  return (x, n) => {
    const next = queue.then(() => score(x, n))
    queue = next.catch(() => undefined)
    return next
  }
}

/** The thread on its entry (built beside the job's bundle, else the source). */
const startThread = (data: RecurrentThreadData) =>
  startWorkerThread(__dirname, { built: 'recurrent-thread.js', source: 'recurrent-thread.ts' }, data)

/** The scorer's worker thread, asked one share at a time; `started` is false if it could not start. */
class EncoderThread {
  readonly started: Promise<boolean>
  up = false
  private pending: { resolve: (f: Float32Array) => void; reject: (e: Error) => void } | null = null
  private failed = false
  private readonly worker: Worker

  constructor(data: RecurrentThreadData) {
    this.worker = startThread(data)
    this.worker.unref()
    let ready: (ok: boolean) => void = () => {}
    this.started = new Promise((resolve) => (ready = resolve))
    const fail = (message: string) => {
      this.failed = true
      this.up = false
      ready(false)
      this.pending?.reject(new Error(`A recurrent scorer thread failed: ${message}`))
      this.pending = null
    }
    this.worker.on('message', (reply: RecurrentThreadReply) => {
      if (reply === 'ready') {
        this.up = true
        ready(true)
      } else if ('error' in reply) fail(reply.error)
      else {
        this.pending?.resolve(reply.features)
        this.pending = null
      }
    })
    this.worker.on('error', (err) => fail(err.message))
    this.worker.on('exit', (code) => fail(`it exited with code ${code}`))
  }

  features(words: RecurrentThreadRequest['words'], n: number): Promise<Float32Array> {
    if (this.failed) return Promise.reject(new Error('A recurrent scorer thread failed earlier.'))
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.worker.postMessage({ words, n } satisfies RecurrentThreadRequest)
    })
  }
}

/**
 * The first layer's input part per word: x W + b of every direction (a block of directions x G
 * floats, tanh columns doubled), computed for a batch's new words in one product and kept up to
 * `maxCacheBytes`; past that, a batch's other words get blocks of their own that `release` frees.
 * In shared memory: the scorer's thread reads it in place.
 */
class WordGates {
  cache: Float32Array
  private readonly block: number
  /** A word's block's start in `cache`, -1 until computed. */
  private readonly slot: Int32Array
  private kept = 0
  private readonly maxKept: number
  private used = 0
  /** [D, directions x G]: every direction's input kernel side by side, and their biases. */
  private readonly kernel: tf.Tensor2D
  private readonly bias: tf.Tensor1D

  constructor(
    private readonly values: Float32Array,
    private readonly dim: number,
    directions: Direction[],
    maxCacheBytes: number,
  ) {
    this.block = directions.length * directions[0]!.input.shape[1]
    this.slot = new Int32Array(values.length / dim).fill(-1)
    this.maxKept = Math.max(1, Math.floor(maxCacheBytes / 4 / this.block))
    this.cache = sharedFloats(Math.min(this.maxKept, 1024) * this.block)
    this.kernel = tf.concat(
      directions.map((d) => d.input),
      1,
    )
    this.bias = tf.concat(directions.map((d) => d.bias))
  }

  /** Each of the `count` ids' block start, computing the blocks of words not seen before. */
  blocksOf(ids: Int32Array, count: number): Int32Array {
    const at = new Int32Array(count)
    const fresh: number[] = []
    const local = new Map<number, number>()
    for (let i = 0; i < count; i++) {
      const id = ids[i]!
      let s = this.slot[id]!
      if (s < 0) s = local.get(id) ?? -1
      if (s < 0) {
        s = this.used
        this.used += this.block
        if (this.kept < this.maxKept) {
          this.kept++
          this.slot[id] = s
        } else local.set(id, s)
        fresh.push(id)
      }
      at[i] = s
    }
    if (fresh.length) this.compute(fresh, this.used - fresh.length * this.block)
    return at
  }

  /** Frees the blocks of the words that are not kept (past the cap). */
  release(): void {
    this.used = this.kept * this.block
  }

  /** The blocks of `ids`, laid one after the other from `from`, in products of up to 4,096 words. */
  private compute(ids: number[], from: number): void {
    if (this.used > this.cache.length) {
      const grown = sharedFloats(Math.max(this.used, this.cache.length * 2))
      grown.set(this.cache)
      this.cache = grown
    }
    const k = backendKernels()
    const { dim, values, block } = this
    for (let start = 0; start < ids.length; start += 4096) {
      const m = Math.min(4096, ids.length - start)
      const rows = new Float32Array(m * dim)
      for (let i = 0; i < m; i++) rows.set(values.subarray(ids[start + i]! * dim, (ids[start + i]! + 1) * dim), i * dim)
      const a = writeValues(k.backend, [m, dim], 'float32', rows)
      const p = product(k, a, this.kernel, this.bias)
      this.cache.set(storage(k.backend, p), from + start * block)
      k.backend.disposeData(a.dataId)
      k.backend.disposeData(p.dataId)
    }
  }
}
