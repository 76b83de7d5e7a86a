/**
 * tfjs-layers' LSTM, GRU and SimpleRNN with a whole-sequence forward and backward (`fusedSequence`) on
 * the wasm and cpu backends. Each is the stock layer class with only `call` replaced, registered under
 * the stock class name: its weights (kernel, recurrent_kernel, bias), config and saved topology are the
 * stock layer's, so a bundle loads in plain tfjs, and `tf.layers.bidirectional`, which clones its layer
 * by class name, clones these. On the native rungs (tensorflow, cuda) they run TensorFlow's own fused
 * ops instead (BlockLSTM, GRUBlockCell; the simple RNN a few ops a step), and the stock `call` runs
 * what neither covers (masks, initial or returned states, dropout, other activations, no bias).
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../../shared/training/config'
import { modelKindSpec } from '../../../../shared/training/model-kinds'
import { blockGru } from './block-gru'
import { blockLstm } from './block-lstm'
import { blockRnn } from './block-rnn'
import { fusedSequence, type RecurrentCell } from './fused-sequence'
import { isFrozenInput } from './input-gradient'
import { onNativeCpuRung, onNativeRung } from '../native-ops'
import { pairedLstm } from './paired-lstm'
import { stockClass } from '../stock-class'

type Stock =
  ReturnType<typeof tf.layers.lstm> | ReturnType<typeof tf.layers.gru> | ReturnType<typeof tf.layers.simpleRNN>
type Kwargs = Parameters<Stock['call']>[1]
type CellWeights = {
  kernel: { read(): tf.Tensor }
  recurrentKernel: { read(): tf.Tensor }
  bias?: { read(): tf.Tensor }
  useBias: boolean
  dropout: number
  recurrentDropout: number
  activation: tf.serialization.Serializable
  recurrentActivation?: tf.serialization.Serializable
}

const fusedBackends = new Set(['wasm', 'cpu'])
/**
 * A layer's output on the native rungs from its input, weights, direction, whether it returns every step
 * and whether its input's gradient is wanted.
 */
type BlockOp = typeof blockRnn

/** The last step of a whole sequence, when the layer returns only that. */
const lastIfAsked =
  (op: typeof blockLstm): BlockOp =>
  (x, kernel, recurrent, bias, goBackwards, returnSequences, inputGradient) => {
    const steps = op(x, kernel, recurrent, bias, goBackwards, inputGradient)
    // The last step the layer ran is the last row in its own (possibly reversed) order.
    return returnSequences ? steps : tf.squeeze(tf.slice(steps, [0, x.shape[1] - 1, 0], [-1, 1, -1]), [1])
  }

/** TensorFlow's fused ops on the native rungs (the simple RNN: three ops a step, see block-rnn.ts). */
const blockOps: Record<RecurrentCell, BlockOp> = {
  lstm: lastIfAsked(blockLstm),
  gru: lastIfAsked(blockGru),
  rnn: blockRnn,
}
let enabled = true

/**
 * Whether a model's recurrent steps are small enough that the op calls issued step by step from
 * JavaScript bound them, more than TensorFlow's products: a gated cell (LSTM, GRU) whose batch rows x
 * units x directions are at most 64 x 256. On the native CPU rung such a run keeps a core for the
 * JavaScript thread (`useBackend`). Measured with `bench/recurrent-step.ts`, one against two intra-op
 * threads on 2 cores: the BiLSTM (64 x 100 x 2) 369 against 422 ms a step, the LSTM and GRU of
 * rnn-baseline (64 x 256) 525 against 548 and 501 against 675; amazon-lstm (400 x 512) 15.1 against
 * 9.0 s. The simple RNN's step is three ops and gained nothing (143 against 135 ms).
 */
export function smallRecurrentSteps(config: TrainConfig): boolean {
  const cells = modelKindSpec(config.model).recurrent
  return !!cells && cells.gates > 1 && config.batchSize * config.hiddenUnits * cells.directions <= 64 * 256
}

/** Turns the fused path off (true) or on again, for benchmarks that compare it with the stock layers. */
export function useStockRecurrent(stock: boolean): void {
  enabled = !stock
}

