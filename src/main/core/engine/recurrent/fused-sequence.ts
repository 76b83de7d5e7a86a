/**
 * A whole recurrent sequence (LSTM, GRU or simple RNN, tfjs-layers' formulation with logistic gates
 * and tanh) as one op forward and one op backward (`tf.customGrad`), in place of tfjs-layers' dozens
 * of small ops per time step, each with its JavaScript bookkeeping and tape entry.
 *
 * Forward: the input projection of every step is one product ([B*T, D] x [D, G], the input's own
 * rows, so no transpose or time reversal: a step reads its rows B at a stride of T); each step is one
 * recurrent product (two for the GRU) through the backend's own BatchMatMul kernel
 * (`StepProduct`), and the gate math runs in JavaScript over preallocated Float32Arrays that the
 * backward pass keeps (gates, cells, states). Backward: each step's gate gradients overwrite its
 * gates in place and one product per step carries the state's gradient back; the recurrent weights'
 * gradient is then one product over all steps, and so are the input's and the input weights'.
 */
import * as tf from '@tensorflow/tfjs'
import { StepProduct } from './step-product'
import { inputGradientOf } from './input-gradient'

export type RecurrentCell = 'lstm' | 'gru' | 'rnn'

export interface SequenceOptions {
  cell: RecurrentCell
  returnSequences: boolean
  goBackwards: boolean
  /** False where the input is a constant (`withFrozenInput`): its gradient is then zeros, not computed. */
  inputGradient: boolean
}

/** Gates per unit in the kernel's columns: LSTM i, f, c, o; GRU z, r, h; simple RNN one. */
export const gatesPerUnit: Record<RecurrentCell, number> = { lstm: 4, gru: 3, rnn: 1 }

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))

let keptBytes = 0
/**
 * Bytes of the buffers every fused forward so far allocated for its backward pass: JavaScript memory,
 * outside the backend's (wasm's heap, tf.memory), which a benchmark adds to the tensors' peak.
 */
export const fusedKeptBytes = () => keptBytes

/** The gates' row of example `b` at time `t`: gate rows are the input's, [B * T, G]. */
const row = (b: number, t: number, steps: number) => b * steps + t

/** Step-major outputs [T, B, H] as the layer's [B, T, H], in the order the steps ran. */
function batchMajor(stepMajor: Float32Array, { batch, steps, units }: Shapes): Float32Array {
  const out = new Float32Array(batch * steps * units)
  for (let s = 0; s < steps; s++)
    for (let b = 0; b < batch; b++) {
      const from = (s * batch + b) * units
      out.set(stepMajor.subarray(from, from + units), row(b, s, steps) * units)
    }
  return out
}

/** What a cell's forward keeps for its backward pass, besides the gates. */
interface Kept {
  /** States h, [(T + 1) * B * H]: block 0 the zero initial state, block s + 1 the output of step s. */
  states: Float32Array
  /** LSTM: cells, laid out as states. GRU: each step's r * h of the state before, [T * B * H]. */
  extra: Float32Array
}

interface Shapes {
  batch: number
  steps: number
  units: number
  /** Step s reads time steps - 1 - s (tfjs's goBackwards); its outputs stay in the order run. */
  goBackwards: boolean
}

/** The time step that step `s` reads. */
const timeOf = (s: number, { steps, goBackwards }: Shapes) => (goBackwards ? steps - 1 - s : s)

/** Step-major rows [T, B, H] (block s for step s) reordered as the gate rows, [B * T, H]. */
function asGateRows(stepMajor: Float32Array, shapes: Shapes): Float32Array {
  const { batch, steps, units } = shapes
  const rows = new Float32Array(batch * steps * units)
  for (let s = 0; s < steps; s++) {
    const t = timeOf(s, shapes)
    for (let b = 0; b < batch; b++) {
      const from = (s * batch + b) * units
      rows.set(stepMajor.subarray(from, from + units), row(b, t, steps) * units)
    }
  }
  return rows
}

/**
 * Runs the sequence over the gates' input part `gates` ([B * T, G], projection plus bias), which it
 * overwrites with the gate activations. `recurrent` is the recurrent kernel [H, G].
 */
