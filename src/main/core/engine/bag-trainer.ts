/**
 * A bag of n-grams (`ngram-bag`) trained in plain JavaScript. Its body after the table's mean is at
 * most a dropout and the logits layer, so a step is the table's gather-mean, one small product, the
 * loss and their gradients: done here on typed arrays and on every core, a step makes no tensors,
 * no tape and no kernel calls (on wasm the tfjs path ran at half this rate on aclImdb). The math is the tfjs path's
 * (`train-step.ts`): the same loss, clipping by the global norm of every gradient, the table's own
 * lazy (sparse) update of the rows the batch touched, and the run's optimizer for the logits layer
 * by tfjs's own rules, so its slots are saved and read under tfjs's names and a checkpoint resumes
 * on either path. The logits layer's weights live here while training runs; `writeBody` puts them
 * into the tfjs body before anything reads it (validation, checkpoints, the bundle).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { startWorkerThread } from '../jobs/worker-thread'
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { threadsVariable } from '../backends/native'
import { crossEntropy, poolExamples, RowShare, sgdExamples, type BagMemory } from './bag-kernels'
import type { BagThreadData, BagThreadRequest } from './bag-thread'
import { sharedFloats, sumOfSquares } from './embedding-table'
import type { NamedTensor } from './model-files'
import type { Network } from './models'

/** Adam and RMSProp constants, as tfjs uses them (its float32 backends' epsilon). */
const beta1 = 0.9
const beta2 = 0.999
const rmsDecay = 0.9
const epsilon = 1e-7

/** Why the JavaScript trainer cannot train this network (the tfjs path does), or null when it can. */
export function bagTrainerRefusal(net: Network): string | null {
  const config = net.config
  if (!config.bagTrainer) return 'bagTrainer is off'
  if (config.model !== 'ngram-bag' || net.pooling !== 'mean') return `${config.model} is not a mean-pooled bag`
  const kinds = net.body.layers.map((l) => l.getClassName())
  const logits = net.body.layers.at(-1)!
  const allowed = kinds.every((k, i) =>
    i === kinds.length - 1 ? k === 'Dense' : k === 'InputLayer' || k === 'Dropout',
  )
  if (!allowed) return `its body has ${kinds.join(', ')}`
  if (logits.getConfig().activation !== 'linear' || logits.weights.length !== 2)
    return 'its logits layer is not linear with a bias'
  return null
}

/** One trained weight of the logits layer, its optimizer slots, and the tfjs variable it mirrors. */
interface Param {
  name: string
  values: Float32Array
  slots: Float32Array[]
  grad: Float32Array
}

export class BagTrainer {
  readonly dim: number
  readonly units: number
  /** The logits layer's kernel (dim x units, row-major as tfjs keeps it) and bias. */
  private readonly kernel: Param
  private readonly bias: Param
  /** Updates of the logits layer so far (tfjs's `iterations`: Adam's bias correction). */
  private iterations = 0
  private readonly dropout: number
  /**
   * Threads in all (this one included): SENTIMENT_STUDIO_THREADS, else one per core; one for a frozen
   * table or per-example updates (each example reads the rows the one before it moved).
   */
  readonly threads: number
  /** The memory the threads share, for the rows being trained on (made at the first step). */
  private memory: BagMemory | null = null
  /** This thread's share of the rows (the first), and the other threads. */
  private share: RowShare | null = null
  private workers: BagThread[] = []

  constructor(
    readonly net: Network,
    private readonly config: TrainConfig,
    threads?: number,
  ) {
    const why = bagTrainerRefusal(net)
    if (why) throw new Error(`The JavaScript bag trainer cannot train this model: ${why}.`)
    this.dim = net.table.dim
    const logits = net.body.layers.at(-1)!
    this.units = logits.getConfig().units as number
    const slotCount = { sgd: 0, momentum: 1, adam: 2, rmsprop: 2 }[config.optimizer]
    const param = (i: number): Param => {
      // The tfjs variable's name: its optimizer names the slots after it.
      const variable = logits.weights[i]!.read() as tf.Variable
      const values = Float32Array.from(variable.dataSync())
      return {
        name: variable.name,
        values,
        slots: Array.from({ length: slotCount }, () => new Float32Array(values.length)),
        grad: new Float32Array(values.length),
      }
    }
    this.kernel = param(0)
    this.bias = param(1)
    this.dropout = config.dropout
    const wanted = Number(process.env[threadsVariable])
    this.threads =
      !net.table.trainable || config.bagUpdate === 'example'
        ? 1
        : (threads ?? (Number.isInteger(wanted) && wanted >= 1 ? wanted : availableParallelism()))
  }

  /** The logits of n rows of ids (inference: no dropout). */
  logits(ids: Int32Array, n: number): Float32Array {
    return this.readout(this.net.table.gatherPooled(ids, this.net.width, 'mean'), n)
  }

  private readout(h: Float32Array, n: number): Float32Array {
    const { dim: d, units: u } = this
    const k = this.kernel.values
    const b = this.bias.values
    const z = new Float32Array(n * u)
    for (let r = 0; r < n; r++)
      for (let j = 0; j < u; j++) {
        let s = b[j]!
        for (let i = 0; i < d; i++) s += h[r * d + i]! * k[i * u + j]!
        z[r * u + j] = s
      }
    return z
  }