/** What a fused call of `layer` runs on: its input and weights, or null where the stock call must run. */
function fusedArgs(layer: Stock, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
  if (kwargs?.['mask'] != null || kwargs?.['initialState'] != null || layer.stateful || layer.returnState) return null
  const weights = layer.cell as unknown as CellWeights
  if (!weights.useBias || !weights.bias || weights.dropout > 0 || weights.recurrentDropout > 0) return null
  if (weights.activation.getClassName() !== 'tanh') return null
  if (weights.recurrentActivation && weights.recurrentActivation.getClassName() !== 'sigmoid') return null
  const x = Array.isArray(inputs) ? inputs[0] : inputs
  if (!x || x.rank !== 3) return null
  return {
    x: x as tf.Tensor3D,
    weights: [weights.kernel.read(), weights.recurrentKernel.read(), weights.bias.read()] as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
    ],
    inputGradient: !isFrozenInput(x),
  }
}

/** The fused sequence for `layer`, or null where the stock call must run. */
function fusedCall(
  layer: Stock,
  cell: RecurrentCell,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Kwargs,
): tf.Tensor | null {
  const native = onNativeRung() ? blockOps[cell] : undefined
  if (!enabled || !(native || fusedBackends.has(tf.getBackend()))) return null
  const args = fusedArgs(layer, inputs, kwargs)
  if (!args) return null
  const { x, weights, inputGradient } = args
  const { goBackwards, returnSequences } = layer
  if (native) return native(x, ...weights, goBackwards, returnSequences, inputGradient)
  return fusedSequence(x, ...weights, { cell, returnSequences, goBackwards, inputGradient })
}

/**
 * A bidirectional LSTM's two directions on two threads at once (`paired-lstm.ts`) in a training pass on
 * the native CPU rung, or null where each direction's own call must run.
 */
function pairedCall(pair: Pair, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
  const { forwardLayer: ahead, backwardLayer: back, mergeMode, returnState, returnSequences } = pair
  if (!enabled || !onNativeCpuRung() || mergeMode !== 'concat' || returnState) return null
  // Training passes only: without the backward pass, copying a (larger) batch to the thread costs more
  // than the forward direction it saves (a 25,000-review test took minutes longer).
  if (kwargs?.['training'] !== true) return null
  if (!(ahead instanceof FusedLSTM && back instanceof FusedLSTM) || ahead.goBackwards || !back.goBackwards) return null
  const [forward, backward] = [fusedArgs(ahead, inputs, kwargs), fusedArgs(back, inputs, kwargs)]
  if (!forward || !backward) return null
  const steps = pairedLstm(pair.name, forward.x, forward.weights, backward.weights, forward.inputGradient)
  if (!steps || returnSequences) return steps
  // Each direction's last step: the forward one's at the end, the backward one's at the start.
  const [units, last] = [forward.weights[1].shape[0], forward.x.shape[1] - 1]
  return tf.concat(
    [
      tf.squeeze(tf.slice(steps, [0, last, 0], [-1, 1, units]), [1]),
      tf.squeeze(tf.slice(steps, [0, 0, units], [-1, 1, units]), [1]),
    ],
    -1,
  )
}

const StockLSTM = stockClass(tf.layers.lstm, { units: 1 })
const StockGRU = stockClass(tf.layers.gru, { units: 1 })
const StockSimpleRNN = stockClass(tf.layers.simpleRNN, { units: 1 })

export class FusedLSTM extends StockLSTM {
  static override className = 'LSTM'
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    return fusedCall(this, 'lstm', inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

export class FusedGRU extends StockGRU {
  static override className = 'GRU'
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    return fusedCall(this, 'gru', inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

export class FusedSimpleRNN extends StockSimpleRNN {
  static override className = 'SimpleRNN'
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    return fusedCall(this, 'rnn', inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

const StockBidirectional = stockClass(tf.layers.bidirectional, { layer: tf.layers.lstm({ units: 1 }) })
/** What a pair reads of tfjs-layers' Bidirectional (whose members are private in its types). */
interface Pair {
  name: string
  forwardLayer: Stock
  backwardLayer: Stock
  mergeMode: string
  returnState: boolean
  returnSequences: boolean
}

export class FusedBidirectional extends StockBidirectional {
  static override className = 'Bidirectional'
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    return pairedCall(this as unknown as Pair, inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

/** The stock classes, for a test that loads a bundle the way plain tfjs does. */
export const stockRecurrentClasses = [StockLSTM, StockGRU, StockSimpleRNN]

for (const cls of [FusedLSTM, FusedGRU, FusedSimpleRNN, FusedBidirectional]) tf.serialization.registerClass(cls)