function forward(cell: RecurrentCell, gates: Float32Array, recurrent: tf.Tensor2D, shapes: Shapes): Kept {
  const { batch, steps, units } = shapes
  const backend = tf.backend()
  const block = batch * units
  const g = gatesPerUnit[cell] * units
  const states = new Float32Array((steps + 1) * block)
  if (cell === 'lstm') {
    const cells = new Float32Array((steps + 1) * block)
    const product = new StepProduct(backend, batch, units, recurrent)
    try {
      for (let s = 0; s < steps; s++) {
        const r = product.run(states, s * block, units)
        const t = timeOf(s, shapes)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const ro = b * g
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const i = sigmoid(gates[zo + j]! + r[ro + j]!)
            const f = sigmoid(gates[zo + units + j]! + r[ro + units + j]!)
            const c = Math.tanh(gates[zo + 2 * units + j]! + r[ro + 2 * units + j]!)
            const o = sigmoid(gates[zo + 3 * units + j]! + r[ro + 3 * units + j]!)
            gates[zo + j] = i
            gates[zo + units + j] = f
            gates[zo + 2 * units + j] = c
            gates[zo + 3 * units + j] = o
            const next = f * cells[so + j]! + i * c
            cells[so + block + j] = next
            states[so + block + j] = o * Math.tanh(next)
          }
        }
      }
    } finally {
      product.dispose()
    }
    return { states, extra: cells }
  }
  if (cell === 'gru') {
    const resetStates = new Float32Array(steps * block)
    const [zr, hh] = tf.split(recurrent, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D]
    const first = new StepProduct(backend, batch, units, zr)
    const second = new StepProduct(backend, batch, units, hh)
    try {
      for (let s = 0; s < steps; s++) {
        const r1 = first.run(states, s * block, units)
        const t = timeOf(s, shapes)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const ro = b * 2 * units
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const z = sigmoid(gates[zo + j]! + r1[ro + j]!)
            const r = sigmoid(gates[zo + units + j]! + r1[ro + units + j]!)
            gates[zo + j] = z
            gates[zo + units + j] = r
            resetStates[so + j] = r * states[so + j]!
          }
        }
        const r2 = second.run(resetStates, s * block, units)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const candidate = Math.tanh(gates[zo + 2 * units + j]! + r2[b * units + j]!)
            gates[zo + 2 * units + j] = candidate
            const z = gates[zo + j]!
            states[so + block + j] = z * states[so + j]! + (1 - z) * candidate
          }
        }
      }
    } finally {
      first.dispose()
      second.dispose()
      tf.dispose([zr, hh])
    }
    return { states, extra: resetStates }
  }
  const product = new StepProduct(backend, batch, units, recurrent)
  try {
    for (let s = 0; s < steps; s++) {
      const r = product.run(states, s * block, units)
      const t = timeOf(s, shapes)
      for (let b = 0; b < batch; b++) {
        const zo = row(b, t, steps) * units
        const so = (s + 1) * block + b * units
        for (let j = 0; j < units; j++) {
          const h = Math.tanh(gates[zo + j]! + r[b * units + j]!)
          gates[zo + j] = h
          states[so + j] = h
        }
      }
    }
  } finally {
    product.dispose()
  }
  return { states, extra: new Float32Array(0) }
}

/**
 * Overwrites `gates` with the gradients of the gates' inputs (pre-activations), given the gradient of
 * the outputs `dy` (every step's, [B, T, H] in the order run, or the last step's [B, H]).
 */
function backward(
  cell: RecurrentCell,
  gates: Float32Array,
  kept: Kept,
  dy: Float32Array,
  everyStep: boolean,
  recurrent: tf.Tensor2D,
  shapes: Shapes,
): void {
  const { batch, steps, units } = shapes
  const backend = tf.backend()
  const block = batch * units
  const g = gatesPerUnit[cell] * units
  const { states, extra } = kept
  const dh = new Float32Array(block)
  const addOutputGradient = (s: number) => {
    // dy is [B, T, H] in the order the steps ran.
    if (everyStep)
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < units; j++) dh[b * units + j] = dh[b * units + j]! + dy[row(b, s, steps) * units + j]!
    else if (s === steps - 1) dh.set(dy)
  }
  if (cell === 'lstm') {
    const dc = new Float32Array(block)
    const transposed = tf.transpose(recurrent)
    const product = new StepProduct(backend, batch, g, transposed)
    try {
      for (let s = steps - 1; s >= 0; s--) {
        addOutputGradient(s)
        const t = timeOf(s, shapes)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const k = b * units + j
            const i = gates[zo + j]!
            const f = gates[zo + units + j]!
            const c = gates[zo + 2 * units + j]!
            const o = gates[zo + 3 * units + j]!
            const tc = Math.tanh(extra[so + block + j]!)
            const dH = dh[k]!
            const dC = dc[k]! + dH * o * (1 - tc * tc)
            gates[zo + j] = dC * c * i * (1 - i)
            gates[zo + units + j] = dC * extra[so + j]! * f * (1 - f)
            gates[zo + 2 * units + j] = dC * i * (1 - c * c)
            gates[zo + 3 * units + j] = dH * tc * o * (1 - o)
            dc[k] = dC * f
          }
        }
        if (s > 0) dh.set(product.run(gates, t * g, steps * g))
      }
    } finally {
      product.dispose()
      transposed.dispose()
    }
    return
  }
  if (cell === 'gru') {
    const [zr, hh] = tf.split(recurrent, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D]
    const zrT = tf.transpose(zr)
    const hhT = tf.transpose(hh)
    const first = new StepProduct(backend, batch, 2 * units, zrT)
    const second = new StepProduct(backend, batch, units, hhT)
    const carried = new Float32Array(block)
    try {
      for (let s = steps - 1; s >= 0; s--) {
        addOutputGradient(s)
        const t = timeOf(s, shapes)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const k = b * units + j
            const z = gates[zo + j]!
            const candidate = gates[zo + 2 * units + j]!
            const dH = dh[k]!
            gates[zo + j] = dH * (states[so + j]! - candidate) * z * (1 - z)
            gates[zo + 2 * units + j] = dH * (1 - z) * (1 - candidate * candidate)
            carried[k] = dH * z
          }
        }
        // The gradient of r * h (the candidate's recurrent input), then of r and of h through it.
        const dReset = second.run(gates, t * g + 2 * units, steps * g)
        for (let b = 0; b < batch; b++) {
          const zo = row(b, t, steps) * g
          const so = s * block + b * units
          for (let j = 0; j < units; j++) {
            const k = b * units + j
            const r = gates[zo + units + j]!
            const d = dReset[k]!
            gates[zo + units + j] = d * states[so + j]! * r * (1 - r)
            carried[k] = carried[k]! + d * r
          }
        }
        if (s > 0) {
          const dPrevious = first.run(gates, t * g, steps * g)
          for (let k = 0; k < block; k++) dh[k] = carried[k]! + dPrevious[k]!
        }
      }
    } finally {
      first.dispose()
      second.dispose()
      tf.dispose([zr, hh, zrT, hhT])
    }
    return
  }
  const transposed = tf.transpose(recurrent)
  const product = new StepProduct(backend, batch, units, transposed)
  try {
    for (let s = steps - 1; s >= 0; s--) {
      addOutputGradient(s)
      const t = timeOf(s, shapes)
      for (let b = 0; b < batch; b++) {
        const zo = row(b, t, steps) * units
        for (let j = 0; j < units; j++) {
          const h = gates[zo + j]!
          gates[zo + j] = dh[b * units + j]! * (1 - h * h)
        }
      }
      if (s > 0) dh.set(product.run(gates, t * units, steps * units))
    }
  } finally {
    product.dispose()
    transposed.dispose()
  }
}