  /**
   * One optimizer step on rows [from, to) of `x` in `order`, at rate `lr`: the batch's mean loss and
   * accuracy before the update, as the tfjs step reports them. The table's loops run on the threads:
   * the mean rows split by example, the gradient and update of the table split by row.
   */
  async step(
    x: Int32Array,
    labels: Uint16Array,
    from: number,
    to: number,
    order: Int32Array,
    lr: number,
    clipNorm: number,
  ): Promise<[number, number]> {
    const { dim: d, units: u, net } = this
    const n = to - from
    const m = this.memoryFor(x, n)
    const ys = new Int32Array(n)
    for (let r = 0; r < n; r++) {
      m.starts[r] = order[from + r]! * m.width
      ys[r] = labels[order[from + r]!]!
    }
    if (this.config.bagUpdate === 'example') {
      const readout = { kernel: this.kernel.values, bias: this.bias.values, units: u }
      const [loss, hits] = sgdExamples(m, readout, ys, n, lr, net.table.trainable)
      // Each example was an update, of the layer and of the table, as a batch of one is.
      this.iterations += n
      if (net.table.trainable) net.table.updates += n
      return [loss / n, hits / n]
    }
    // Each thread pools an equal run of the batch's examples; this one the first.
    const parts = this.workers.length + 1
    const cut = (p: number) => Math.round((n * p) / parts)
    await this.onAll(
      (w, p) => w.ask({ kind: 'pool', r0: cut(p), r1: cut(p + 1) }),
      () => poolExamples(m, 0, cut(1)),
    )
    const h = m.h.slice(0, n * d)
    // Inverted dropout, from the seeded Math.random as tfjs's masks are.
    const keep = 1 - this.dropout
    const mask = this.dropout > 0 ? Float32Array.from(h, () => (Math.random() < keep ? 1 / keep : 0)) : null
    if (mask) for (let i = 0; i < h.length; i++) h[i]! *= mask[i]!
    const z = this.readout(h, n)
    // The loss's gradient wrt the logits, in place: sigmoid or softmax cross-entropy, averaged over the batch.
    let loss = 0
    let hits = 0
    for (let r = 0; r < n; r++) {
      const [l, hit] = crossEntropy(z, r * u, u, ys[r]!, n)
      loss += l
      hits += hit
    }
    // Gradients of the logits layer, and of the pooled rows (through the dropout mask) into shared memory.
    const k = this.kernel.values
    const dk = this.kernel.grad
    const db = this.bias.grad
    dk.fill(0)
    db.fill(0)
    const dh = m.dh
    dh.fill(0, 0, n * d)
    for (let r = 0; r < n; r++)
      for (let j = 0; j < u; j++) {
        const g = z[r * u + j]!
        db[j]! += g
        for (let i = 0; i < d; i++) {
          dk[i * u + j]! += h[r * d + i]! * g
          dh[r * d + i]! += k[i * u + j]! * g
        }
      }
    if (mask) for (let i = 0; i < n * d; i++) dh[i]! *= mask[i]!
    const trainTable = net.table.trainable
    // The table's gradient, each thread its share of the rows, and their squares for clipping.
    const squares = trainTable
      ? await this.onAll(
          (w) => w.ask({ kind: 'gradient', n }),
          () => this.share!.accumulate(m, n),
        )
      : [0]
    let scale = 1
    if (clipNorm > 0) {
      const norm = Math.sqrt(sumOfSquares(dk) + sumOfSquares(db) + squares.reduce((a, b) => a + b, 0))
      if (norm > clipNorm) scale = clipNorm / norm
    }
    this.iterations++
    this.update(this.kernel, lr, scale)
    this.update(this.bias, lr, scale)
    if (trainTable) {
      const t = ++net.table.updates
      await this.onAll(
        (w) => w.ask({ kind: 'apply', scale, lr, t }),
        () => this.share!.apply(m, net.table, scale, lr, t),
      )
    }
    return [loss / n, hits / n]
  }

  /** Runs `own` here and `other` on every other thread, together; their answers, this thread's first. */
  private async onAll(
    other: (w: BagThread, part: number) => Promise<number>,
    own: () => number | void,
  ): Promise<number[]> {
    const others = this.workers.map((w, i) => other(w, i + 1))
    const mine = own() ?? 0
    return [mine, ...(await Promise.all(others))]
  }