/** The recurrent weights' gradient from the gate gradients [B * T, G]: one product over all steps. */
function recurrentGradient(cell: RecurrentCell, dGates: tf.Tensor2D, kept: Kept, shapes: Shapes) {
  const { batch, steps, units } = shapes
  // Each gate row's previous state, in the gate rows' order.
  const previous = tf.tensor2d(asGateRows(kept.states, shapes), [batch * steps, units])
  if (cell !== 'gru') return tf.matMul(previous, dGates, true)
  const [dzr, dhh] = tf.split(dGates, [2 * units, units], 1)
  const reset = tf.tensor2d(asGateRows(kept.extra, shapes), [batch * steps, units])
  return tf.concat([tf.matMul(previous, dzr!, true), tf.matMul(reset, dhh!, true)], 1)
}

/**
 * The layer's output for inputs `x` [B, T, D] and the cell's weights (kernel [D, G], recurrent kernel
 * [H, G], bias [G]): [B, T, H] with `returnSequences` (in the order the steps ran, as tfjs), else
 * [B, H]. Zero initial state, no mask.
 */
export function fusedSequence(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  { cell, returnSequences, goBackwards, inputGradient }: SequenceOptions,
): tf.Tensor {
  const op = tf.customGrad((...args) => {
    const [xs, k, rk, bs] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]
    const save = args[4] as tf.GradSaveFunc
    const [batch, steps, inputs] = xs.shape
    const units = rk.shape[0]
    const shapes = { batch, steps, units, goBackwards }
    // A copy: on the CPU backend dataSync hands out the tensor's own array.
    const gates = tf
      .tidy(() => tf.add(tf.matMul(tf.reshape(xs, [batch * steps, inputs]), k), bs))
      .dataSync<'float32'>()
      .slice()
    const kept = forward(cell, gates, rk, shapes)
    keptBytes += gates.byteLength + kept.states.byteLength + kept.extra.byteLength
    save([xs, k, rk])
    const block = batch * units
    const value = returnSequences
      ? tf.tensor3d(batchMajor(kept.states.subarray(block), shapes), [batch, steps, units])
      : tf.tensor2d(kept.states.subarray(steps * block), [batch, units])
    let done = false
    // In a tidy: tfjs runs a custom gradient outside one, and its temporaries would live to the pass's end.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        // The backward pass overwrites the gates with their gradients: it can run only once.
        if (done) throw new Error('A fused recurrent sequence was differentiated twice; run its forward pass again.')
        done = true
        const [sx, sk, srk] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D]
        backward(cell, gates, kept, dy.dataSync<'float32'>(), returnSequences, srk, shapes)
        const dGates = tf.tensor2d(gates, [batch * steps, gatesPerUnit[cell] * units])
        return [
          // Gate rows are the input's own (no reversal): see `row`.
          inputGradientOf(inputGradient, sx.shape, false, () =>
            tf.reshape(tf.matMul(dGates, sk, false, true), [batch, steps, inputs]),
          ),
          tf.matMul(tf.reshape(sx, [batch * steps, inputs]), dGates, true),
          recurrentGradient(cell, dGates, kept, shapes),
          tf.sum(dGates, 0),
        ]
      })
    return { value, gradFunc }
  })
  return op(x, kernel, recurrentKernel, bias)
}