  /** The shared memory for training on `x` (batches up to n), and the threads on it: made anew for other rows. */
  private memoryFor(x: Int32Array, n: number): BagMemory {
    if (this.memory?.x === x && this.memory.starts.length >= n) return this.memory
    this.close()
    const d = this.dim
    const size = Math.max(n, this.config.batchSize)
    const table = this.net.table
    const memory: BagMemory = {
      x,
      width: this.net.width,
      dim: d,
      table: table.values,
      slotA: table.slotA,
      slotB: table.slotB,
      starts: new Int32Array(new SharedArrayBuffer(size * 4)),
      counts: new Int32Array(new SharedArrayBuffer(size * 4)),
      h: sharedFloats(size * d),
      dh: sharedFloats(size * d),
    }
    // Rows, table or slots not in shared memory (made elsewhere) keep the work on this thread.
    const sharable = [x, table.values, table.slotA, table.slotB].every(
      (a) => !a || a.buffer instanceof SharedArrayBuffer,
    )
    const parts = sharable ? this.threads : 1
    this.share = new RowShare(table.rows, d, 0, parts)
    const optimizer = { optimizer: table.optimizer, momentum: table.momentum }
    this.workers = Array.from(
      { length: parts - 1 },
      (_, i) => new BagThread({ memory, tableRows: table.rows, part: i + 1, parts, optimizer }),
    )
    this.memory = memory
    return memory
  }

  /** Ends the threads (they do not keep a process alive either). */
  close(): void {
    for (const w of this.workers) void w.worker.terminate()
    this.workers = []
    this.memory = null
  }

  /** One update of a logits weight by tfjs's rule for the run's optimizer (tfjs's Adam puts epsilon after the bias correction). */
  private update(p: Param, lr: number, scale: number): void {
    const w = p.values
    const [a, b] = p.slots
    const t = this.iterations
    const correct1 = 1 - beta1 ** t
    const correct2 = 1 - beta2 ** t
    for (let i = 0; i < w.length; i++) {
      const g = p.grad[i]! * scale
      switch (this.config.optimizer) {
        case 'sgd':
          w[i]! -= lr * g
          break
        case 'momentum':
          a![i] = this.config.momentum * a![i]! + g
          w[i]! -= lr * a![i]!
          break
        case 'adam':
          a![i] = beta1 * a![i]! + (1 - beta1) * g
          b![i] = beta2 * b![i]! + (1 - beta2) * g * g
          w[i]! -= (lr * (a![i]! / correct1)) / (Math.sqrt(b![i]! / correct2) + epsilon)
          break
        case 'rmsprop':
          a![i] = rmsDecay * a![i]! + (1 - rmsDecay) * g * g
          b![i] = this.config.momentum * b![i]! + (lr * g) / Math.sqrt(a![i]! + epsilon)
          w[i]! -= b![i]!
          break
      }
    }
  }

  /** The logits layer's weights into the tfjs body (before validation, checkpoints and the bundle read it). */
  writeBody(): void {
    const logits = this.net.body.layers.at(-1)!
    const [kernel, bias] = [tf.tensor2d(this.kernel.values, [this.dim, this.units]), tf.tensor1d(this.bias.values)]
    logits.setWeights([kernel, bias])
    tf.dispose([kernel, bias])
  }

  /** Takes the body's weights back (after a checkpoint was read into it). */
  readBody(): void {
    const [kernel, bias] = this.net.body.layers.at(-1)!.getWeights()
    this.kernel.values.set(kernel!.dataSync())
    this.bias.values.set(bias!.dataSync())
  }

  /** The logits layer's optimizer slots as tfjs's optimizer names and orders them (`getWeights`). */
  slotTensors(): NamedTensor[] {
    const suffixes = { sgd: [], momentum: ['momentum'], adam: ['m', 'v'], rmsprop: ['rms', 'momentum'] }[
      this.config.optimizer
    ]
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }]
    suffixes.forEach((suffix, s) => {
      for (const p of [this.kernel, this.bias])
        out.push({ name: `${p.name}/${suffix}`, tensor: tf.tensor(p.slots[s]!, this.shapeOf(p)) })
    })
    return out
  }

  /** Slots saved by `slotTensors` or by the tfjs optimizer (which has none before its first update). */
  async setSlots(saved: NamedTensor[]): Promise<void> {
    const [iter, ...slots] = saved
    this.iterations = iter ? (await iter.tensor.data())[0]! : 0
    const params = [this.kernel, this.bias]
    for (let i = 0; i < slots.length; i++)
      params[i % 2]!.slots[Math.floor(i / 2)]!.set((await slots[i]!.tensor.data()) as Float32Array)
  }

  private shapeOf(p: Param): number[] {
    return p === this.kernel ? [this.dim, this.units] : [this.units]
  }
}

/** The thread on its entry (built beside the job's bundle, else the source). */
const startThread = (data: BagThreadData) =>
  startWorkerThread(__dirname, { built: 'bag-thread.js', source: 'bag-thread.ts' }, data)

/** A worker thread of the trainer, asked one request at a time. */
class BagThread {
  readonly worker: Worker
  private pending: { resolve: (v: number) => void; reject: (e: Error) => void } | null = null

  constructor(data: BagThreadData) {
    this.worker = startThread(data)
    this.worker.unref()
    this.worker.on('message', (v: number) => {
      this.pending?.resolve(v)
      this.pending = null
    })
    const fail = (err: Error) => {
      this.pending?.reject(new Error(`A bag trainer thread failed: ${err.message}`))
      this.pending = null
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)))
  }

  ask(request: BagThreadRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.worker.postMessage(request)
    })
  }
}
